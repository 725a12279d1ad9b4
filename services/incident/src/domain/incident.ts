import { ConflictError, ValidationError } from '@itsm/core';
import { decide } from './diff';
import { assertTransition, isActive } from './lifecycle';
import { decidePriority, matrixPriority, type PriorityMatrix } from './priority';
import type { Actor, ContactType, Decision, HoldReason, Incident, State } from './types';

export interface IncidentFields {
  title?: string;
  description?: string;
  callerId?: string;
  contactType?: ContactType;
  location?: string | null;
  category?: string | null;
  subcategory?: string | null;
  symptom?: string | null;
  ciId?: string | null;
  impact?: number;
  urgency?: number;
  priority?: number;
  assignmentGroup?: string | null;
  assignee?: string | null;
  knowledge?: boolean;
  problemId?: string | null;
  causedByChange?: string | null;
  awaitingChange?: string | null;
}

export interface IncidentPatch extends IncidentFields {
  state?: State;
  holdReason?: HoldReason | null;
  resolutionCode?: string | null;
  resolutionNotes?: string | null;
  /** why (cancel, reopen): goes into the event */
  reason?: string;
}

/** Facts the service looked up for the rule (the domain does no I/O). */
export interface AssignmentFacts {
  groupExists: boolean;
  assigneeInGroup: boolean;
}

export interface RuleContext {
  actor: Actor;
  now: Date;
  matrix: PriorityMatrix;
  facts?: AssignmentFacts;
}

const field = (name: string, message: string) => new ValidationError(`${name} ${message}`, [{ field: name, message }]);

/** Where an assignment patch leads: the group and assignee to check, or undefined when assignment does not change. */
export function assignmentTarget(inc: Pick<Incident, 'assignmentGroup' | 'assignee'> | null, patch: IncidentFields) {
  const prevGroup = inc?.assignmentGroup ?? null;
  const prevAssignee = inc?.assignee ?? null;
  const group = patch.assignmentGroup !== undefined ? patch.assignmentGroup : prevGroup;
  const assignee = patch.assignee !== undefined ? patch.assignee : group !== prevGroup ? null : prevAssignee;
  const changed = group !== prevGroup || assignee !== prevAssignee;
  return { group, assignee, changed };
}

function applyAssignment(prev: Incident, next: Incident, patch: IncidentFields, ctx: RuleContext): void {
  const t = assignmentTarget(prev, patch);
  if (!t.changed) return;
  if (t.group !== null && t.group !== prev.assignmentGroup && ctx.facts && !ctx.facts.groupExists) {
    throw field('assignmentGroup', `"${t.group}" is not a known assignment group`);
  }
  if (t.assignee !== null) {
    if (t.group === null) throw field('assignee', 'needs an assignment group');
    if (ctx.facts && !ctx.facts.assigneeInGroup) throw field('assignee', `"${t.assignee}" is not a member of group "${t.group}"`);
  }
  const reassigned = (t.group !== prev.assignmentGroup && prev.assignmentGroup !== null) || (t.assignee !== prev.assignee && prev.assignee !== null);
  next.assignmentGroup = t.group;
  next.assignee = t.assignee;
  if (reassigned) next.reassignmentCount = prev.reassignmentCount + 1;
  if (t.assignee !== null && next.firstResponseAt === null) next.firstResponseAt = ctx.now;
}

function applyState(prev: Incident, next: Incident, patch: IncidentPatch, ctx: RuleContext): void {
  const to = patch.state ?? prev.state;
  if (to !== prev.state) assertTransition(prev.number, prev.state, to, ctx.actor);
  if (to === 'on_hold') {
    const reason = patch.holdReason !== undefined ? patch.holdReason : prev.holdReason;
    if (!reason) throw field('holdReason', 'is required to put an incident on hold');
    next.holdReason = reason;
  } else {
    if (patch.holdReason) throw field('holdReason', 'can only be given with state on_hold');
    next.holdReason = null;
  }
  if (patch.resolutionCode !== undefined) next.resolutionCode = patch.resolutionCode;
  if (patch.resolutionNotes !== undefined) next.resolutionNotes = patch.resolutionNotes;
  next.state = to;
  if (to === prev.state) return;
  if (to === 'resolved') {
    const missing = [!next.resolutionCode && 'resolutionCode', !next.resolutionNotes && 'resolutionNotes'].filter(Boolean) as string[];
    if (missing.length) {
      throw new ValidationError(`Resolving needs ${missing.join(' and ')}`, missing.map((f) => ({ field: f, message: 'is required to resolve' })));
    }
  }
  // C11: resolved_at is set only on a move from an active to an inactive state.
  if (isActive(prev.state) && to === 'resolved') next.resolvedAt = ctx.now;
  if (to === 'closed' || to === 'cancelled') next.closedAt = ctx.now;
  if (!isActive(prev.state) && isActive(to)) {
    next.reopenCount = prev.reopenCount + 1;
    next.resolvedAt = null;
    next.closedAt = null;
    next.resolutionCode = null;
    next.resolutionNotes = null;
  }
}

