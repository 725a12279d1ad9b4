import type { Clock, Logger } from '@itsm/core';
import type { Knex } from '@itsm/db';
import { appendOutbox, changeEvents, type EventDefinition, type NewEvent } from '@itsm/events';
import type { Client } from '@temporalio/client';
import type { ChangeConfig } from '../config';
import type { Actor, Change, Decision, DomainEvent } from '../domain/types';
import { recordHistory } from '../repository/audit.repository';
import { insertChange, updateChangeRow } from '../repository/change.repository';

/** What the use cases need. */
export interface ServiceDeps {
  knex: Knex;
  /** CloudEvents source of this service's events */
  source: string;
  clock: Clock;
  logger: Logger;
  temporal: Client;
  /** prefixes of the platform instance (workflow ids, task queues) */
  workflowIdPrefix: string;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
  config: ChangeConfig;
}

/** The change as other services see it in events. */
export function snapshot(c: Change) {
  return {
    id: c.id,
    number: c.number,
    title: c.title,
    type: c.type,
    state: c.state,
    revision: c.revision,
    risk: c.risk,
    ciIds: c.ciIds,
    problemIds: c.problemIds,
    incidentIds: c.incidentIds,
    plannedStart: c.plannedStart?.toISOString() ?? null,
    plannedEnd: c.plannedEnd?.toISOString() ?? null,
    approvalStatus: c.approvalStatus,
    approvedRevision: c.approvedRevision,
    outcome: c.outcome,
    requestedBy: c.requestedBy,
    actualStart: c.actualStart?.toISOString() ?? null,
    actualEnd: c.actualEnd?.toISOString() ?? null,
    scheduledWithConflicts: c.scheduledConflicts.length > 0,
  };
}

export const by = (a: Actor) => ({ id: a.id, ...(a.name ? { name: a.name } : {}) });

export interface EventContext {
  actor: Actor;
  correlationId?: string;
  causationId?: string;
}

export type Base = { change: ReturnType<typeof snapshot>; by: ReturnType<typeof by> };

/** Common envelope fields and the event base of a change. */
export function eventBase(c: Change, ec: EventContext): { common: Omit<NewEvent, 'event' | 'data'>; base: Base } {
  return {
    common: { subject: c.number, version: c.version, correlationId: ec.correlationId, causationId: ec.causationId },
    base: { change: snapshot(c), by: by(ec.actor) },
  };
}

function eventOf(e: DomainEvent, base: Base): { event: EventDefinition; data: unknown } {
  switch (e.kind) {
    case 'created':
      return { event: changeEvents.created, data: base };
    case 'submitted':
      return { event: changeEvents.submitted, data: base };
    case 'revised':
      return { event: changeEvents.revised, data: { ...base, fromRevision: e.fromRevision, fields: e.fields } };
    case 'scheduled':
      return { event: changeEvents.scheduled, data: base };
    case 'implementationStarted':
      return { event: changeEvents.implementationStarted, data: base };
    case 'implemented':
      return { event: changeEvents.implemented, data: { ...base, outcome: e.outcome } };
    case 'failed':
      return { event: changeEvents.failed, data: { ...base, outcome: e.outcome } };
    case 'closed':
      return { event: changeEvents.closed, data: base };
    case 'cancelled':
      return { event: changeEvents.cancelled, data: base };
    case 'approved':
      return { event: changeEvents.approved, data: base };
    case 'rejected':
      return { event: changeEvents.rejected, data: { ...base, ...(e.reason ? { reason: e.reason } : {}) } };
  }
}

/** Turns a decision's field changes and domain events into outbox events, in order. */
export async function toOutbox(trx: Knex.Transaction, deps: ServiceDeps, d: Decision, action: string, ec: EventContext): Promise<void> {
  const { common, base } = eventBase(d.next, ec);
  const out: NewEvent[] = [];
  const fieldChanges = d.changes.filter((c) => c.field !== 'state');
  if (action === 'updated' && fieldChanges.length) out.push({ ...common, event: changeEvents.updated, data: { ...base, changes: fieldChanges } });
  for (const e of d.events) out.push({ ...common, ...eventOf(e, base) } as NewEvent);
  await appendOutbox(trx, deps.source, out);
}

/**
 * Writes a decision on a change read under lock: the next version, the
 * history rows and the events. A decision without changes or events writes nothing.
 */
export async function commitDecision(trx: Knex.Transaction, deps: ServiceDeps, before: Change, d: Decision, action: string, ec: EventContext): Promise<Change> {
  if (d.changes.length === 0 && d.events.length === 0) return before;
  const now = deps.clock.now();
  const next: Change = { ...d.next, version: before.version + 1, updatedAt: now };
  await updateChangeRow(trx, next);
  await recordHistory(trx, next, ec.actor, now, action, d.changes);
  await toOutbox(trx, deps, { ...d, next }, action, ec);
  return next;
}

/** Inserts a new change with its history row and events. */
export async function commitNew(trx: Knex.Transaction, deps: ServiceDeps, d: Decision, ec: EventContext): Promise<Change> {
  await insertChange(trx, d.next);
  await recordHistory(trx, d.next, ec.actor, d.next.createdAt, 'created', []);
  await toOutbox(trx, deps, d, 'created', ec);
  return d.next;
}
