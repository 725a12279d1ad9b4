/**
 * The SLA service: calendars, SLA/OLA definitions, clocks from incident
 * events, the clock workflows' worker and its activities, compliance reports.
 */
import { TASK_QUEUE, workflowsPath } from '@itsm/wf-sla-clock';
import type { ServiceContext, ServiceDefinition } from '@itsm/runtime';
import { loadSlaConfig } from './config';
import { incidentConsumer } from './consumers/incident.handler';
import { migrations } from './migrations';
import { adminRoutes } from './routes/admin.routes';
import { clockRoutes } from './routes/clock.routes';
import { createActivities } from './service/activities';
import type { SlaDeps } from './service/clock.service';
import { intakeFirstWorkflowSlots } from './service/intake-first';
import { registerSignalMetrics, startSignalDrain } from './service/signals';

export function slaDeps(ctx: ServiceContext): SlaDeps {
  return {
    knex: ctx.knex,
    temporal: ctx.temporal,
    source: ctx.source,
    logger: ctx.logger,
    clock: ctx.clock,
    taskQueue: ctx.instance.taskQueue(TASK_QUEUE),
    workflowIdPrefix: ctx.instance.workflowId(''),
  };
}

export const slaService: ServiceDefinition = {
  name: 'sla',
  defaultPort: 3005,
  migrations,
  routes(api, ctx) {
    const deps = slaDeps(ctx);
    adminRoutes(api, deps);
    clockRoutes(api, deps);
    registerSignalMetrics(api.metrics, deps.knex);
  },
  consumers: (ctx) => [incidentConsumer(slaDeps(ctx))],
  workers(ctx) {
    const c = loadSlaConfig();
    const fixed = (numSlots: number) => ({ type: 'fixed-size' as const, numSlots });
    return [
      {
        taskQueue: TASK_QUEUE,
        workflowsPath,
        activities: createActivities(slaDeps(ctx)),
        // the clocks' workflow tasks give way to incident intake (service/intake-first.ts)
        options: {
          tuner: {
            workflowTaskSlotSupplier: intakeFirstWorkflowSlots(ctx.knex, { slots: c.SLA_WORKFLOW_SLOTS, busySlots: c.SLA_WORKFLOW_SLOTS_BUSY }),
            activityTaskSlotSupplier: fixed(100),
            localActivityTaskSlotSupplier: fixed(100),
            nexusTaskSlotSupplier: fixed(100),
          },
        },
      },
    ];
  },
  /** sends the clocks' pending signals (written by the consumer and by calendar and definition changes) */
  async jobs(ctx) {
    const deps = slaDeps(ctx);
    const c = loadSlaConfig();
    return startSignalDrain({
      knex: deps.knex,
      temporal: deps.temporal,
      logger: ctx.logger.child({ component: 'signal-drain' }),
      target: { taskQueue: deps.taskQueue, workflowIdPrefix: deps.workflowIdPrefix },
      concurrency: c.SLA_SIGNAL_CONCURRENCY,
      busyConcurrency: c.SLA_SIGNAL_CONCURRENCY_BUSY,
      maxDeferMs: c.SLA_SIGNAL_MAX_DEFER_MS,
    });
  },
};
