import { z } from 'zod';
import { DEFAULT_MATRIX, type PriorityMatrix } from './priority';

const DAY = 86_400;

/** Lifecycle settings an admin changes through the API (stored in the service's database). */
export const lifecycleSettingsSchema = z.strictObject({
  /** resolved incidents close automatically this long after resolved_at */
  autoCloseAfterSeconds: z.number().int().min(1).max(365 * DAY),
  /** a requester may reopen a resolved incident within this window */
  reopenWindowSeconds: z.number().int().min(0).max(365 * DAY),
  /** when a problem is linked, put an in-progress incident on hold awaiting the problem */
  holdOnProblemLink: z.boolean(),
  /** SLA breaches of these targets escalate the incident hierarchically (each level once) */
  escalateOnBreach: z.array(z.enum(['response', 'resolution'])),
  escalateOnBreachLevel: z.number().int().min(1).max(5),
  /** SLA warnings at or above this threshold (percent) escalate to level 1; null: warnings only record */
  escalateOnWarningThreshold: z.number().int().min(1).max(99).nullable(),
});
export type LifecycleSettings = z.infer<typeof lifecycleSettingsSchema>;

export const DEFAULT_SETTINGS: LifecycleSettings = {
  autoCloseAfterSeconds: 5 * DAY,
  reopenWindowSeconds: 5 * DAY,
  holdOnProblemLink: false,
  escalateOnBreach: ['resolution'],
  escalateOnBreachLevel: 1,
  escalateOnWarningThreshold: null,
};

export interface Settings {
  lifecycle: LifecycleSettings;
  matrix: PriorityMatrix;
}

/** Stored values over the defaults; a stored value that no longer parses falls back to the default. */
export function settingsFrom(stored: Record<string, unknown>): Settings {
  const merged = lifecycleSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...((stored.lifecycle as object) ?? {}) });
  return {
    lifecycle: merged.success ? merged.data : DEFAULT_SETTINGS,
    matrix: (stored.priorityMatrix as PriorityMatrix | undefined) ?? DEFAULT_MATRIX,
  };
}
