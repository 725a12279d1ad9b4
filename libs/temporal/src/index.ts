export {
  createNativeConnection,
  ensureSearchAttributes,
  searchAttributeDefinitions,
  workflowUiUrl,
} from './connection';
export type { TemporalOptions } from './connection';
export { createWorker, installTemporalLogger, workflowBundle } from './worker';
export type { WorkerFactoryOptions } from './worker';
export { SA } from './search-attributes';
