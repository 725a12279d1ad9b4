export { createReleaseService, releaseService } from './service-definition';
export { loadReleaseConfig, releaseConfigSchema } from './config';
export type { ReleaseConfig } from './config';
export { TRANSITIONS, assertTransition, canTransition, EDITABLE_STATES, FINAL_STATES } from './domain/lifecycle';
export { isEligible, resolveChanges } from './domain/changes';
export { RELEASE_TYPES, STATES, STAGE_STATUSES } from './domain/types';
export type { Release, State, Stage, ChangeCopy, ChangeRef } from './domain/types';
export { migrations } from './migrations';
