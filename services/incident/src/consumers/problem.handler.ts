import { newId } from '@itsm/core';
import type { Knex } from '@itsm/db';
import { TOPICS, changeEvents, on, problemEvents, type EventData } from '@itsm/events';
import type { ConsumerDefinition } from '@itsm/runtime';
import { applyUpdate } from '../domain/incident';
import { addComment, linkProblem } from '../domain/rules';
import { SYSTEM_ACTOR, type Incident } from '../domain/types';
import * as repo from '../repository/incident.repository';
import * as misc from '../repository/misc.repository';
import type { IncidentService } from '../service/incident.service';

async function incidentsOf(trx: Knex.Transaction, refs: string[], problem?: { id: string; number: string }): Promise<Incident[]> {
  const byId = new Map<string, Incident>();
  for (const ref of [...new Set(refs)].sort()) {
    const inc = await repo.findRefForUpdate(trx, ref);
    if (inc) byId.set(inc.id, inc);
  }
  if (problem) for (const inc of await repo.linkedToProblemForUpdate(trx, [problem.id, problem.number])) byId.set(inc.id, inc);
  return [...byId.values()];
}

/** A work note written by the service itself, in the consumer's transaction. */
export async function systemNote(svc: IncidentService, trx: Knex.Transaction, inc: Incident, body: string): Promise<Incident> {
  const id = newId();
  const now = svc.now();
  await misc.insertComment(trx, { id, incidentId: inc.id, visibility: 'internal', body, authorId: SYSTEM_ACTOR.id, authorName: SYSTEM_ACTOR.name ?? null, createdAt: now });
  return svc.commit(trx, inc, addComment(inc, { id, visibility: 'internal' }, SYSTEM_ACTOR, now), SYSTEM_ACTOR);
}

type ProblemRef = EventData<typeof problemEvents.created>['problem'];

async function linked(svc: IncidentService, trx: Knex.Transaction, problem: ProblemRef, incidentId: string): Promise<void> {
  const [inc] = await incidentsOf(trx, [incidentId]);
  if (!inc) return;
  const { lifecycle, matrix } = await svc.settings(trx);
  const ctx = { actor: SYSTEM_ACTOR, now: svc.now(), matrix };
  await svc.commit(trx, inc, linkProblem(inc, problem.number, lifecycle.holdOnProblemLink, ctx), SYSTEM_ACTOR, ctx);
}

/** Unlinked on the problem side: the incident forgets the problem, and stops waiting on it (back to In Progress, with a note). */
async function unlinked(svc: IncidentService, trx: Knex.Transaction, problem: ProblemRef, incidentId: string): Promise<void> {
  const [inc] = await incidentsOf(trx, [incidentId]);
  if (!inc || (inc.problemId !== problem.number && inc.problemId !== problem.id)) return;
  const { matrix } = await svc.settings(trx);
  const ctx = { actor: SYSTEM_ACTOR, now: svc.now(), matrix };
  let cur = await systemNote(svc, trx, inc, `Unlinked from problem ${problem.number}`);
  const waiting = cur.state === 'on_hold' && cur.holdReason === 'awaiting_problem';
  cur = await svc.commit(trx, cur, applyUpdate(cur, waiting ? { problemId: null, state: 'in_progress' } : { problemId: null }, ctx), SYSTEM_ACTOR, ctx);
}

async function workaround(svc: IncidentService, trx: Knex.Transaction, problem: ProblemRef, text: string, ids: string[]): Promise<void> {
  for (const inc of await incidentsOf(trx, ids, problem)) {
    if (inc.state === 'closed' || inc.state === 'cancelled') continue;
    await systemNote(svc, trx, inc, `Workaround published on ${problem.number}: ${text}`);
  }
}

