import { AppError, ConflictError, InvalidTransitionError, ValidationError, type FieldIssue } from '@itsm/core';
import { describeConflict } from './conflicts';
import { assertTransition, REVISABLE_STATES, WORKFLOW_TARGETS } from './lifecycle';
import {
  MATERIAL_FIELDS,
  PLAIN_FIELDS,
  type Actor,
  type Change,
  type ChangeType,
  type Conflict,
  type Decision,
  type DomainEvent,
  type EditableField,
  type FieldChange,
  type Level,
  type Outcome,
  type State,
} from './types';

export interface ChangeFields {
  title: string;
  description?: string;
  justification?: string;
  type: ChangeType;
  category?: string | null;
  ciIds?: string[];
  owner?: string | null;
  assignmentGroup?: string | null;
  impact?: Level;
  implementationPlan?: string | null;
  backoutPlan?: string | null;
  testPlan?: string | null;
  plannedStart?: Date | null;
  plannedEnd?: Date | null;
  problemIds?: string[];
  incidentIds?: string[];
  cabGroup?: string | null;
  templateId?: string | null;
  sourceKey?: string | null;
}

export interface NewChangeContext {
  id: string;
  number: string;
  actor: Actor;
  now: Date;
}

const decision = (next: Change, changes: FieldChange[] = [], events: DomainEvent[] = []): Decision => ({ next, changes, events });

function checkWindow(start: Date | null, end: Date | null): void {
  if (start && end && end.getTime() <= start.getTime()) {
    throw new ValidationError('The planned end must be after the planned start', [{ field: 'plannedEnd', message: 'must be after plannedStart' }]);
  }
}

/** A new RfC in state new (a draft, revision 1). */
export function createChange(input: ChangeFields, ctx: NewChangeContext): Decision {
  checkWindow(input.plannedStart ?? null, input.plannedEnd ?? null);
  const next: Change = {
    id: ctx.id,
    number: ctx.number,
    title: input.title,
    description: input.description ?? '',
    justification: input.justification ?? '',
    type: input.type,
    category: input.category ?? null,
    ciIds: unique(input.ciIds ?? []),
    requestedBy: ctx.actor.id,
    requestedByName: ctx.actor.name ?? null,
    owner: input.owner ?? null,
    assignmentGroup: input.assignmentGroup ?? null,
    impact: input.impact ?? 'medium',
    risk: null,
    riskReasons: [],
    implementationPlan: input.implementationPlan ?? null,
    backoutPlan: input.backoutPlan ?? null,
    testPlan: input.testPlan ?? null,
    plannedStart: input.plannedStart ?? null,
    plannedEnd: input.plannedEnd ?? null,
    actualStart: null,
    actualEnd: null,
    problemIds: unique(input.problemIds ?? []),
    incidentIds: unique(input.incidentIds ?? []),
    revision: 1,
    state: 'new',
    approvalStatus: 'none',
    approvedRevision: null,
    approvalRound: null,
    cabGroup: input.cabGroup ?? null,
    templateId: input.templateId ?? null,
    outcome: null,
    outcomeNotes: null,
    pir: null,
    scheduledConflicts: [],
    rejectionReason: null,
    cancelReason: null,
    sourceKey: input.sourceKey ?? null,
    submittedAt: null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    closedAt: null,
    version: 1,
  };
  return decision(next, [], [{ kind: 'created' }]);
}

export type ChangePatch = Partial<Pick<Change, EditableField>>;

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return (a as Date | null)?.getTime?.() === (b as Date | null)?.getTime?.();
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Field edits. After submission a material edit (plan, window, risk inputs,
 * CIs, description, CAB group) raises the revision, sets the approval to
 * waiting and moves the RfC back to assess: the approval of the earlier
 * revision no longer lets it proceed. Closed, cancelled and implementing
 * RfCs refuse material edits (409).
 */
export function updateChange(c: Change, patch: ChangePatch): Decision {
  const changes: FieldChange[] = [];
  const next: Change = { ...c };
  for (const field of [...MATERIAL_FIELDS, ...PLAIN_FIELDS] as EditableField[]) {
    if (!(field in patch) || patch[field] === undefined) continue;
    let value = patch[field] as unknown;
    if (field === 'ciIds' || field === 'problemIds' || field === 'incidentIds') value = unique(value as string[]);
    if (same(c[field], value)) continue;
    changes.push({ field, from: c[field], to: value });
    (next as unknown as Record<string, unknown>)[field] = value;
  }
  if (changes.length === 0) return decision(c);
  if (c.state === 'closed' || c.state === 'cancelled') {
    throw new ConflictError(`Change ${c.number} is ${c.state} and can no longer be edited`, 'CHANGE_CLOSED', { state: c.state });
  }
  checkWindow(next.plannedStart, next.plannedEnd);
  const material = changes.filter((ch) => (MATERIAL_FIELDS as readonly string[]).includes(ch.field)).map((ch) => ch.field);
  if (material.length === 0 || c.state === 'new') return decision(next, changes);
  if (!REVISABLE_STATES.includes(c.state)) {
    throw new ConflictError(`Change ${c.number} is in ${c.state}: ${material.join(', ')} can no longer change`, 'NOT_REVISABLE', {
      state: c.state,
      fields: material,
    });
  }
  return revise(next, c, changes, material);
}

