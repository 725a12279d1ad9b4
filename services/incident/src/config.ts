import { loadConfig } from '@itsm/core';
import { z } from 'zod';

/** Settings of this service beyond the runtime's (the only reader of process.env here). */
export const incidentConfigSchema = z.object({
  /** how often the auto-close job looks for resolved incidents whose period has passed */
  INCIDENT_AUTO_CLOSE_INTERVAL_MS: z.coerce.number().int().min(50).default(60_000),
  /** how many incidents one auto-close pass closes at most (per transaction) */
  INCIDENT_AUTO_CLOSE_BATCH: z.coerce.number().int().min(1).max(10_000).default(200),
});
export type IncidentConfig = z.infer<typeof incidentConfigSchema>;

export function loadIncidentConfig(env: NodeJS.ProcessEnv = process.env): IncidentConfig {
  return loadConfig(incidentConfigSchema, env);
}
