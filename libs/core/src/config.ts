import { z } from 'zod';

/**
 * Parses configuration from the environment with a zod object schema, failing
 * fast with a message that names every bad or missing variable.
 * This (and the `*Config` schemas below) are the only readers of process.env.
 */
export class ConfigError extends Error {}

export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** A TCP port; 0 asks the OS for a free one (tests). */
const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);

/** Settings every service shares. Defaults match infra/local and docker-compose.yml. */
export const commonEnv = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Server URL without a database name; each service appends its own database. */
  POSTGRES_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean)),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  /** HS256 secret for local tokens. In production set JWKS_URL instead. */
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').default('itsm-local-development-secret-change-me'),
  JWKS_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().default('itsm-local'),
  JWT_AUDIENCE: z.string().default('itsm'),
};

export const commonConfigSchema = z.object(commonEnv);
export type CommonConfig = z.infer<typeof commonConfigSchema>;

export { port as portSchema };
