/** Inputs and output of the SLA clock (plain JSON apart from an optional target resolver). */
import type { CalendarLike } from './compiled';

export type TimelineEventKind = 'opened' | 'state' | 'priority' | 'assigned' | 'first_response' | 'resolved' | 'reopened' | 'closed';

export interface TimelineEvent {
  /** Instant (epoch ms). */
  at: number;
  kind: TimelineEventKind;
  /** The ticket's state from this event on (any kind may carry it). */
  state?: string;
  /** The ticket's priority from this event on (`opened` and `priority`). */
  priority?: string | number;
  [extra: string]: unknown;
}

export type SlaTarget = 'response' | 'resolution';

/** Target duration (business ms) for a priority; undefined when the SLA does not apply to it. */
export type TargetResolver = (priority: string | undefined) => number | undefined;

export interface SlaDefinition {
  id: string;
  target: SlaTarget;
  /** Business ms per priority (`{ '1': 4 * 3600_000 }`) or a resolver function. */
  durationsByPriority: Readonly<Record<string, number>> | TargetResolver;
  /** States that pause the clock (exact, case-sensitive match). */
  pauseStates: readonly string[];
  /** Warning thresholds in percent of the target, each in (0, 100). Default 50, 75, 90. */
  warningThresholds?: readonly number[];
}

export interface SlaClockInput {
  /** The ticket's events; sorted by `at` here (stable). Events after `asOf` are ignored. */
  timeline: readonly TimelineEvent[];
  definition: SlaDefinition;
  calendar: CalendarLike;
  /** Evaluation instant (epoch ms). */
  asOf: number;
}

export type SlaStatus = 'running' | 'paused' | 'met' | 'breached' | 'cancelled';
export type ClockState = 'running' | 'paused' | 'stopped';

export interface SlaWarning {
  /** Percent of the target. */
  threshold: number;
  /** Business ms of elapsed time at which it is reached (rounded up to the ms). */
  elapsedMs: number;
  /** When it was reached, or, if not yet reached and the clock runs, when it will be; null otherwise. */
  at: number | null;
  reached: boolean;
}

export interface SlaClock {
  definitionId: string;
  target: SlaTarget;
  /** `breached` once breached (sticky); else `cancelled` when no target applies to the current priority; else `met` when stopped; else the clock state. */
  status: SlaStatus;
  /** Whether the clock itself runs, is paused or is stopped (independent of the verdict). */
  clock: ClockState;
  priority: string | null;
  /** Target for the current priority, in business ms; null when none applies. */
  targetMs: number | null;
  openedAt: number;
  /** First working instant at or after `openedAt`: where counting starts. */
  startedAt: number;
  /**
   * Instant at which elapsed time reaches the current target: in the past when
   * reached (retroactively, after a priority change lowered the target), in
   * the future while running. When stopped before reaching it, the due time in
   * force at the stop. Null while paused (it depends on when work resumes) and
   * when no target applies.
   */
  dueAt: number | null;
  /** Active business time (running, not paused, not stopped) up to `asOf`. */
  elapsedMs: number;
  /** targetMs − elapsedMs; negative when overdue; null when no target applies. */
  remainingMs: number | null;
  /** Business time spent paused (not counting time while stopped). */
  pausedMs: number;
  /** Start of the current pause (a pause-to-pause move keeps it); null when not paused. */
  pausedSince: number | null;
  /** When the clock stopped (response given, resolved or closed); null while it runs or is paused. */
  stoppedAt: number | null;
  breachedAt: number | null;
  warnings: SlaWarning[];
  /** Next instant at which a warning or the breach fires if the timeline does not change; null if none. */
  nextTimerAt: number | null;
  asOf: number;
}

export const DEFAULT_WARNING_THRESHOLDS: readonly number[] = [50, 75, 90];
