/**
 * The SLA clocks workflow's contract: ids, task queue, input, messages and
 * views. Workflow-safe (imported by the workflow bundle): no Node built-ins.
 *
 * One workflow per ticket, `sla-clocks:<ticketNumber>`, holding every clock of
 * the ticket (SLA response and resolution, the OLAs of the groups that held
 * it); each clock has its id `<ticketNumber>:<targetKey>` (for an OLA the
 * target key names the group: `ola-resolution:<group>`). Everything in the
 * input and in signals is plain JSON.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Calendar, SlaStatus, SlaTarget, TimelineEventKind, ClockState } from '@itsm/business-time';
import type { ProgressRecord } from './activities';

export const TASK_QUEUE = 'sla-clock';
export const WORKFLOW_TYPE = 'slaTicketWorkflow';
/** ItsmRecordType of every clock. */
export const RECORD_TYPE = 'sla';

export type ClockKind = 'sla' | 'ola';

/** `sla-clocks:INC0000001`: the workflow of every clock of the ticket. */
export function workflowIdFor(ticketNumber: string): string {
  return `sla-clocks:${ticketNumber}`;
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

/** One clock of a ticket: what it measures with (the timeline is the ticket's). */
export interface ClockSpec {
  clockId: string;
  definition: ClockDefinition;
  calendar: ClockCalendar;
  /** fact keys already recorded (the service passes those it has stored) */
  recorded?: string[];
  /** the clock row as the service stored it when it created the clock (spares the first `recordProgress`) */
  progress?: ProgressRecord;
}

/** One clock with its ticket and the ticket's timeline: what the service writes for a clock that changed. */
export interface SlaClockInput extends ClockSpec {
  ticket: TicketRef;
  /** the whole timeline known when written */
  timeline: ClockFact[];
  /** instant (epoch ms) an import was received: facts reached before it are historical */
  importedAt?: number | null;
}

/** The ticket workflow's start input (or what continue-as-new carries over). */
export interface SlaTicketInput {
  ticket: TicketRef;
  timeline: ClockFact[];
  clocks: ClockSpec[];
  /** instant (epoch ms) an import was received: facts reached before it are historical */
  importedAt?: number | null;
  /** how long the ticket's clocks, all stopped, wait for a reopen before the workflow completes (ms); default 30 days */
  idleAfterStopMs?: number;
  /** continue-as-new after this many history events (default 2000; the server's suggestion also counts) */
  maxHistoryLength?: number;
}

/** What the service sends a ticket's workflow: new facts, new clocks and clocks to recompute (a new definition or calendar). */
export interface TicketUpdate {
  facts?: ClockFact[];
  /** set when the facts come from a historical import (epoch ms of the import) */
  importedAt?: number | null;
  /** added when unknown; a known clock takes the definition and calendar given when their id or version differ */
  clocks?: ClockSpec[];
  reason?: string;
}

export interface FactsInput {
  facts: ClockFact[];
  /** set when the facts come from a historical import (epoch ms of the import) */
  importedAt?: number | null;
}

export interface RecomputeInput {
  clockId: string;
  definition?: ClockDefinition;
  calendar?: ClockCalendar;
  reason?: string;
}

/** Facts, clocks and recomputes, all at once (what the service sends). */
export const updateSignal = defineSignal<[TicketUpdate]>('update');
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
/** The calendar or the definition of one clock changed: recompute it with the new one. */
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

export interface TicketStatusView {
  ticketNumber: string;
  clocks: ClockStatusView[];
  facts: number;
}

/** Every clock of the ticket. */
export const statusQuery = defineQuery<TicketStatusView>('status');
/** One clock by id (undefined when the workflow does not hold it). */
export const clockQuery = defineQuery<ClockStatusView | undefined, [string]>('clock');

export interface SlaClockResult {
  clockId: string;
  status: SlaStatus;
  elapsedMs: number;
  breachedAt: string | null;
  stoppedAt: string | null;
}

export interface SlaTicketResult {
  ticketNumber: string;
  clocks: SlaClockResult[];
}

/** Fact keys: stable across retries, replays and reruns. */
export const factKeys = {
  warning: (clockId: string, threshold: number) => `${clockId}:warning:${threshold}`,
  breached: (clockId: string) => `${clockId}:breached`,
  met: (clockId: string, stoppedAt: number) => `${clockId}:met:${stoppedAt}`,
};
