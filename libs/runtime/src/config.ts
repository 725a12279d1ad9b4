import { commonEnv, loadConfig, portSchema } from '@itsm/core';
import { z } from 'zod';

export const ROLES_OF_A_PROCESS = ['api', 'relay', 'consumers', 'workers', 'jobs'] as const;
export type ProcessRole = (typeof ROLES_OF_A_PROCESS)[number];

export function runtimeConfigSchema(defaultPort: number, service: string) {
  return z.object({
    ...commonEnv,
    PORT: portSchema(defaultPort),
    HOST: z.string().default('127.0.0.1'),
    /** the service's own database (database per service) */
    DATABASE_NAME: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lower-case letters, digits and _').default(`itsm_${service}`),
    /**
     * Prefix of topics, task queues and workflow ids: lets several platform
     * instances (e.g. training and live, or parallel test runs) share one Kafka
     * and one Temporal. Empty by default.
     */
    ITSM_INSTANCE: z.string().regex(/^[a-z0-9-]*$/, 'lower-case letters, digits and -').default(''),
    /** which roles this process runs; all of them by default, a subset when scaled out */
    ITSM_ROLES: z
      .string()
      .default(ROLES_OF_A_PROCESS.join(','))
      .transform((s) => s.split(',').map((r) => r.trim()).filter(Boolean))
      .pipe(z.array(z.enum(ROLES_OF_A_PROCESS))),
    BODY_LIMIT: z.string().default('1mb'),
    KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
    /** partitions of the topics a service creates (existing topics keep theirs) */
    KAFKA_PARTITIONS: z.coerce.number().int().min(1).default(6),
    /** partitions a consumer handles at once (default: KAFKA_PARTITIONS); each holds one database connection while it handles an event */
    CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  });
}

export type RuntimeConfig = z.infer<ReturnType<typeof runtimeConfigSchema>>;

export function loadRuntimeConfig(service: string, defaultPort: number, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return loadConfig(runtimeConfigSchema(defaultPort, service), env);
}
