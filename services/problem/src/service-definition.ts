import type { ServiceDefinition } from '@itsm/runtime';
import { loadProblemConfig, type ProblemConfig } from './config';
import { changeConsumer } from './consumers/change-implemented.handler';
import { incidentConsumer } from './consumers/incident-events.handler';
import { migrations } from './migrations';
import { knownErrorRoutes } from './routes/known-error.routes';
import { problemRoutes } from './routes/problem.routes';
import { recordRoutes } from './routes/record.routes';
import { createServices, type Services } from './service/services';

/**
 * The Problem service. `overrides` replace settings from the environment
 * (PROBLEM_DETECTION_THRESHOLD, PROBLEM_DETECTION_WINDOW_HOURS,
 * PROBLEM_DETECTION_ENABLED, PROBLEM_PRIORITY_MATRIX); tests use them.
 */
export function createProblemService(overrides: Partial<ProblemConfig> = {}): ServiceDefinition<Services> {
  return {
    name: 'problem',
    defaultPort: 3002,
    migrations,
    init(ctx) {
      const config = { ...loadProblemConfig(process.env), ...overrides };
      return createServices({ knex: ctx.knex, source: ctx.source, clock: ctx.clock, logger: ctx.logger, matrix: config.matrix, detection: config.detection });
    },
    routes(api, s) {
      recordRoutes(api, s);
      problemRoutes(api, s);
      knownErrorRoutes(api, s);
    },
    consumers: (s) => [incidentConsumer(s), changeConsumer(s)],
  };
}

export const problemService = createProblemService();
