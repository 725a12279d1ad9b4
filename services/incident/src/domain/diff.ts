import type { DomainEvent, FieldChange, Incident } from './types';
import { isActive } from './lifecycle';

/** Fields whose changes are audited (history rows) and listed in `updated` events. */
export const AUDITED_FIELDS = [
  'title',
  'description',
  'callerId',
  'contactType',
  'location',
  'category',
  'subcategory',
  'symptom',
  'ciId',
  'impact',
  'urgency',
  'priority',
  'priorityOverride',
  'state',
  'holdReason',
  'assignmentGroup',
  'assignee',
  'reassignmentCount',
  'reopenCount',
  'parentId',
  'major',
  'problemId',
  'causedByChange',
  'awaitingChange',
  'resolutionCode',
  'resolutionNotes',
  'knowledge',
  'escalationLevel',
  'functionalEscalationLevel',
  'slaBreached',
  'firstResponseAt',
  'resolvedAt',
  'closedAt',
] as const satisfies ReadonlyArray<keyof Incident>;

const plain = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v === undefined ? null : v);

export function diff(prev: Incident, next: Incident): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of AUDITED_FIELDS) {
    const a = plain(prev[f]);
    const b = plain(next[f]);
    if (a !== b) out.push({ field: f, from: a, to: b });
  }
  return out;
}

/** The specific events a change of fields implies (besides the general `updated`). */
export function impliedEvents(prev: Incident, next: Incident, reason?: string): DomainEvent[] {
  const events: DomainEvent[] = [];
  if (prev.state !== next.state || (next.state === 'on_hold' && prev.holdReason !== next.holdReason)) {
    events.push({ kind: 'stateChanged', from: prev.state, to: next.state, holdReason: next.holdReason });
    if (next.state === 'resolved') {
      events.push({ kind: 'resolved', resolutionCode: next.resolutionCode ?? '', resolutionNotes: next.resolutionNotes ?? '' });
    }
    if (next.state === 'closed') events.push({ kind: 'closed' });
    if (next.state === 'cancelled') events.push({ kind: 'cancelled', ...(reason ? { reason } : {}) });
    if (!isActive(prev.state) && isActive(next.state)) events.push({ kind: 'reopened', ...(reason ? { reason } : {}) });
  }
  if (prev.assignmentGroup !== next.assignmentGroup || prev.assignee !== next.assignee) {
    events.push({
      kind: 'assigned',
      fromGroup: prev.assignmentGroup,
      toGroup: next.assignmentGroup,
      fromAssignee: prev.assignee,
      toAssignee: next.assignee,
    });
  }
  if (prev.priority !== next.priority) {
    events.push({ kind: 'priorityChanged', from: prev.priority, to: next.priority, override: next.priorityOverride });
  }
  if (!prev.major && next.major) events.push({ kind: 'majorDeclared' });
  if (next.problemId && prev.problemId !== next.problemId) events.push({ kind: 'problemLinked', problemId: next.problemId });
  return events;
}

/** A decision from a previous and a next record: field changes plus implied events (plus extra ones). */
export function decide(prev: Incident, next: Incident, extra: DomainEvent[] = [], reason?: string) {
  return { next, changes: diff(prev, next), events: [...impliedEvents(prev, next, reason), ...extra] };
}
