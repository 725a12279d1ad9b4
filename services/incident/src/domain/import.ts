import { ValidationError } from '@itsm/core';
import { isActive } from './lifecycle';
import { matrixPriority, type PriorityMatrix } from './priority';
import type { ContactType, FieldChange, HoldReason, Incident, State } from './types';

/** The record fields a `fields` timeline entry may change (absent = unchanged, null = cleared). */
export const TIMELINE_FIELDS = ['category', 'subcategory', 'symptom', 'location'] as const;
export type TimelineField = (typeof TIMELINE_FIELDS)[number];

export type TimelineKind = 'state' | 'assignment' | 'priority' | 'problem' | 'fields';

export interface TimelineEntry extends Partial<Record<TimelineField, string | null>> {
  at: Date;
  kind: TimelineKind;
  state?: State;
  holdReason?: HoldReason | null;
  assignmentGroup?: string | null;
  assignee?: string | null;
  priority?: number;
  /** kind `problem`: the problem linked from `at` on; null unlinks */
  problemId?: string | null;
  by?: string;
}

/**
 * The values a `problem` or `fields` entry carries, for the imported event
 * (the other kinds' values are copied by the import service).
 */
export function timelineValues(e: TimelineEntry): Partial<Record<TimelineField | 'problemId', string | null>> {
  if (e.kind === 'problem') return { problemId: e.problemId ?? null };
  if (e.kind !== 'fields') return {};
  const out: Partial<Record<TimelineField, string | null>> = {};
  for (const f of TIMELINE_FIELDS) if (e[f] !== undefined) out[f] = e[f];
  return out;
}

export interface ImportInput {
  source: string;
  sourceNumber: string;
  title: string;
  description?: string;
  callerId: string;
  openedBy?: string;
  contactType: ContactType;
  location?: string | null;
  category?: string | null;
  subcategory?: string | null;
  symptom?: string | null;
  ciId?: string | null;
  impact: number;
  urgency: number;
  priority?: number;
  problemId?: string | null;
  causedByChange?: string | null;
  resolutionCode?: string | null;
  resolutionNotes?: string | null;
  knowledge?: boolean;
  openedAt: Date;
  timeline: TimelineEntry[];
}

export interface ImportedHistory {
  at: Date;
  by: string;
  changes: FieldChange[];
}

/**
 * Replays a historical timeline onto a new record: the final state of the
 * record and one history entry per timeline step at its historical time. The
 * past is recorded as it happened (the transition table governs changes made
 * here, not facts from another tool), but the derived timestamps follow the
 * same rules as live changes: resolved_at on the latest active → inactive
 * move (C11), closed_at on close, reopens counted.
 */
