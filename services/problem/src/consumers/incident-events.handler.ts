import { incidentEvents, on, TOPICS, type Handler } from '@itsm/events';
import type { ConsumerDefinition } from '@itsm/runtime';
import type { Services } from '../service/services';

/**
 * Incident events keep the read copy (number, state, CI, category, symptom,
 * title); new incidents run recurring-incident detection; a link made or
 * cleared on the incident side is mirrored. Each runs in the inbox transaction (one effect per event).
 */
export function incidentConsumer(s: Services): ConsumerDefinition {
  const copy = (detect: boolean): Handler =>
    ((e, trx) => s.intake.onIncidentEvent(trx, e as Parameters<typeof s.intake.onIncidentEvent>[1], detect)) as Handler;
  const refreshOnly = [
    incidentEvents.stateChanged,
    incidentEvents.assigned,
    incidentEvents.priorityChanged,
    incidentEvents.commented,
    incidentEvents.resolved,
    incidentEvents.reopened,
    incidentEvents.closed,
    incidentEvents.cancelled,
    incidentEvents.escalated,
    incidentEvents.majorDeclared,
    incidentEvents.imported,
  ];
  return {
    name: 'incident-events',
    topics: [TOPICS.incident],
    handlers: [
      on(incidentEvents.created, (e, trx) => s.intake.onIncidentEvent(trx, e, true)),
      ...refreshOnly.map((def) => [def.type, copy(false)] as [string, Handler]),
      on(incidentEvents.updated, (e, trx) => s.intake.onIncidentUpdated(trx, e)),
      on(incidentEvents.problemLinked, (e, trx) => s.intake.onIncidentProblemLinked(trx, e)),
    ],
  };
}
