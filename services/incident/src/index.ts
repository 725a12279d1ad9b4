export { createIncidentService, incidentService, incidentServiceOf } from './definition';
export { incidentMigrations } from './migrations';
export { IncidentService } from './service/incident.service';
export { TRANSITIONS, assertTransition, canTransition, isActive } from './domain/lifecycle';
export { DEFAULT_MATRIX, decidePriority, matrixPriority } from './domain/priority';
export type { PriorityMatrix } from './domain/priority';
export { DEFAULT_SETTINGS } from './domain/settings';
export type { LifecycleSettings } from './domain/settings';
export type { Incident, State } from './domain/types';
