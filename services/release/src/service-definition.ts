import { workflowDeps, type ServiceDefinition } from '@itsm/runtime';
import { TASK_QUEUE, workflowsPath } from '@itsm/wf-release-deployment';
import { loadReleaseConfig, type ReleaseConfig } from './config';
import { changeCopyConsumer } from './consumers/change-events.handler';
import { migrations } from './migrations';
import { deploymentRoutes } from './routes/deployment.routes';
import { releaseRoutes } from './routes/release.routes';
import { createServices, type Services } from './service/services';

/**
 * The Release service. `overrides` replace settings from the environment
 * (RELEASE_PUBLIC_URL, RELEASE_WEBHOOK_TOKEN, RELEASE_HTTP_TIMEOUT_MS); tests use them.
 */
export function createReleaseService(overrides: Partial<ReleaseConfig> = {}): ServiceDefinition<Services> {
  return {
    name: 'release',
    defaultPort: 3004,
    migrations,
    init: (ctx) => createServices({ ...workflowDeps(ctx, TASK_QUEUE), config: { ...loadReleaseConfig(process.env), ...overrides } }),
    routes(api, s) {
      releaseRoutes(api, s);
      deploymentRoutes(api, s);
    },
    consumers: () => [changeCopyConsumer()],
    workers: (s) => [{ taskQueue: TASK_QUEUE, workflowsPath, activities: s.activities }],
  };
}

export const releaseService = createReleaseService();
