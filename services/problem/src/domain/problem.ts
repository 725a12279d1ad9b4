import { ConflictError, ValidationError } from '@itsm/core';
import { assertTransition, canTransition, isOpen } from './lifecycle';
import { matrixPriority, type PriorityMatrix } from './priority';
import type { Actor, Decision, DomainEvent, FieldChange, FixRequest, IncidentRef, Problem, State } from './types';

export interface CreateInput {
  title: string;
  description?: string;
  category?: string | null;
  subcategory?: string | null;
  symptom?: string | null;
  ciIds?: string[];
  impact: number;
  urgency: number;
  assignmentGroup?: string | null;
  owner?: string | null;
  rootCause?: string | null;
  workaround?: string | null;
  candidate?: boolean;
  detectionKey?: string | null;
}

export interface RuleContext {
  actor: Actor;
  now: Date;
  matrix: PriorityMatrix;
}

/** A new problem in state `new`; documenting a root cause or workaround makes it a known error at once. */
export function createProblem(input: CreateInput, ctx: RuleContext & { id: string; number: string }): Decision {
  const p: Problem = {
    id: ctx.id,
    number: ctx.number,
    title: input.title,
    description: input.description ?? '',
    category: input.category ?? null,
    subcategory: input.subcategory ?? null,
    symptom: input.symptom ?? null,
    ciIds: dedupe(input.ciIds ?? []),
    impact: input.impact,
    urgency: input.urgency,
    priority: matrixPriority(ctx.matrix, input.impact, input.urgency),
    assignmentGroup: input.assignmentGroup ?? null,
    owner: input.owner ?? null,
    state: 'new',
    rootCause: null,
    workaround: null,
    knownError: false,
    knownErrorAt: null,
    resolutionCode: null,
    resolutionNotes: null,
    fixChangeId: null,
    fixChangeNumber: null,
    fixRequest: null,
    fixRequestedAt: null,
    candidate: input.candidate ?? false,
    detectionKey: input.detectionKey ?? null,
    source: null,
    sourceNumber: null,
    openedBy: ctx.actor.id,
    openedAt: ctx.now,
    resolvedAt: null,
    closedAt: null,
    updatedAt: ctx.now,
    version: 1,
  };
  const doc = document(p, { rootCause: input.rootCause, workaround: input.workaround }, ctx.now);
  const events: DomainEvent[] = [{ kind: 'created', candidate: p.candidate }, ...doc.events.filter((e) => e.kind === 'knownErrorRecorded')];
  return { next: doc.next, changes: [], events };
}

const dedupe = (xs: string[]): string[] => [...new Set(xs)];

/** Closed and cancelled problems are read-only. */
export function assertEditable(p: Problem): void {
  if (p.state === 'closed' || p.state === 'cancelled') {
    throw new ConflictError(`Problem ${p.number} is ${p.state} and can no longer be changed`, 'PROBLEM_CLOSED', { number: p.number, state: p.state });
  }
}

/**
 * Documents a root cause and/or a workaround. The first documentation makes the
 * problem a known error; a new workaround text is published to the linked incidents.
 */
export function document(p: Problem, input: { rootCause?: string | null; workaround?: string | null }, now: Date): Decision {
  const next = { ...p };
  const changes: FieldChange[] = [];
  const events: DomainEvent[] = [];
  if (input.rootCause !== undefined && input.rootCause !== p.rootCause) {
    next.rootCause = input.rootCause;
    changes.push({ field: 'rootCause', from: p.rootCause, to: input.rootCause });
  }
  if (input.workaround !== undefined && input.workaround !== p.workaround) {
    next.workaround = input.workaround;
    changes.push({ field: 'workaround', from: p.workaround, to: input.workaround });
    if (input.workaround) events.push({ kind: 'workaroundPublished', workaround: input.workaround });
  }
  if (!p.knownError && (next.rootCause || next.workaround)) {
    next.knownError = true;
    next.knownErrorAt = now;
    changes.push({ field: 'knownError', from: false, to: true });
    events.unshift({ kind: 'knownErrorRecorded' });
  }
  return { next, changes, events };
}

export interface TransitionInput {
  resolutionCode?: string;
  resolutionNotes?: string;
  reason?: string;
}

