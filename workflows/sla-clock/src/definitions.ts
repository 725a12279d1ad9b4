/**
 * The SLA clock workflow's contract: ids, task queue, input, messages and
 * views. Workflow-safe (imported by the workflow bundle): no Node built-ins.
 *
 * One workflow per ticket and target: `sla-clock:<ticketNumber>:<target>`
 * (for an OLA the target key names the group: `ola-resolution:<group>`).
 * Everything in the input and in signals is plain JSON.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Calendar, SlaStatus, SlaTarget, TimelineEventKind, ClockState } from '@itsm/business-time';
import type { ProgressRecord } from './activities';

export const TASK_QUEUE = 'sla-clock';
export const WORKFLOW_TYPE = 'slaClockWorkflow';
/** ItsmRecordType of every clock. */
export const RECORD_TYPE = 'sla';

export type ClockKind = 'sla' | 'ola';

/** `sla-clock:INC0000001:resolution`; `targetKey` from `clockTargetKey`. */
export function workflowIdFor(ticketNumber: string, targetKey: string): string {
  return `sla-clock:${ticketNumber}:${targetKey}`;
}

/** `resolution`, `response`, or for an OLA `ola-resolution:<group>`. */
export function clockTargetKey(kind: ClockKind, target: SlaTarget, group?: string | null): string {
  return kind === 'ola' ? `ola-${target}:${group ?? ''}` : target;
}

/** One fact of the ticket's timeline, with the id of the event it came from (dedupe key). */
export interface ClockFact {
  id: string;
  /** epoch ms */
  at: number;
  kind: TimelineEventKind;
  /** the ticket's (normalised) state from this fact on */
  state?: string;
  /** the ticket's priority from this fact on */
  priority?: string;
  /** the assignment group from this fact on (OLAs) */
  assignmentGroup?: string | null;
}

/** What happens on breach; carried on `sla.breached`. */
export interface BreachAction {
  escalate: 'none' | 'functional' | 'hierarchical';
  toGroup?: string | null;
  toUser?: string | null;
  notify?: string[];
}

/** The definition a clock runs under (a snapshot: a change arrives as `recompute`). */
export interface ClockDefinition {
  id: string;
  name: string;
  version: number;
  kind: ClockKind;
  target: SlaTarget;
  /** business ms per priority ('1'..'5'); a priority without an entry has no target */
  durationsByPriority: Record<string, number>;
  pauseStates: string[];
  warningThresholds: number[];
  breachAction: BreachAction;
  /** the group an OLA measures (only its time holding the ticket counts) */
  group?: string | null;
}

export interface ClockCalendar {
  id: string;
  name: string;
  version: number;
  calendar: Calendar;
}

export interface TicketRef {
  ticketType: string;
  ticketId: string;
  ticketNumber: string;
}

export interface SlaClockInput {
  clockId: string;
  ticket: TicketRef;
  definition: ClockDefinition;
  calendar: ClockCalendar;
  /** the whole timeline known at start (or carried over by continue-as-new) */
  timeline: ClockFact[];
  /** fact keys already recorded (carried over; the service also passes those it has stored) */
  recorded?: string[];
  /** instant (epoch ms) an import was received: facts reached before it are historical */
  importedAt?: number | null;
  /** how long a stopped resolution clock waits for a reopen before it completes (ms); default 30 days */
  idleAfterStopMs?: number;
  /** the clock row as the service stored it when it created the clock (spares the first `recordProgress`) */
  progress?: ProgressRecord;
  /** continue-as-new after this many history events (default 2000; the server's suggestion also counts) */
  maxHistoryLength?: number;
}

export interface FactsInput {
  facts: ClockFact[];
  /** set when the facts come from a historical import (epoch ms of the import) */
  importedAt?: number | null;
}

export interface RecomputeInput {
  definition?: ClockDefinition;
  calendar?: ClockCalendar;
  reason?: string;
}

/** Any timeline facts (start and import). */
export const factsSignal = defineSignal<[FactsInput]>('facts');
/** The ticket entered a pausing state. */
export const pauseSignal = defineSignal<[ClockFact]>('pause');
/** The ticket left a pausing state. */
export const resumeSignal = defineSignal<[ClockFact]>('resume');
/** The ticket's priority changed: new targets from the original start. */
export const priorityChangedSignal = defineSignal<[ClockFact]>('priorityChanged');
/** The ticket was reopened: the resolution clock resumes where it stopped. */
export const reopenSignal = defineSignal<[ClockFact]>('reopen');
/** First response, resolution, closure or cancellation: the clock stops. */
export const stopSignal = defineSignal<[ClockFact]>('stop');
/** The calendar or the definition changed: recompute everything with the new one. */
export const recomputeSignal = defineSignal<[RecomputeInput]>('recompute');

export interface ClockStatusView {
  clockId: string;
  status: SlaStatus;
  clock: ClockState;
  priority: string | null;
  targetMs: number | null;
  dueAt: string | null;
  elapsedMs: number;
  remainingMs: number | null;
  pausedMs: number;
  pausedSince: string | null;
  breachedAt: string | null;
  nextTimerAt: string | null;
  recorded: string[];
  definitionVersion: number;
  calendarVersion: number;
  facts: number;
}

export const statusQuery = defineQuery<ClockStatusView>('status');

export interface SlaClockResult {
  clockId: string;
  status: SlaStatus;
  elapsedMs: number;
  breachedAt: string | null;
  stoppedAt: string | null;
}

/** Fact keys: stable across retries, replays and reruns. */
export const factKeys = {
  warning: (clockId: string, threshold: number) => `${clockId}:warning:${threshold}`,
  breached: (clockId: string) => `${clockId}:breached`,
  met: (clockId: string, stoppedAt: number) => `${clockId}:met:${stoppedAt}`,
};
