import { loadConfig } from '@itsm/core';
import { z } from 'zod';

/** Settings of this service beyond the runtime's (the only reader of process.env here). */
export const slaConfigSchema = z.object({
  /**
   * Clock workflows the signal drain starts or signals at once. Each call
   * makes Temporal run the clock's workflow task, so this bounds the share of
   * the machine the clocks' timers take while incident events are flowing in.
   */
  SLA_SIGNAL_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
});
export type SlaConfig = z.infer<typeof slaConfigSchema>;

export function loadSlaConfig(env: NodeJS.ProcessEnv = process.env): SlaConfig {
  return loadConfig(slaConfigSchema, env);
}