/**
 * Moves the problem to `to` through the transition table, with the guards of
 * each target state: a root cause before fix in progress, a resolution code to
 * resolve, and no open linked incidents to close or cancel.
 */
export function transition(p: Problem, to: State, input: TransitionInput, openIncidents: IncidentRef[], now: Date): Decision {
  assertTransition(p.number, p.state, to);
  const next: Problem = { ...p, state: to };
  const changes: FieldChange[] = [{ field: 'state', from: p.state, to }];
  const events: DomainEvent[] = [{ kind: 'stateChanged', from: p.state, to }];
  const set = <K extends keyof Problem>(field: K, value: Problem[K]) => {
    if (next[field] === value) return;
    changes.push({ field, from: next[field], to: value });
    next[field] = value;
  };
  if (to === 'fix_in_progress' && !p.rootCause) {
    throw new ValidationError(`Problem ${p.number}: document the root cause before the fix is in progress`, [
      { field: 'rootCause', message: 'is required before fix_in_progress' },
    ]);
  }
  if (to === 'resolved') {
    if (!input.resolutionCode) {
      throw new ValidationError(`Problem ${p.number}: resolving needs a resolution code`, [{ field: 'resolutionCode', message: 'is required to resolve' }]);
    }
    set('resolutionCode', input.resolutionCode);
    set('resolutionNotes', input.resolutionNotes ?? null);
    if (isOpen(p.state)) set('resolvedAt', now);
    events.push({ kind: 'resolved', resolution: input.resolutionNotes ?? input.resolutionCode });
  }
  if (p.state === 'resolved' && to === 'root_cause_analysis') {
    set('resolvedAt', null);
    set('resolutionCode', null);
    set('resolutionNotes', null);
  }
  if (to === 'closed' || to === 'cancelled') {
    if (openIncidents.length > 0) {
      const list = openIncidents.map((i) => i.number).join(', ');
      throw new ConflictError(
        `Problem ${p.number} cannot be ${to} while linked incidents are open: ${list}`,
        'OPEN_INCIDENTS_LINKED',
        { number: p.number, incidents: openIncidents.map((i) => ({ id: i.id, number: i.number, state: i.state })) },
      );
    }
    set('closedAt', now);
    events.push(to === 'closed' ? { kind: 'closed' } : { kind: 'cancelled', reason: input.reason });
  }
  return { next, changes, events };
}

export interface UpdateInput {
  title?: string;
  description?: string;
  category?: string | null;
  subcategory?: string | null;
  symptom?: string | null;
  ciIds?: string[];
  impact?: number;
  urgency?: number;
  assignmentGroup?: string | null;
  owner?: string | null;
  rootCause?: string | null;
  workaround?: string | null;
  state?: State;
  resolutionCode?: string;
  resolutionNotes?: string;
  reason?: string;
}

const PLAIN_FIELDS = ['title', 'description', 'category', 'subcategory', 'symptom', 'assignmentGroup', 'owner'] as const;

/** A PATCH: field edits, documentation, priority from the matrix, then the state change (if any). */
export function updateProblem(p: Problem, patch: UpdateInput, ctx: RuleContext & { openIncidents: IncidentRef[] }): Decision {
  assertEditable(p);
  let next: Problem = { ...p };
  const changes: FieldChange[] = [];
  for (const f of PLAIN_FIELDS) {
    const v = patch[f];
    if (v !== undefined && v !== next[f]) {
      changes.push({ field: f, from: next[f], to: v });
      (next as unknown as Record<string, unknown>)[f] = v;
    }
  }
  if (patch.ciIds !== undefined) {
    const ciIds = dedupe(patch.ciIds);
    if (ciIds.join('\u0000') !== p.ciIds.join('\u0000')) {
      changes.push({ field: 'ciIds', from: p.ciIds, to: ciIds });
      next.ciIds = ciIds;
    }
  }
  const impact = patch.impact ?? p.impact;
  const urgency = patch.urgency ?? p.urgency;
  if (impact !== p.impact) changes.push({ field: 'impact', from: p.impact, to: impact });
  if (urgency !== p.urgency) changes.push({ field: 'urgency', from: p.urgency, to: urgency });
  const priority = matrixPriority(ctx.matrix, impact, urgency);
  if (priority !== p.priority) changes.push({ field: 'priority', from: p.priority, to: priority });
  next = { ...next, impact, urgency, priority };

  const doc = document(next, { rootCause: patch.rootCause, workaround: patch.workaround }, ctx.now);
  next = doc.next;
  changes.push(...doc.changes);
  const events: DomainEvent[] = [...doc.events];

  const resolving = patch.state === 'resolved' && p.state !== 'resolved';
  if (!resolving && (patch.resolutionCode !== undefined || patch.resolutionNotes !== undefined)) {
    throw new ValidationError('A resolution is given only when resolving the problem', [
      { field: patch.resolutionCode !== undefined ? 'resolutionCode' : 'resolutionNotes', message: 'only with state resolved' },
    ]);
  }
  if (patch.state !== undefined && patch.state !== p.state) {
    const t = transition(next, patch.state, patch, ctx.openIncidents, ctx.now);
    next = t.next;
    changes.push(...t.changes);
    events.push(...t.events);
  }
  return { next, changes, events };
}