/** Resolves the incidents on hold awaiting this problem; closed (or otherwise inactive) ones are never touched. */
async function resolved(svc: IncidentService, trx: Knex.Transaction, problem: ProblemRef, ids: string[], resolution?: string): Promise<void> {
  const { matrix } = await svc.settings(trx);
  const ctx = { actor: SYSTEM_ACTOR, now: svc.now(), matrix };
  for (const inc of await incidentsOf(trx, ids, problem)) {
    if (inc.state !== 'on_hold' || inc.holdReason !== 'awaiting_problem') continue;
    if (inc.problemId !== problem.number && inc.problemId !== problem.id) continue;
    const d = applyUpdate(inc, { state: 'resolved', resolutionCode: 'solved_by_problem', resolutionNotes: resolution ?? `Resolved by problem ${problem.number}` }, ctx);
    await svc.commit(trx, inc, d, SYSTEM_ACTOR, ctx);
  }
}

export function problemConsumer(svc: IncidentService): ConsumerDefinition {
  return {
    name: 'problem',
    topics: [TOPICS.problem],
    handlers: [
      on(problemEvents.incidentLinked, (e, trx) => linked(svc, trx, e.data.problem, e.data.incidentId)),
      on(problemEvents.incidentUnlinked, (e, trx) => unlinked(svc, trx, e.data.problem, e.data.incidentId)),
      on(problemEvents.workaroundPublished, (e, trx) => workaround(svc, trx, e.data.problem, e.data.workaround, e.data.incidentIds)),
      on(problemEvents.resolved, (e, trx) => resolved(svc, trx, e.data.problem, e.data.incidentIds, e.data.resolution)),
    ],
  };
}

type ChangeRef = EventData<typeof changeEvents.submitted>['change'];

/** Links incidents on hold awaiting a change to the change that lists them. */
async function changeLinked(svc: IncidentService, trx: Knex.Transaction, change: ChangeRef): Promise<void> {
  const { matrix } = await svc.settings(trx);
  const ctx = { actor: SYSTEM_ACTOR, now: svc.now(), matrix };
  for (const inc of await incidentsOf(trx, change.incidentIds ?? [])) {
    if (inc.state !== 'on_hold' || inc.holdReason !== 'awaiting_change' || inc.awaitingChange) continue;
    await svc.commit(trx, inc, applyUpdate(inc, { awaitingChange: change.number }, ctx), SYSTEM_ACTOR, ctx);
  }
}

/** A change implemented: incidents waiting on it resume (back to In Progress) with a note; a failed change leaves a note. */
async function changeOutcome(svc: IncidentService, trx: Knex.Transaction, change: ChangeRef, ok: boolean, outcome: string): Promise<void> {
  const { matrix } = await svc.settings(trx);
  const ctx = { actor: SYSTEM_ACTOR, now: svc.now(), matrix };
  for (const inc of await incidentsOf(trx, change.incidentIds ?? [])) {
    const waiting = inc.state === 'on_hold' && inc.holdReason === 'awaiting_change' && (inc.awaitingChange === change.number || inc.awaitingChange === null);
    if (!waiting) continue;
    let cur = await systemNote(svc, trx, inc, `Change ${change.number} ${ok ? 'implemented' : 'failed'}: ${outcome}`);
    if (ok) cur = await svc.commit(trx, cur, applyUpdate(cur, { state: 'in_progress' }, ctx), SYSTEM_ACTOR, ctx);
  }
}

export function changeConsumer(svc: IncidentService): ConsumerDefinition {
  return {
    name: 'change',
    topics: [TOPICS.change],
    handlers: [
      on(changeEvents.submitted, (e, trx) => changeLinked(svc, trx, e.data.change)),
      on(changeEvents.scheduled, (e, trx) => changeLinked(svc, trx, e.data.change)),
      on(changeEvents.implemented, (e, trx) => changeOutcome(svc, trx, e.data.change, true, e.data.outcome)),
      on(changeEvents.failed, (e, trx) => changeOutcome(svc, trx, e.data.change, false, e.data.outcome)),
    ],
  };
}
