import type { Knex } from '@itsm/db';
import { TOPICS, on, slaEvents, type EventData } from '@itsm/events';
import type { ConsumerDefinition } from '@itsm/runtime';
import { isActive } from '../domain/lifecycle';
import { recordSlaNotice } from '../domain/rules';
import { SYSTEM_ACTOR, type SlaNotice } from '../domain/types';
import * as repo from '../repository/incident.repository';
import * as misc from '../repository/misc.repository';
import type { IncidentService } from '../service/incident.service';

type ClockEvent = EventData<typeof slaEvents.warning> | EventData<typeof slaEvents.breached>;

/**
 * SLA warnings and breaches: recorded on the incident, then escalated per the
 * lifecycle settings (by default a breach of the resolution target escalates
 * hierarchically to level 1), each level once, never an inactive incident. A
 * `historical` event (from an import) is recorded and escalates nothing.
 */
async function handle(svc: IncidentService, trx: Knex.Transaction, data: ClockEvent, notice: SlaNotice): Promise<void> {
  if (data.ticketType !== 'incident') return;
  const inc = (await repo.findRefForUpdate(trx, data.ticketId)) ?? (await repo.findRefForUpdate(trx, data.ticketNumber));
  if (!inc) {
    svc.deps.logger.warn({ ticket: data.ticketNumber }, 'SLA event for an unknown incident ignored');
    return;
  }
  const stored = await svc.commit(trx, inc, recordSlaNotice(inc, notice), SYSTEM_ACTOR);
  if (notice.historical || !isActive(stored.state)) return;
  const { lifecycle } = await svc.settings(trx);
  let level: number | undefined;
  if (notice.kind === 'breached' && lifecycle.escalateOnBreach.includes(data.target as 'response' | 'resolution')) level = lifecycle.escalateOnBreachLevel;
  if (notice.kind === 'warning' && lifecycle.escalateOnWarningThreshold !== null && (notice.threshold ?? 0) >= lifecycle.escalateOnWarningThreshold) level = 1;
  if (level === undefined) return;
  const fired = await misc.firedEscalationLevels(trx, stored.id, 'hierarchical');
  if (fired.includes(level) || stored.escalationLevel >= level) return;
  const reason = notice.kind === 'breached' ? `SLA ${data.target} target breached` : `SLA ${data.target} target at ${notice.threshold}%`;
  await svc.escalateLocked(trx, stored, { kind: 'hierarchical', level, reason }, SYSTEM_ACTOR);
}

export function slaConsumer(svc: IncidentService): ConsumerDefinition {
  return {
    name: 'sla',
    topics: [TOPICS.sla],
    handlers: [
      on(slaEvents.warning, (e, trx) =>
        handle(svc, trx, e.data, { kind: 'warning', target: e.data.target, threshold: e.data.threshold, at: e.data.reachedAt, clockId: e.data.clockId, historical: !!e.data.historical }),
      ),
      on(slaEvents.breached, (e, trx) =>
        handle(svc, trx, e.data, { kind: 'breached', target: e.data.target, at: e.data.breachedAt, clockId: e.data.clockId, historical: !!e.data.historical }),
      ),
    ],
  };
}