export interface FixRequestInput {
  title?: string;
  description?: string;
  justification: string;
  type?: FixRequest['type'];
  ciIds?: string[];
}

/**
 * Raises the request for change that removes the cause: needs a root cause; moves
 * root cause analysis → fix in progress through the table (a problem already in
 * fix in progress may raise another request, e.g. after a rejected RfC).
 */
export function requestFix(p: Problem, input: FixRequestInput, ctx: { actor: Actor; now: Date }): Decision {
  assertEditable(p);
  let next: Problem = { ...p };
  const changes: FieldChange[] = [];
  const events: DomainEvent[] = [];
  if (p.state !== 'fix_in_progress') {
    const t = transition(p, 'fix_in_progress', {}, [], ctx.now);
    next = t.next;
    changes.push(...t.changes);
    events.push(...t.events);
  }
  const request: FixRequest = {
    title: input.title ?? `Fix for ${p.number}: ${p.title}`.slice(0, 255),
    description: input.description ?? [`Root cause: ${p.rootCause}`, p.workaround ? `Workaround: ${p.workaround}` : ''].filter(Boolean).join('\n\n'),
    justification: input.justification,
    type: input.type ?? 'normal',
    ciIds: dedupe(input.ciIds ?? p.ciIds),
    requestedBy: ctx.actor.id,
  };
  changes.push({ field: 'fixRequest', from: p.fixRequest, to: request });
  next = { ...next, fixRequest: request, fixRequestedAt: ctx.now };
  events.push({ kind: 'fixRequested', request });
  return { next, changes, events };
}

export interface ChangeRef {
  id: string;
  number: string;
}

/**
 * The change that removes the cause was implemented. Records it as the fix and
 * resolves the problem when the table allows it from the current state; a
 * problem that is not in a state to resolve only records the fix (null when
 * there is nothing to do: already resolved by this change, closed or cancelled).
 */
export function resolveByChange(p: Problem, change: ChangeRef, now: Date): (Decision & { resolved: boolean }) | null {
  if (p.state === 'closed' || p.state === 'cancelled') return null;
  if (p.state === 'resolved' && p.fixChangeId === change.id) return null;
  const fix: FieldChange[] = [];
  let next: Problem = { ...p };
  if (p.fixChangeId !== change.id) fix.push({ field: 'fixChangeId', from: p.fixChangeId, to: change.id });
  if (p.fixChangeNumber !== change.number) fix.push({ field: 'fixChangeNumber', from: p.fixChangeNumber, to: change.number });
  next = { ...next, fixChangeId: change.id, fixChangeNumber: change.number };
  if (!canTransition(p.state, 'resolved')) {
    if (p.state === 'resolved' || fix.length === 0) return null;
    return { next, changes: fix, events: [], resolved: false };
  }
  const t = transition(next, 'resolved', { resolutionCode: 'fix_applied', resolutionNotes: `Fixed by change ${change.number}` }, [], now);
  return { next: t.next, changes: [...fix, ...t.changes], events: t.events, resolved: true };
}

/** Incidents may be linked and unlinked until the problem is closed or cancelled. */
export function assertLinkable(p: Problem): void {
  assertEditable(p);
}
