import { workflowDeps, type ServiceDefinition } from '@itsm/runtime';
import { TASK_QUEUE, workflowsPath } from '@itsm/wf-rfc-approval';
import { loadChangeConfig, type ChangeConfig } from './config';
import { approvalConsumer } from './consumers/approval.handler';
import { problemConsumer } from './consumers/problem-fix.handler';
import { releaseConsumer } from './consumers/release.handler';
import { migrations } from './migrations';
import { actionRoutes } from './routes/actions.routes';
import { adminRoutes } from './routes/admin.routes';
import { changeRoutes } from './routes/change.routes';
import { createServices, type Services } from './service/services';

/**
 * The Change service. `overrides` replace settings from the environment
 * (CHANGE_VOTING_PERIOD, CHANGE_EMERGENCY_VOTING_PERIOD, CHANGE_REMINDER_INTERVAL,
 * CHANGE_EMERGENCY_REMINDER_INTERVAL, CHANGE_ON_DEADLINE, CHANGE_VOTE_TIMEOUT_MS,
 * CHANGE_AUTO_SCHEDULE); tests use them.
 */
export function createChangeService(overrides: Partial<ChangeConfig> = {}): ServiceDefinition<Services> {
  return {
    name: 'change',
    defaultPort: 3003,
    migrations,
    init: (ctx) => createServices({ ...workflowDeps(ctx, TASK_QUEUE), config: { ...loadChangeConfig(process.env), ...overrides } }),
    routes(api, s) {
      adminRoutes(api, s);
      changeRoutes(api, s);
      actionRoutes(api, s);
    },
    consumers: (s) => [approvalConsumer(s), problemConsumer(s), releaseConsumer(s)],
    workers: (s) => [{ taskQueue: TASK_QUEUE, workflowsPath, activities: s.activities }],
  };
}

export const changeService = createChangeService();
