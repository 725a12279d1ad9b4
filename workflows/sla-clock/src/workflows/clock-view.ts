/** Pure helpers of the workflow: what operators read, and which facts are due to be recorded. */
import type { SlaClock } from '@itsm/business-time';
import type { ProgressRecord } from '../activities';
import type { ClockSpec, ClockStatusView } from '../definitions';
import { factKeys } from '../definitions';

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** `2025-06-16 14:00 UTC` */
export function utcText(ms: number): string {
  const s = new Date(ms).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

/** ItsmState of one clock: running, paused, met, breached (cancelled when no target applies). */
export function stateKeyword(clock: SlaClock | undefined): string {
  return clock ? clock.status : 'waiting';
}

/** The worst state first: what a ticket's workflow shows for all its clocks. */
const STATE_ORDER = ['breached', 'running', 'paused', 'waiting', 'met', 'cancelled'];

export interface TicketClock {
  spec: ClockSpec;
  clock: SlaClock | undefined;
}

/**
 * The ticket workflow's search attributes: the worst state of its clocks
 * (breached, running, paused, waiting, met, cancelled), the earliest due time
 * of a running clock, what the earliest timer waits for, and
 * the ticket's priority.
 */
export function ticketSearchValues(clocks: readonly TicketClock[]): { state: string; priority: string; dueAt: number | null; waitingFor: string } {
  const states = clocks.map((c) => stateKeyword(c.clock));
  const state = STATE_ORDER.find((s) => states.includes(s)) ?? 'waiting';
  let dueAt: number | null = null;
  let nextTimer: TicketClock | undefined;
  for (const c of clocks) {
    const k = c.clock;
    if (!k || k.clock !== 'running') continue;
    if (k.dueAt !== null && (dueAt === null || k.dueAt < dueAt)) dueAt = k.dueAt;
    if (k.nextTimerAt !== null && (nextTimer?.clock?.nextTimerAt == null || k.nextTimerAt < nextTimer.clock.nextTimerAt)) nextTimer = c;
  }
  const waiting = nextTimer
    ? waitingFor(nextTimer.clock)
    : clocks.some((c) => c.clock?.clock === 'paused')
      ? 'resume'
      : clocks.some((c) => c.clock?.clock === 'stopped' && c.clock.target === 'resolution')
        ? 'reopen'
        : clocks.some((c) => !c.clock)
          ? 'opened'
          : 'nothing';
  const priority = clocks.map((c) => c.clock?.priority).find((p): p is string => !!p) ?? '';
  return { state, priority, dueAt, waitingFor: waiting };
}

/** Current details: one line per clock, `resolution SLA (Standard): running, due 2025-06-16 14:00 UTC; …`. */
export function ticketDetails(clocks: readonly TicketClock[], now: number): string {
  if (clocks.length === 0) return 'no clocks';
  return clocks
    .map(({ spec, clock }) => {
      const def = spec.definition;
      const what = def.kind === 'ola' ? `${def.target} OLA of ${def.group ?? '?'}` : `${def.target} SLA`;
      return `- ${what} (${def.name}, ${spec.calendar.name}): ${currentDetails(clock, now)}`;
    })
    .join('\n');
}

/** ItsmWaitingFor: the next threshold, the resume, a reopen, or nothing. */
export function waitingFor(clock: SlaClock | undefined): string {
  if (!clock) return 'opened';
  if (clock.clock === 'paused') return 'resume';
  if (clock.clock === 'stopped') return clock.target === 'resolution' ? 'reopen' : 'nothing';
  if (clock.nextTimerAt === null) return 'nothing';
  if (clock.breachedAt !== null) return 'resolution';
  const next = clock.warnings.find((w) => !w.reached && w.at === clock.nextTimerAt);
  return next ? `warning-${next.threshold}` : 'breach';
}

/** "running, due 2025-06-16 14:00 UTC", "paused since …", "met at …", "breached at …, running". */
export function currentDetails(clock: SlaClock | undefined, now: number): string {
  if (!clock) return 'waiting for the ticket to open (or for the group to take it)';
  const elapsed = `elapsed ${formatDuration(clock.elapsedMs)} of ${clock.targetMs === null ? 'no target' : formatDuration(clock.targetMs)}`;
  const next = clock.nextTimerAt !== null && clock.nextTimerAt > now ? `; next timer ${utcText(clock.nextTimerAt)} (${waitingFor(clock)})` : '';
  switch (clock.status) {
    case 'paused':
      return `paused since ${utcText(clock.pausedSince ?? now)}; ${elapsed}`;
    case 'running':
      return `running, due ${clock.dueAt === null ? '?' : utcText(clock.dueAt)}; ${elapsed}${next}`;
    case 'met':
      return `met: stopped ${clock.stoppedAt === null ? '' : utcText(clock.stoppedAt)}, due was ${clock.dueAt === null ? '?' : utcText(clock.dueAt)}; ${elapsed}`;
    case 'breached': {
      const how = clock.clock === 'stopped' ? 'stopped' : clock.clock;
      return `breached at ${utcText(clock.breachedAt!)}, ${how}; ${elapsed}`;
    }
    case 'cancelled':
      return `no target applies to priority ${clock.priority ?? '?'}`;
  }
}

export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${sign}${h}h${String(m).padStart(2, '0')}m${s ? `${String(s).padStart(2, '0')}s` : ''}`;
}

export interface DueFact {
  type: 'warning' | 'breach' | 'met';
  key: string;
  at: number;
  threshold?: number;
}

/** Facts the clock has reached that are not recorded yet, in time order. */
export function dueFacts(clockId: string, clock: SlaClock | undefined, recorded: readonly string[]): DueFact[] {
  if (!clock) return [];
  const done = new Set(recorded);
  const out: DueFact[] = [];
  for (const w of clock.warnings) {
    if (w.reached && w.at !== null) out.push({ type: 'warning', key: factKeys.warning(clockId, w.threshold), at: w.at, threshold: w.threshold });
  }
  if (clock.breachedAt !== null) out.push({ type: 'breach', key: factKeys.breached(clockId), at: clock.breachedAt });
  if (clock.status === 'met' && clock.stoppedAt !== null) out.push({ type: 'met', key: factKeys.met(clockId, clock.stoppedAt), at: clock.stoppedAt });
  return out.filter((f) => !done.has(f.key)).sort((a, b) => a.at - b.at);
}

export function statusView(input: ClockSpec, clock: SlaClock | undefined, recorded: string[], facts: number): ClockStatusView {
  return {
    clockId: input.clockId,
    status: clock?.status ?? 'running',
    clock: clock?.clock ?? 'paused',
    priority: clock?.priority ?? null,
    targetMs: clock?.targetMs ?? null,
    dueAt: iso(clock?.dueAt ?? null),
    elapsedMs: clock?.elapsedMs ?? 0,
    remainingMs: clock?.remainingMs ?? null,
    pausedMs: clock?.pausedMs ?? 0,
    pausedSince: iso(clock?.pausedSince ?? null),
    breachedAt: iso(clock?.breachedAt ?? null),
    nextTimerAt: iso(clock?.nextTimerAt ?? null),
    recorded: [...recorded],
    definitionVersion: input.definition.version,
    calendarVersion: input.calendar.version,
    facts,
  };
}

/** What the service's clock row holds for a clock evaluation (kept in step by `recordProgress`). */
export function progressRecordOf(clockId: string, c: SlaClock | undefined, definitionVersion: number, calendarVersion: number): ProgressRecord {
  return {
    clockId,
    status: c?.status ?? 'waiting',
    dueAt: iso(c?.dueAt ?? null),
    priority: c?.priority ?? null,
    elapsedMs: c?.elapsedMs ?? 0,
    pausedMs: c?.pausedMs ?? 0,
    breachedAt: iso(c?.breachedAt ?? null),
    stoppedAt: iso(c?.stoppedAt ?? null),
    definitionVersion,
    calendarVersion,
  };
}

/**
 * Equal for two records that differ only in the elapsed and paused times
 * (those alone do not need a write). Independent of key order: the record
 * may have passed through a jsonb column.
 */
export function progressSignature(p: ProgressRecord): string {
  return JSON.stringify([p.clockId, p.status, p.dueAt, p.priority, p.breachedAt, p.stoppedAt, p.definitionVersion, p.calendarVersion]);
}
