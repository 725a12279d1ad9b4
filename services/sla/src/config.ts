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
  /** The same while incident events flow in, for the signals that have waited their longest (intake-first.ts). */
  SLA_SIGNAL_CONCURRENCY_BUSY: z.coerce.number().int().min(1).max(256).default(2),
  /** How long a clock change waits at most while incident events flow in (ms; 0: never waits, sent at the busy concurrency). */
  SLA_SIGNAL_MAX_DEFER_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  /** Clock workflow tasks the worker runs at once (intake idle) and while incident events flow in (intake-first.ts). */
  SLA_WORKFLOW_SLOTS: z.coerce.number().int().min(2).max(1000).default(40),
  SLA_WORKFLOW_SLOTS_BUSY: z.coerce.number().int().min(1).max(1000).default(1),
});
export type SlaConfig = z.infer<typeof slaConfigSchema>;

export function loadSlaConfig(env: NodeJS.ProcessEnv = process.env): SlaConfig {
  return loadConfig(slaConfigSchema, env);
}
