import { loadConfig } from '@itsm/core';
import type { ApprovalTiming, DeadlineOutcome } from '@itsm/wf-rfc-approval';
import { z } from 'zod';

const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/, "a duration such as '5 days', '4h' or '30s'");

/** The Change service's own settings (the runtime's, such as PORT and DATABASE_NAME, are read by @itsm/runtime). */
export const changeConfigSchema = z.object({
  /** voting period of a normal change's round */
  CHANGE_VOTING_PERIOD: duration.default('5 days'),
  /** voting period of an emergency change's round (the ECAB's short deadline) */
  CHANGE_EMERGENCY_VOTING_PERIOD: duration.default('4 hours'),
  CHANGE_REMINDER_INTERVAL: duration.default('1 day'),
  CHANGE_EMERGENCY_REMINDER_INTERVAL: duration.default('1 hour'),
  /** escalate (keep waiting) or escalate-and-reject when a round's deadline passes undecided */
  CHANGE_ON_DEADLINE: z.enum(['escalate', 'escalate-and-reject']).default('escalate'),
  /** how long a vote waits for the approval workflow before answering 503 */
  CHANGE_VOTE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** schedule an approved change at once when it has a window without conflicts */
  CHANGE_AUTO_SCHEDULE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});

export interface ChangeConfig {
  timing: ApprovalTiming;
  onDeadline: DeadlineOutcome;
  voteTimeoutMs: number;
  autoSchedule: boolean;
}

export function loadChangeConfig(env: NodeJS.ProcessEnv = process.env): ChangeConfig {
  const c = loadConfig(changeConfigSchema, env);
  return {
    timing: {
      votingPeriod: c.CHANGE_VOTING_PERIOD,
      emergencyVotingPeriod: c.CHANGE_EMERGENCY_VOTING_PERIOD,
      reminderInterval: c.CHANGE_REMINDER_INTERVAL,
      emergencyReminderInterval: c.CHANGE_EMERGENCY_REMINDER_INTERVAL,
    } as ApprovalTiming,
    onDeadline: c.CHANGE_ON_DEADLINE,
    voteTimeoutMs: c.CHANGE_VOTE_TIMEOUT_MS,
    autoSchedule: c.CHANGE_AUTO_SCHEDULE,
  };
}
