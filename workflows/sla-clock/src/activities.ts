/**
 * The activities the SLA clock workflow needs; the SLA service implements
 * them (a clock history row and an outbox event in one transaction, under a
 * unique fact key, so each fact is recorded once whatever the retries).
 */
import type { BreachAction, ClockKind, TicketRef } from './definitions';
import type { SlaTarget } from '@itsm/business-time';

export interface ClockFactRecord {
  clockId: string;
  ticket: TicketRef;
  definitionId: string;
  definitionName: string;
  kind: ClockKind;
  target: SlaTarget;
  group: string | null;
  /** stable key (see `factKeys`) */
  factKey: string;
  /** ISO instant at which the fact happened (business time) */
  at: string;
  dueAt: string | null;
  priority: string | null;
  elapsedMs: number;
  /** the fact lies in the past of a historical import: record it, notify nobody */
  historical: boolean;
}

export interface WarningRecord extends ClockFactRecord {
  threshold: number;
}

export interface BreachRecord extends ClockFactRecord {
  action: BreachAction;
}

export interface ProgressRecord {
  clockId: string;
  status: string;
  dueAt: string | null;
  priority: string | null;
  elapsedMs: number;
  pausedMs: number;
  breachedAt: string | null;
  stoppedAt: string | null;
  definitionVersion: number;
  calendarVersion: number;
}

export interface SlaClockActivities {
  /** Records a reached warning threshold; false when it was already recorded. */
  recordWarning(input: WarningRecord): Promise<boolean>;
  /** Records the breach; false when it was already recorded. */
  recordBreach(input: BreachRecord): Promise<boolean>;
  /** Records a target met (the clock stopped in time); false when it was already recorded. */
  recordMet(input: ClockFactRecord): Promise<boolean>;
  /** Keeps the service's clock row in step (status, due time) for lists and reports. */
  recordProgress(input: ProgressRecord): Promise<void>;
}
