import type { ServiceContext, ServiceDefinition } from '@itsm/runtime';
import { loadIncidentConfig, type IncidentConfig } from './config';
import { problemConsumer, changeConsumer } from './consumers/problem.handler';
import { slaConsumer } from './consumers/sla.handler';
import { startAutoClose } from './jobs/auto-close.job';
import { incidentMigrations } from './migrations';
import { actionRoutes } from './routes/actions.routes';
import { adminRoutes } from './routes/admin.routes';
import { incidentRoutes } from './routes/incident.routes';
import { IncidentService } from './service/incident.service';

const services = new WeakMap<ServiceContext, IncidentService>();

/** One IncidentService per running service context. */
export function incidentServiceOf(ctx: ServiceContext): IncidentService {
  let svc = services.get(ctx);
  if (!svc) {
    svc = new IncidentService({ knex: ctx.knex, clock: ctx.clock, source: ctx.source, logger: ctx.logger });
    services.set(ctx, svc);
  }
  return svc;
}

/** The incident service definition; `overrides` replace settings from the environment (tests). */
export function createIncidentService(overrides: Partial<IncidentConfig> = {}): ServiceDefinition {
  const config = () => ({ ...loadIncidentConfig(), ...overrides });
  return {
    name: 'incident',
    defaultPort: 3001,
    migrations: incidentMigrations,
    routes(api, ctx) {
      const svc = incidentServiceOf(ctx);
      incidentRoutes(api, svc);
      adminRoutes(api, svc);
      actionRoutes(api, svc);
    },
    consumers(ctx) {
      const svc = incidentServiceOf(ctx);
      return [slaConsumer(svc), problemConsumer(svc), changeConsumer(svc)];
    },
    async jobs(ctx) {
      const c = config();
      return startAutoClose(incidentServiceOf(ctx), ctx.logger.child({ component: 'auto-close' }), c.INCIDENT_AUTO_CLOSE_INTERVAL_MS, c.INCIDENT_AUTO_CLOSE_BATCH);
    },
  };
}

export const incidentService: ServiceDefinition = createIncidentService();
