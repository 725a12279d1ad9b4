/** Incident events → the ticket's timeline and its clocks (in the inbox transaction: exactly once). */
import { incidentEvents, on, TOPICS, type Handler } from '@itsm/events';
import type { ConsumerDefinition } from '@itsm/runtime';
import { ingestIncidentEvent, type SlaDeps } from '../service/clock.service';
import { noteIntake } from '../service/intake-first';

export function incidentConsumer(deps: SlaDeps): ConsumerDefinition {
  const handle: Handler = (event, trx) => {
    noteIntake(deps.knex);
    return ingestIncidentEvent(deps, trx, event);
  };
  const e = incidentEvents;
  return {
    name: 'incident',
    topics: [TOPICS.incident],
    handlers: [
      e.created,
      e.updated,
      e.stateChanged,
      e.assigned,
      e.priorityChanged,
      e.commented,
      e.resolved,
      e.reopened,
      e.closed,
      e.cancelled,
      e.imported,
    ].map((def) => on(def, handle)),
  };
}
