import type { EventDefinition } from './define';
import { changeEvents } from './change';
import { incidentEvents } from './incident';
import { problemEvents } from './problem';
import { releaseEvents } from './release';
import { slaEvents } from './sla';

export { changeEvents, incidentEvents, problemEvents, releaseEvents, slaEvents };
export { incidentSnapshot } from './incident';
export type { IncidentSnapshot } from './incident';
export { fixRequestDraft, problemSnapshot } from './problem';
export { changeSnapshot } from './change';
export { releaseSnapshot } from './release';
export { defineEvent } from './define';
export type { EventData, EventDefinition } from './define';

/** Every known event type → its definition. Producers and consumers both validate against it. */
export const EVENT_CATALOGUE: ReadonlyMap<string, EventDefinition> = new Map(
  [incidentEvents, problemEvents, changeEvents, releaseEvents, slaEvents]
    .flatMap((group) => Object.values(group) as EventDefinition[])
    .map((d) => [d.type, d]),
);
