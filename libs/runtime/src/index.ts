export { loadRuntimeConfig, runtimeConfigSchema, ROLES_OF_A_PROCESS } from './config';
export type { ProcessRole, RuntimeConfig } from './config';
export { main, startService, workflowDeps } from './service';
export type { ConsumerDefinition, Instance, RunningService, ServiceContext, ServiceDefinition, StartOptions, WorkerDefinition } from './service';
export { newInstance, startTestService } from './testing';
export type { TestServiceOptions } from './testing';
