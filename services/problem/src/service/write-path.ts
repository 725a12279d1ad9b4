import type { Clock, Logger } from '@itsm/core';
import type { Knex } from '@itsm/db';
import { appendOutbox, problemEvents, type NewEvent } from '@itsm/events';
import type { DetectionSettings } from '../domain/detection';
import { isOpen } from '../domain/lifecycle';
import type { PriorityMatrix } from '../domain/priority';
import type { Actor, Decision, DomainEvent, Problem } from '../domain/types';
import { recordHistory } from '../repository/audit.repository';
import { releaseClusters } from '../repository/detection.repository';
import { linkedIncidents } from '../repository/link.repository';
import { insertProblem, updateProblem } from '../repository/problem.repository';

/** What the use cases need. */
export interface ServiceDeps {
  knex: Knex;
  /** CloudEvents source of this service's events */
  source: string;
  clock: Clock;
  logger: Logger;
  matrix: PriorityMatrix;
  detection: DetectionSettings & { enabled: boolean };
}

/** The problem as other services see it in events. */
export function snapshot(p: Problem) {
  return {
    id: p.id,
    number: p.number,
    title: p.title,
    state: p.state,
    knownError: p.knownError,
    priority: p.priority,
    category: p.category,
    ciIds: p.ciIds,
    workaround: p.workaround,
    fixChangeId: p.fixChangeId,
    updatedAt: p.updatedAt.toISOString(),
    impact: p.impact,
    urgency: p.urgency,
    symptom: p.symptom,
    rootCause: p.rootCause,
    fixChangeNumber: p.fixChangeNumber,
  };
}

export const by = (a: Actor) => ({ id: a.id, ...(a.name ? { name: a.name } : {}) });

export interface EventContext {
  actor: Actor;
  occurredAt?: Date;
  correlationId?: string;
  causationId?: string;
}

/** Turns a decision's domain events (and its field changes) into outbox events, in order. */
export async function toOutbox(trx: Knex.Transaction, deps: ServiceDeps, d: Decision, ec: EventContext): Promise<void> {
  const p = d.next;
  const base = { problem: snapshot(p), by: by(ec.actor) };
  const common = { subject: p.number, version: p.version, occurredAt: ec.occurredAt, correlationId: ec.correlationId, causationId: ec.causationId };
  const out: NewEvent[] = [];
  const fieldChanges = d.changes.filter((c) => c.field !== 'state');
  const created = d.events.some((e) => e.kind === 'created');
  if (fieldChanges.length && !created) {
    out.push({ ...common, event: problemEvents.updated, data: { ...base, changes: fieldChanges } });
  }
  let open: Awaited<ReturnType<typeof linkedIncidents>> | undefined;
  const openIncidents = async () => (open ??= await linkedIncidents(trx, p.id, true));
  for (const e of d.events) out.push(await eventOf(e, base, common, openIncidents));
  await appendOutbox(trx, deps.source, out);
}

type Base = { problem: ReturnType<typeof snapshot>; by: ReturnType<typeof by> };
type Common = Omit<NewEvent, 'event' | 'data'>;

async function eventOf(e: DomainEvent, base: Base, common: Common, openIncidents: () => Promise<Array<{ id: string; number: string }>>): Promise<NewEvent> {
  switch (e.kind) {
    case 'created':
      return {
        ...common,
        event: problemEvents.created,
        data: {
          ...base,
          candidate: e.candidate,
          ...(e.incidents ? { incidentIds: e.incidents.map((i) => i.id), incidentNumbers: e.incidents.map((i) => i.number) } : {}),
        },
      };
    case 'stateChanged':
      return { ...common, event: problemEvents.stateChanged, data: { ...base, from: e.from, to: e.to } };
    case 'knownErrorRecorded':
      return { ...common, event: problemEvents.knownErrorRecorded, data: base };
    case 'workaroundPublished': {
      const inc = await openIncidents();
      return {
        ...common,
        event: problemEvents.workaroundPublished,
        data: { ...base, workaround: e.workaround, incidentIds: inc.map((i) => i.id), incidentNumbers: inc.map((i) => i.number) },
      };
    }
    case 'fixRequested':
      return {
        ...common,
        event: problemEvents.fixRequested,
        data: {
          ...base,
          request: { ...e.request, problemId: base.problem.id, problemNumber: base.problem.number, rootCause: base.problem.rootCause, workaround: base.problem.workaround },
        },
      };
    case 'resolved': {
      const inc = await openIncidents();
      return {
        ...common,
        event: problemEvents.resolved,
        data: { ...base, resolution: e.resolution, incidentIds: inc.map((i) => i.id), incidentNumbers: inc.map((i) => i.number) },
      };
    }
    case 'closed':
      return { ...common, event: problemEvents.closed, data: base };
    case 'cancelled':
      return { ...common, event: problemEvents.cancelled, data: { ...base, ...(e.reason ? { reason: e.reason } : {}) } };
  }
}

/**
 * Writes a decision on an existing problem read under lock: the next version,
 * the history rows, the detection cluster release when it stops being open,
 * and the events. A decision without changes or events writes nothing.
 */
export async function commitDecision(trx: Knex.Transaction, deps: ServiceDeps, before: Problem, d: Decision, action: string, ec: EventContext): Promise<Problem> {
  if (d.changes.length === 0 && d.events.length === 0) return before;
  const now = deps.clock.now();
  const next: Problem = { ...d.next, version: before.version + 1, updatedAt: now };
  await updateProblem(trx, next);
  await recordHistory(trx, next, ec.actor, now, action, d.changes);
  if (isOpen(before.state) && !isOpen(next.state)) await releaseClusters(trx, next.id);
  await toOutbox(trx, deps, { ...d, next }, ec);
  return next;
}

/** Inserts a new problem with its history row and events. */
export async function commitNew(trx: Knex.Transaction, deps: ServiceDeps, d: Decision, ec: EventContext, extra: NewEvent[] = []): Promise<Problem> {
  await insertProblem(trx, d.next);
  await recordHistory(trx, d.next, ec.actor, d.next.openedAt, 'created', []);
  await toOutbox(trx, deps, d, ec);
  if (extra.length) await appendOutbox(trx, deps.source, extra);
  return d.next;
}