const SIMPLE_FIELDS = [
  'title',
  'description',
  'callerId',
  'contactType',
  'location',
  'category',
  'subcategory',
  'symptom',
  'ciId',
  'knowledge',
  'problemId',
  'causedByChange',
  'awaitingChange',
] as const;

/** Every field update goes through here: priority rule (C07), lifecycle (C09, C11), assignment rules. */
export function applyUpdate(inc: Incident, patch: IncidentPatch, ctx: RuleContext): Decision {
  const reopening = patch.state !== undefined && isActive(patch.state);
  if (!isActive(inc.state) && inc.state !== 'resolved' && !reopening) {
    const others = Object.keys(patch).filter((k) => k !== 'state' && k !== 'reason');
    if (others.length > 0 || (patch.state !== undefined && patch.state !== inc.state)) {
      if (patch.state !== undefined && patch.state !== inc.state) assertTransition(inc.number, inc.state, patch.state, ctx.actor);
      throw new ConflictError(`Incident ${inc.number} is ${inc.state}: reopen it before changing it`, 'INCIDENT_INACTIVE', { number: inc.number, state: inc.state });
    }
  }
  const next: Incident = { ...inc };
  const p = decidePriority({
    current: inc,
    patch: { impact: patch.impact, urgency: patch.urgency, priority: patch.priority },
    canOverride: ctx.actor.canOverridePriority,
    matrix: ctx.matrix,
  });
  Object.assign(next, p);
  for (const f of SIMPLE_FIELDS) {
    if (patch[f] !== undefined) (next as unknown as Record<string, unknown>)[f] = patch[f];
  }
  applyState(inc, next, patch, ctx);
  applyAssignment(inc, next, patch, ctx);
  return decide(inc, next, [], patch.reason);
}

export interface NewIncident extends IncidentFields {
  title: string;
  callerId: string;
  contactType: ContactType;
  impact: number;
  urgency: number;
  sourceMessageId?: string | null;
}

/** A new incident in state New, its priority from the matrix (or a permitted override). */
export function createIncident(input: NewIncident, ids: { id: string; number: string }, ctx: RuleContext): Decision {
  const computed = matrixPriority(ctx.matrix, input.impact, input.urgency);
  const base: Incident = {
    id: ids.id,
    number: ids.number,
    title: input.title,
    description: input.description ?? '',
    callerId: input.callerId,
    openedBy: ctx.actor.id,
    contactType: input.contactType,
    location: null,
    category: null,
    subcategory: null,
    symptom: null,
    ciId: null,
    impact: input.impact,
    urgency: input.urgency,
    priority: computed,
    priorityOverride: false,
    state: 'new',
    holdReason: null,
    assignmentGroup: null,
    assignee: null,
    reassignmentCount: 0,
    reopenCount: 0,
    parentId: null,
    major: false,
    problemId: null,
    causedByChange: null,
    awaitingChange: null,
    resolutionCode: null,
    resolutionNotes: null,
    knowledge: false,
    escalationLevel: 0,
    functionalEscalationLevel: 0,
    slaBreached: false,
    slaNotices: [],
    sourceMessageId: input.sourceMessageId ?? null,
    source: null,
    sourceNumber: null,
    openedAt: ctx.now,
    firstResponseAt: null,
    resolvedAt: null,
    closedAt: null,
    updatedAt: ctx.now,
    version: 1,
  };
  const { title: _t, callerId: _c, contactType: _ct, impact: _i, urgency: _u, sourceMessageId: _s, ...rest } = input;
  const d = applyUpdate(base, rest, ctx);
  return { next: d.next, changes: [], events: [{ kind: 'created' }] };
}