export function replayImport(input: ImportInput, ids: { id: string; number: string }, matrix: PriorityMatrix, importer: string) {
  input.timeline.forEach((e, i) => {
    if (e.kind === 'fields' && !TIMELINE_FIELDS.some((f) => e[f] !== undefined)) {
      throw new ValidationError(`timeline.${i}: a fields entry changes nothing`, [{ field: `timeline.${i}`, message: `names none of ${TIMELINE_FIELDS.join(', ')}` }]);
    }
  });
  const timeline = [...input.timeline].sort((a, b) => a.at.getTime() - b.at.getTime());
  const first = timeline[0];
  if (first && first.at.getTime() < input.openedAt.getTime()) {
    throw new ValidationError('The timeline starts before openedAt', [{ field: 'timeline.0.at', message: 'is before openedAt' }]);
  }
  const opening = openingValues(input, timeline);
  const computed = matrixPriority(matrix, input.impact, input.urgency);
  const priority = input.priority ?? computed;
  const inc: Incident = {
    id: ids.id,
    number: ids.number,
    title: input.title,
    description: input.description ?? '',
    callerId: input.callerId,
    openedBy: input.openedBy ?? importer,
    contactType: input.contactType,
    location: opening.location,
    category: opening.category,
    subcategory: opening.subcategory,
    symptom: opening.symptom,
    ciId: input.ciId ?? null,
    impact: input.impact,
    urgency: input.urgency,
    priority,
    priorityOverride: priority !== computed,
    state: 'new',
    holdReason: null,
    assignmentGroup: null,
    assignee: null,
    reassignmentCount: 0,
    reopenCount: 0,
    parentId: null,
    major: false,
    problemId: opening.problemId,
    causedByChange: input.causedByChange ?? null,
    awaitingChange: null,
    resolutionCode: null,
    resolutionNotes: null,
    knowledge: input.knowledge ?? false,
    escalationLevel: 0,
    functionalEscalationLevel: 0,
    slaBreached: false,
    slaNotices: [],
    sourceMessageId: null,
    source: input.source,
    sourceNumber: input.sourceNumber,
    openedAt: input.openedAt,
    firstResponseAt: null,
    resolvedAt: null,
    closedAt: null,
    updatedAt: input.openedAt,
    version: 1,
  };
  const history: ImportedHistory[] = [{ at: input.openedAt, by: input.openedBy ?? importer, changes: [{ field: 'created', from: null, to: input.sourceNumber }] }];
  for (const e of timeline) {
    const changes: FieldChange[] = [];
    const set = <K extends keyof Incident>(f: K, v: Incident[K]) => {
      const from = inc[f] instanceof Date ? (inc[f] as Date).toISOString() : inc[f];
      const to = v instanceof Date ? v.toISOString() : v;
      if (from !== to) {
        changes.push({ field: f, from, to });
        inc[f] = v;
      }
    };
    if (e.kind === 'state' && e.state) {
      const from = inc.state;
      set('state', e.state);
      set('holdReason', e.state === 'on_hold' ? (e.holdReason ?? null) : null);
      if (from !== e.state) {
        if (isActive(from) && !isActive(e.state) && e.state !== 'cancelled') set('resolvedAt', e.at);
        if (e.state === 'closed' || e.state === 'cancelled') set('closedAt', e.at);
        if (!isActive(from) && isActive(e.state)) {
          set('reopenCount', inc.reopenCount + 1);
          set('closedAt', null);
        }
      }
    } else if (e.kind === 'assignment') {
      const group = e.assignmentGroup !== undefined ? e.assignmentGroup : inc.assignmentGroup;
      const assignee = e.assignee !== undefined ? e.assignee : group !== inc.assignmentGroup ? null : inc.assignee;
      const reassigned = (group !== inc.assignmentGroup && inc.assignmentGroup !== null) || (assignee !== inc.assignee && inc.assignee !== null);
      set('assignmentGroup', group);
      set('assignee', assignee);
      if (reassigned) set('reassignmentCount', inc.reassignmentCount + 1);
      if (assignee !== null && inc.firstResponseAt === null) set('firstResponseAt', e.at);
    } else if (e.kind === 'priority' && e.priority !== undefined) {
      set('priority', e.priority);
    } else if (e.kind === 'problem') {
      set('problemId', e.problemId ?? null);
    } else if (e.kind === 'fields') {
      for (const f of TIMELINE_FIELDS) if (e[f] !== undefined) set(f, e[f]);
    }
    if (changes.length) history.push({ at: e.at, by: e.by ?? importer, changes });
    inc.updatedAt = e.at;
  }
  if (inc.state === 'resolved' || inc.state === 'closed') {
    inc.resolutionCode = input.resolutionCode ?? null;
    inc.resolutionNotes = input.resolutionNotes ?? null;
  }
  return { incident: inc, history, timeline };
}

/**
 * The values the record opens with for the fields that timeline entries can
 * change. A field that no entry changes opens with its top-level value (which
 * is then also its final value). A field that entries change opens empty and
 * takes each entry's value at its time, so its final value is the last
 * entry's; a top-level value sent as well must equal it (a 422 naming the
 * field otherwise: the top-level value is the record's final state, never
 * the one at the opening).
 */
function openingValues(input: ImportInput, timeline: TimelineEntry[]): Record<TimelineField | 'problemId', string | null> {
  const last = new Map<TimelineField | 'problemId', string | null>();
  for (const e of timeline) for (const [f, v] of Object.entries(timelineValues(e))) last.set(f as TimelineField | 'problemId', v ?? null);
  const out = {} as Record<TimelineField | 'problemId', string | null>;
  const issues: { field: string; message: string }[] = [];
  for (const f of [...TIMELINE_FIELDS, 'problemId'] as const) {
    const top = input[f];
    if (!last.has(f)) {
      out[f] = top ?? null;
      continue;
    }
    out[f] = null;
    const final = last.get(f) ?? null;
    if (top !== undefined && top !== final) {
      const kind = f === 'problemId' ? 'problem' : 'fields';
      issues.push({ field: f, message: `is ${JSON.stringify(top)} but the last ${kind} entry of the timeline sets ${JSON.stringify(final)}; the top-level value is the final one: send the same or leave it out` });
    }
  }
  if (issues.length) throw new ValidationError(`The timeline disagrees with ${issues.map((i) => i.field).join(', ')}`, issues);
  return out;
}