/** A new revision for approval: back to assess, approval waiting for it. */
function revise(next: Change, before: Change, changes: FieldChange[], fields: string[]): Decision {
  if (before.state !== 'assess') assertTransition(before.number, before.state, 'assess');
  const revised: Change = {
    ...next,
    revision: before.revision + 1,
    state: 'assess',
    approvalStatus: 'waiting',
    scheduledConflicts: [],
    rejectionReason: null,
  };
  const all = [...changes, { field: 'revision', from: before.revision, to: revised.revision }];
  if (before.state !== 'assess') all.push({ field: 'state', from: before.state, to: 'assess' });
  if (before.approvalStatus !== 'waiting') all.push({ field: 'approvalStatus', from: before.approvalStatus, to: 'waiting' });
  return decision(revised, all, [{ kind: 'revised', fromRevision: before.revision, fields }]);
}

/** What a non-standard RfC needs before it can be submitted. */
function submissionIssues(c: Change): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (c.type !== 'standard' && !c.implementationPlan) issues.push({ field: 'implementationPlan', message: 'is required to submit' });
  if (c.type !== 'standard' && !c.justification) issues.push({ field: 'justification', message: 'is required to submit' });
  return issues;
}

/** new → assess: the RfC goes to risk assessment and approval (the workflow starts from the event). */
export function submit(c: Change, now: Date): Decision {
  if (c.state === 'rejected') return revise({ ...c }, c, [], []);
  assertTransition(c.number, c.state, 'assess');
  const issues = submissionIssues(c);
  if (issues.length) throw new ValidationError(`Change ${c.number} is not ready to submit`, issues);
  const next: Change = { ...c, state: 'assess', approvalStatus: 'waiting', submittedAt: now };
  return decision(
    next,
    [
      { field: 'state', from: c.state, to: 'assess' },
      { field: 'approvalStatus', from: c.approvalStatus, to: 'waiting' },
    ],
    [{ kind: 'submitted' }],
  );
}

/** Risk recorded by the assessment of the current revision (no state change). */
export function recordRisk(c: Change, revision: number, risk: Level, reasons: string[]): Decision {
  if (revision !== c.revision || (c.risk === risk && same(c.riskReasons, reasons))) return decision(c);
  return decision({ ...c, risk, riskReasons: reasons }, [{ field: 'risk', from: c.risk, to: risk }]);
}

/** A voting round opened for `revision`: assess → authorize (awaiting approval). */
export function openRound(c: Change, revision: number, round: number): Decision {
  if (revision !== c.revision || !['assess', 'authorize'].includes(c.state)) return decision(c);
  const changes: FieldChange[] = [{ field: 'approvalRound', from: c.approvalRound, to: round }];
  if (c.state === 'assess') changes.push({ field: 'state', from: 'assess', to: 'authorize' });
  return decision({ ...c, state: 'authorize', approvalRound: round, approvalStatus: 'waiting' }, changes);
}

export interface ApprovalDecisionInput {
  outcome: 'approved' | 'rejected';
  revision: number;
  round?: number;
  reason?: string;
}

/**
 * The approval workflow decided a revision. Only a decision on the current
 * revision counts: an approval of an earlier revision never lets the RfC
 * proceed (it stays in the history of its round).
 */
export function applyDecision(c: Change, d: ApprovalDecisionInput): Decision {
  if (d.revision !== c.revision || !['assess', 'authorize'].includes(c.state)) return decision(c);
  if (d.outcome === 'approved') {
    const next: Change = { ...c, state: 'authorize', approvalStatus: 'approved', approvedRevision: d.revision };
    const changes: FieldChange[] = [
      { field: 'approvalStatus', from: c.approvalStatus, to: 'approved' },
      { field: 'approvedRevision', from: c.approvedRevision, to: d.revision },
    ];
    if (c.state !== 'authorize') changes.push({ field: 'state', from: c.state, to: 'authorize' });
    return decision(next, changes, [{ kind: 'approved', round: d.round }]);
  }
  assertTransition(c.number, c.state, 'rejected');
  const reason = d.reason ?? 'votes';
  return decision(
    { ...c, state: 'rejected', approvalStatus: 'rejected', rejectionReason: reason },
    [
      { field: 'state', from: c.state, to: 'rejected' },
      { field: 'approvalStatus', from: c.approvalStatus, to: 'rejected' },
    ],
    [{ kind: 'rejected', round: d.round, reason }],
  );
}

/** True when the current revision is approved (the only way to Scheduled and Implement). */
export function isApproved(c: Change): boolean {
  return c.approvalStatus === 'approved' && c.approvedRevision === c.revision;
}

function assertApproved(c: Change, to: State): void {
  if (!isApproved(c)) {
    throw new ConflictError(
      `Change ${c.number} cannot move to ${to}: revision ${c.revision} is not approved (approval ${c.approvalStatus})`,
      'NOT_APPROVED',
      { from: c.state, to, revision: c.revision, approvalStatus: c.approvalStatus, approvedRevision: c.approvedRevision },
    );
  }
}

