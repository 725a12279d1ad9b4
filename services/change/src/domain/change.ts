import { ConflictError, InvalidTransitionError, ValidationError, type FieldIssue } from '@itsm/core';
import { decision, same } from './decision';
import { assertTransition, REVISABLE_STATES, WORKFLOW_TARGETS } from './lifecycle';
import {
  MATERIAL_FIELDS,
  PLAIN_FIELDS,
  type Actor,
  type Change,
  type ChangeType,
  type Decision,
  type EditableField,
  type FieldChange,
  type Level,
  type State,
} from './types';

export { applyDecision, isApproved, openRound, recordRisk } from './approval';
export type { ApprovalDecisionInput } from './approval';
export { close, complete, implementByRelease, schedule, startImplementation, SUCCESSFUL } from './implementation';

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

/**
 * new → assess: the RfC goes to risk assessment and approval (the workflow
 * starts from the event). Submitting a rejected, awaiting or scheduled RfC
 * again requests a new approval: a new revision and a new round, which
 * supersedes the earlier decision.
 */
export function submit(c: Change, now: Date): Decision {
  if (c.state === 'rejected' || c.state === 'authorize' || c.state === 'scheduled') return revise({ ...c }, c, [], []);
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

export function unique(values: string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) === i);
}
