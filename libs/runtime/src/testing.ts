import { createLogger } from '@itsm/core';
import { randomUUID } from 'node:crypto';
import { startService, type RunningService, type ServiceDefinition } from './service';

export interface TestServiceOptions {
  /** shared by the services of one test platform (topics, task queues, workflow ids); default: new */
  instance?: string;
  env?: NodeJS.ProcessEnv;
  logLevel?: string;
}

/** A fresh instance prefix for one test platform. */
export const newInstance = (): string => `t${randomUUID().slice(0, 8)}-`;

/**
 * Starts a service for a test against the real servers, isolated from every
 * other test: its own database (dropped on stop), its own topic, task queue
 * and workflow id prefix, an ephemeral port.
 */
export async function startTestService<S>(def: ServiceDefinition<S>, opts: TestServiceOptions = {}): Promise<RunningService> {
  const instance = opts.instance ?? newInstance();
  const db = `itsm_test_${def.name}_${instance.replace(/[^a-z0-9]/g, '')}`;
  return startService(def, {
    env: { ...process.env, PORT: '0', DATABASE_NAME: db, ITSM_INSTANCE: instance, NODE_ENV: 'test', ...opts.env },
    logger: createLogger(`${def.name}-service`, opts.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent'),
    dropDatabaseOnStop: true,
  });
}