/**
 * authorize → scheduled: needs the approval of the current revision and a
 * planned window. A normal or standard change with conflicts is refused (409
 * listing them); an emergency change is scheduled with them, flagged.
 */
export function schedule(c: Change, conflicts: Conflict[]): Decision {
  assertTransition(c.number, c.state, 'scheduled');
  assertApproved(c, 'scheduled');
  if (!c.plannedStart || !c.plannedEnd) {
    throw new ValidationError(`Change ${c.number} needs a planned window to be scheduled`, [
      ...(!c.plannedStart ? [{ field: 'plannedStart', message: 'is required to schedule' }] : []),
      ...(!c.plannedEnd ? [{ field: 'plannedEnd', message: 'is required to schedule' }] : []),
    ]);
  }
  if (conflicts.length > 0 && c.type !== 'emergency') {
    throw new AppError(409, 'SCHEDULE_CONFLICT', `Change ${c.number} conflicts: ${conflicts.map(describeConflict).join('; ')}`, { conflicts });
  }
  const next: Change = { ...c, state: 'scheduled', scheduledConflicts: conflicts };
  const changes: FieldChange[] = [{ field: 'state', from: c.state, to: 'scheduled' }];
  if (conflicts.length) changes.push({ field: 'scheduledConflicts', from: [], to: conflicts });
  return decision(next, changes, [{ kind: 'scheduled', conflicts }]);
}

/** scheduled → implement (needs the approval of the current revision). */
export function startImplementation(c: Change, now: Date): Decision {
  assertTransition(c.number, c.state, 'implement');
  assertApproved(c, 'implement');
  return decision(
    { ...c, state: 'implement', actualStart: now },
    [
      { field: 'state', from: c.state, to: 'implement' },
      { field: 'actualStart', from: c.actualStart, to: now },
    ],
    [{ kind: 'implementationStarted' }],
  );
}

export const SUCCESSFUL: readonly Outcome[] = ['successful', 'successful_with_issues'];

/** implement → review with the implementation outcome. */
export function complete(c: Change, outcome: Outcome, notes: string | null, now: Date): Decision {
  assertTransition(c.number, c.state, 'review');
  return decision(
    { ...c, state: 'review', outcome, outcomeNotes: notes, actualEnd: now },
    [
      { field: 'state', from: c.state, to: 'review' },
      { field: 'outcome', from: c.outcome, to: outcome },
      { field: 'actualEnd', from: c.actualEnd, to: now },
    ],
    [SUCCESSFUL.includes(outcome) ? { kind: 'implemented', outcome } : { kind: 'failed', outcome }],
  );
}

/** review → closed with the post-implementation review. */
export function close(c: Change, pir: string | undefined, now: Date): Decision {
  assertTransition(c.number, c.state, 'closed');
  const review = pir ?? c.pir;
  if (!review) throw new ValidationError(`Change ${c.number} needs a post-implementation review to close`, [{ field: 'pir', message: 'is required to close' }]);
  return decision(
    { ...c, state: 'closed', pir: review, closedAt: now },
    [{ field: 'state', from: c.state, to: 'closed' }, ...(review !== c.pir ? [{ field: 'pir', from: c.pir, to: review }] : [])],
    [{ kind: 'closed' }],
  );
}

export function cancel(c: Change, reason: string | undefined, now: Date): Decision {
  assertTransition(c.number, c.state, 'cancelled');
  return decision(
    { ...c, state: 'cancelled', cancelReason: reason ?? null, closedAt: now },
    [{ field: 'state', from: c.state, to: 'cancelled' }],
    [{ kind: 'cancelled', reason }],
  );
}

/**
 * A state asked for through PATCH or the bulk endpoint: the same rules as the
 * action endpoints. Targets the approval workflow owns are refused with 409.
 */
export function assertApiTarget(c: Change, to: State): void {
  if (WORKFLOW_TARGETS.includes(to)) {
    throw new InvalidTransitionError(`Change ${c.number}`, c.state, to, { number: c.number, reason: `${to} is set by the approval workflow` });
  }
}

/**
 * A release deployed or failed with this change: scheduled → implement →
 * review with the outcome; a rollback after a failure turns failed into
 * backed out. Null when the change is in no state to take it.
 */
export function implementByRelease(c: Change, outcome: Outcome, now: Date): Decision | null {
  if (c.state === 'review' && c.outcome === 'failed' && outcome === 'backed_out') {
    // the failed deployment was rolled back afterwards
    return decision({ ...c, outcome }, [{ field: 'outcome', from: c.outcome, to: outcome }], [{ kind: 'failed', outcome }]);
  }
  if (c.state !== 'scheduled' && c.state !== 'implement') return null;
  const started = c.state === 'scheduled' ? startImplementation(c, now) : decision(c);
  const done = complete(started.next, outcome, null, now);
  return decision(done.next, [...started.changes, ...done.changes], [...started.events, ...done.events]);
}

export function unique(values: string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) === i);
}
