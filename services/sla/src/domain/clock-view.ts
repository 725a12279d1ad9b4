/**
 * What the API shows of a clock, and the transitions a new fact makes
 * (paused, resumed, stopped, reopened, priority changed). Pure: both come
 * from `evaluateClock`, the function the workflow runs.
 */
import { compileCalendar, formatLocal, type CompiledCalendar, type SlaClock } from '@itsm/business-time';
import { evaluateClock, type ClockCalendar, type ClockDefinition, type ClockFact } from '@itsm/wf-sla-clock';
import { formatDuration } from './definition';

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export interface ClockSnapshot {
  definition: ClockDefinition;
  calendar: ClockCalendar;
}

/** Compiled calendars by their content: a clock's snapshot is compiled once, not at every evaluation (intake, API, reports). */
const compiled = new Map<string, CompiledCalendar>();

function compiledOf(cal: ClockCalendar): CompiledCalendar {
  const key = JSON.stringify(cal.calendar);
  let c = compiled.get(key);
  if (!c) {
    if (compiled.size >= 256) compiled.clear();
    compiled.set(key, (c = compileCalendar(cal.calendar)));
  }
  return c;
}

export function evaluate(snap: ClockSnapshot, facts: readonly ClockFact[], asOf: number): SlaClock | undefined {
  return evaluateClock({ facts, definition: snap.definition, calendar: compiledOf(snap.calendar), asOf });
}

/** The measured part of a clock view (every instant in UTC ISO form, the due time also in the calendar's zone). */
export function measureView(snap: ClockSnapshot, c: SlaClock | undefined, asOf: number) {
  const zone = snap.calendar.calendar.timeZone;
  return {
    status: c?.status ?? 'waiting',
    clock: c?.clock ?? null,
    priority: c?.priority === null || c?.priority === undefined ? null : Number(c.priority),
    targetMs: c?.targetMs ?? null,
    targetDuration: c?.targetMs === null || c?.targetMs === undefined ? null : formatDuration(c.targetMs),
    openedAt: iso(c?.openedAt),
    startedAt: iso(c?.startedAt),
    dueAt: iso(c?.dueAt),
    dueAtLocal: c?.dueAt === null || c?.dueAt === undefined ? null : formatLocal(c.dueAt, zone),
    elapsedMs: c?.elapsedMs ?? 0,
    remainingMs: c?.remainingMs ?? null,
    pausedMs: c?.pausedMs ?? 0,
    pausedSince: iso(c?.pausedSince),
    stoppedAt: iso(c?.stoppedAt),
    breachedAt: iso(c?.breachedAt),
    warnings: (c?.warnings ?? []).map((w) => ({ threshold: w.threshold, reached: w.reached, at: iso(w.at) })),
    nextTimerAt: iso(c?.nextTimerAt),
    asOf: new Date(asOf).toISOString(),
  };
}

export type ClockTransition = 'paused' | 'resumed' | 'stopped' | 'reopened' | 'priority_changed' | 'started';

export interface Transition {
  kind: ClockTransition;
  at: number;
  details: Record<string, unknown>;
}

/** What each of `newFacts` did to the clock (evaluated just before and at its instant). */
export function transitionsOf(snap: ClockSnapshot, facts: readonly ClockFact[], newFacts: readonly ClockFact[]): Transition[] {
  const out: Transition[] = [];
  const instants = [...new Set(newFacts.map((f) => f.at))].sort((a, b) => a - b);
  for (const at of instants) {
    const before = evaluate(snap, facts, at - 1);
    const after = evaluate(snap, facts, at);
    if (!after) continue;
    if (!before) {
      out.push({ kind: 'started', at: after.openedAt, details: { startedAt: iso(after.startedAt), dueAt: iso(after.dueAt), priority: after.priority } });
      if (after.clock === 'paused') out.push({ kind: 'paused', at, details: {} });
      if (after.clock === 'stopped') out.push({ kind: 'stopped', at, details: { elapsedMs: after.elapsedMs } });
      continue;
    }
    if (before.priority !== after.priority) {
      out.push({ kind: 'priority_changed', at, details: { from: before.priority, to: after.priority, targetMs: after.targetMs, dueAt: iso(after.dueAt) } });
    }
    if (before.clock !== after.clock) {
      const kind: ClockTransition =
        after.clock === 'stopped' ? 'stopped' : before.clock === 'stopped' ? 'reopened' : after.clock === 'paused' ? 'paused' : 'resumed';
      out.push({ kind, at, details: { elapsedMs: after.elapsedMs, pausedMs: after.pausedMs, dueAt: iso(after.dueAt) } });
      if (kind === 'reopened' && after.clock === 'paused') out.push({ kind: 'paused', at, details: {} });
    }
  }
  return out;
}
