/**
 * The SLA clock workflow's activities: each writes the clock's history row
 * under the fact's unique key and its event in the outbox, in one
 * transaction; a retry or a replay finds the key and records nothing twice.
 */
import { ApplicationFailure } from '@temporalio/common';
import { withTransaction, type Knex } from '@itsm/db';
import { appendOutbox, slaEvents, type NewEvent } from '@itsm/events';
import type { ClockFactRecord, SlaClockActivities } from '@itsm/wf-sla-clock';
import * as repo from '../repository/clock.repository';
import type { SlaDeps } from './clock.service';

function ref(r: ClockFactRecord) {
  return {
    clockId: r.clockId,
    ticketType: r.ticket.ticketType,
    ticketId: r.ticket.ticketId,
    ticketNumber: r.ticket.ticketNumber,
    definitionId: r.definitionId,
    definitionName: r.definitionName,
    target: r.target,
    kind: r.kind,
    assignmentGroup: r.group,
    dueAt: r.dueAt,
    historical: r.historical,
    factKey: r.factKey,
    ...(r.priority ? { priority: Number(r.priority) } : {}),
  };
}

async function record(
  knex: Knex,
  source: string,
  r: ClockFactRecord,
  kind: 'warning' | 'breached' | 'met',
  details: Record<string, unknown>,
  event: NewEvent,
  update?: (c: repo.ClockRecord) => repo.ClockRecord,
): Promise<boolean> {
  return withTransaction(knex, async (trx) => {
    const clock = await repo.findClock(trx, r.clockId, true);
    if (!clock) throw ApplicationFailure.nonRetryable(`Unknown SLA clock ${r.clockId}`, 'CLOCK_NOT_FOUND');
    const fresh = await repo.insertHistory(trx, {
      clockId: r.clockId,
      at: new Date(r.at),
      kind,
      factKey: r.factKey,
      historical: r.historical,
      details: { ...details, dueAt: r.dueAt, elapsedMs: r.elapsedMs, priority: r.priority },
    });
    if (!fresh) return false;
    if (update) await repo.updateClock(trx, { ...update(clock), version: clock.version + 1, updatedAt: new Date() });
    await appendOutbox(trx, source, [event]);
    return true;
  });
}

export function createActivities(deps: Pick<SlaDeps, 'knex' | 'source'>): SlaClockActivities {
  const { knex, source } = deps;
  return {
    async recordWarning(r) {
      return record(knex, source, r, 'warning', { threshold: r.threshold }, {
        event: slaEvents.warning,
        subject: r.ticket.ticketNumber,
        occurredAt: r.at,
        data: { ...ref(r), threshold: r.threshold, reachedAt: r.at },
      });
    },
    async recordBreach(r) {
      return record(
        knex,
        source,
        r,
        'breached',
        { action: r.action },
        { event: slaEvents.breached, subject: r.ticket.ticketNumber, occurredAt: r.at, data: { ...ref(r), breachedAt: r.at, action: r.action } },
        (c) => ({ ...c, status: 'breached', breachedAt: new Date(r.at) }),
      );
    },
    async recordMet(r) {
      return record(knex, source, r, 'met', {}, {
        event: slaEvents.met,
        subject: r.ticket.ticketNumber,
        occurredAt: r.at,
        data: { ...ref(r), stoppedAt: r.at, elapsedMs: r.elapsedMs },
      });
    },
    async recordProgress(p) {
      await withTransaction(knex, async (trx) => {
        const clock = await repo.findClock(trx, p.clockId, true);
        if (!clock) return;
        await repo.updateClock(trx, {
          ...clock,
          status: p.status,
          dueAt: p.dueAt ? new Date(p.dueAt) : null,
          priority: p.priority ? Number(p.priority) : clock.priority,
          elapsedMs: p.elapsedMs,
          pausedMs: p.pausedMs,
          breachedAt: p.breachedAt ? new Date(p.breachedAt) : clock.breachedAt,
          stoppedAt: p.stoppedAt ? new Date(p.stoppedAt) : null,
          version: clock.version + 1,
          updatedAt: new Date(),
        });
      });
    },
  };
}
