/**
 * The SLA clock as one pure function of a ticket's timeline, the SLA
 * definition, the calendar and the evaluation instant. The workflow, the API
 * and the reports all call it, so live clocks and historical imports agree.
 *
 * Rules:
 * - The clock runs from `opened`; outside working time it accrues nothing, so
 *   it effectively starts at the next working minute (`startedAt`).
 * - It is paused while the ticket's state is one of `pauseStates`. Only
 *   business time inside a pause is counted as paused; it never counts as
 *   elapsed, so it extends the deadline by exactly that much. Moving from one
 *   pausing state to another changes nothing.
 * - A response target stops at the first `assigned` or `first_response` (or
 *   at `resolved` / `closed` if neither came first) and never runs again. A
 *   resolution target stops at `resolved` or `closed`; `reopened` resumes it
 *   with the elapsed time it had (time spent resolved does not count).
 * - The target is looked up for the current priority. A priority change
 *   applies the new target from the original start, with paused time still
 *   excluded; it does not change whether the clock runs or is paused. A
 *   finished response target ignores later priority changes.
 * - A threshold (warning or breach) is reached at the first instant at which
 *   elapsed business time is at least that share of the target in force while
 *   the clock is not stopped. A ticket resolved exactly at its due time has
 *   met it. When a priority change lowers the target below the elapsed time,
 *   the breach is reached at the change. Reached thresholds stay reached
 *   (they have been notified), even if a later change raises the target.
 */
import { addBusinessDuration, businessDurationBetween, nextWorkingInstant } from './arithmetic';
import { compileCalendar, CompiledCalendar } from './compiled';
import { DEFAULT_WARNING_THRESHOLDS } from './sla-types';
import type { ClockState, SlaClock, SlaClockInput, SlaDefinition, SlaStatus, SlaWarning, TimelineEvent } from './sla-types';

interface Level {
  threshold: number; // 100 = breach
  reachedAt: number | null;
}

interface ActiveSegment {
  from: number;
  to: number;
  elapsedBefore: number;
  length: number;
}

function targetFor(def: SlaDefinition, priority: string | undefined): number | undefined {
  const d = def.durationsByPriority;
  const ms = typeof d === 'function' ? d(priority) : priority === undefined ? undefined : d[priority];
  if (ms === undefined) return undefined;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`SLA ${def.id}: target for priority ${priority} must be a non-negative integer of ms (got ${ms})`);
  return ms;
}

function levelMs(threshold: number, targetMs: number): number {
  return threshold >= 100 ? targetMs : Math.ceil((targetMs * threshold) / 100);
}

function thresholdsOf(def: SlaDefinition): number[] {
  const list = [...(def.warningThresholds ?? DEFAULT_WARNING_THRESHOLDS)];
  for (const t of list) {
    if (typeof t !== 'number' || !(t > 0 && t < 100)) throw new RangeError(`SLA ${def.id}: warning thresholds must be percentages between 0 and 100 (got ${t})`);
  }
  return [...new Set(list)].sort((a, b) => a - b);
}

/** Walks the timeline, accumulating elapsed and paused business time, and recording reached thresholds. */
class ClockWalk {
  priority: string | undefined;
  state: string | undefined;
  stopped = false;
  paused = false;
  pausedSince: number | null = null;
  stoppedAt: number | null = null;
  elapsed = 0;
  pausedMs = 0;
  t: number;
  readonly segments: ActiveSegment[] = [];
  private readonly pauseStates: ReadonlySet<string>;

  constructor(
    private readonly cal: CompiledCalendar,
    private readonly def: SlaDefinition,
    readonly levels: Level[],
    opened: TimelineEvent,
  ) {
    this.pauseStates = new Set(def.pauseStates);
    this.t = opened.at;
  }

  get target(): number | undefined {
    return targetFor(this.def, this.priority);
  }

  /** Lets time pass from `t` to `to` in the current state. */
  advance(to: number): void {
    const from = this.t;
    this.t = to;
    if (this.stopped || to <= from) return;
    const d = businessDurationBetween(this.cal, from, to);
    if (this.paused) {
      this.pausedMs += d;
      return;
    }
    if (d === 0) return;
    const before = this.elapsed;
    this.segments.push({ from, to, elapsedBefore: before, length: d });
    this.elapsed += d;
    const target = this.target;
    if (target === undefined) return;
    for (const level of this.levels) {
      if (level.reachedAt !== null) continue;
      const need = levelMs(level.threshold, target);
      if (need > before && need <= this.elapsed) {
        const at = addBusinessDuration(this.cal, from, need - before);
        // reached exactly at `to`: decided by checkReached() after that instant's events
        if (at < to) level.reachedAt = at;
      }
    }
  }

  /** Applies one event at the current instant. */
  apply(ev: TimelineEvent): void {
    if (ev.state !== undefined) this.state = ev.state;
    const resolution = this.def.target === 'resolution';
    switch (ev.kind) {
      case 'opened':
      case 'priority':
        // a finished response target keeps the target it was judged by
        if (ev.priority !== undefined && !(this.stopped && !resolution)) this.priority = String(ev.priority);
        break;
      case 'assigned':
      case 'first_response':
        if (!resolution) this.stop(ev.at);
        break;
      case 'resolved':
      case 'closed':
        this.stop(ev.at);
        break;
      case 'reopened':
        if (ev.state === undefined) this.state = undefined;
        if (resolution && this.stopped) {
          this.stopped = false;
          this.stoppedAt = null;
        }
        break;
      case 'state':
        break;
    }
    this.updatePause(ev.at);
  }

  private stop(at: number): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stoppedAt = at;
  }

  private updatePause(at: number): void {
    const paused = !this.stopped && this.state !== undefined && this.pauseStates.has(this.state);
    if (paused && !this.paused) this.pausedSince = at;
    if (!paused) this.pausedSince = null;
    this.paused = paused;
  }

  /** After all events of an instant: thresholds whose elapsed share is reached while the clock is not stopped. */
  checkReached(at: number): void {
    const target = this.target;
    if (this.stopped || target === undefined) return;
    for (const level of this.levels) {
      if (level.reachedAt === null && this.elapsed >= levelMs(level.threshold, target)) level.reachedAt = at;
    }
  }

  /** Instant at which active elapsed time reached `amount`, if it did. */
  reachedInstant(amount: number): number | undefined {
    for (const s of this.segments) {
      if (s.elapsedBefore + s.length >= amount) return addBusinessDuration(this.cal, s.from, Math.max(0, amount - s.elapsedBefore));
    }
    return undefined;
  }
}

function sortedTimeline(timeline: readonly TimelineEvent[], asOf: number): TimelineEvent[] {
  timeline.forEach((ev, i) => {
    if (!Number.isSafeInteger(ev.at)) throw new RangeError(`timeline.${i}.at must be an integer epoch ms (got ${ev.at})`);
  });
  return timeline
    .map((ev, i) => ({ ev, i }))
    .filter(({ ev }) => ev.at <= asOf)
    .sort((a, b) => a.ev.at - b.ev.at || a.i - b.i)
    .map(({ ev }) => ev);
}

/**
 * Computes the state of one SLA clock at `asOf`. Throws a RangeError when the
 * timeline has no `opened` event at or before `asOf`. Events before the first
 * `opened` are ignored; events at the same instant as it apply.
 */
export function computeSlaClock(input: SlaClockInput): SlaClock {
  const { definition: def, asOf } = input;
  if (!Number.isSafeInteger(asOf)) throw new RangeError(`asOf must be an integer epoch ms (got ${asOf})`);
  const cal = compileCalendar(input.calendar);
  const events = sortedTimeline(input.timeline, asOf);
  const openIndex = events.findIndex((e) => e.kind === 'opened');
  if (openIndex < 0) throw new RangeError(`SLA ${def.id}: the timeline has no opened event at or before asOf`);
  const opened = events[openIndex]!;
  const thresholds = thresholdsOf(def);
  const levels: Level[] = [...thresholds, 100].map((threshold) => ({ threshold, reachedAt: null }));
  const walk = new ClockWalk(cal, def, levels, opened);

  // events at the opening instant count from the start, whatever their order in the list
  let i = events.findIndex((e) => e.at === opened.at);
  while (i < events.length) {
    const at = events[i]!.at;
    walk.advance(at);
    for (; i < events.length && events[i]!.at === at; i++) {
      const ev = events[i]!;
      if (ev.kind === 'opened' && ev !== opened) continue;
      walk.apply(ev);
    }
    walk.checkReached(at);
  }
  walk.advance(asOf);
  walk.checkReached(asOf);

  const target = walk.target;
  const clock: ClockState = walk.stopped ? 'stopped' : walk.paused ? 'paused' : 'running';
  const breach = levels[levels.length - 1]!;
  const running = clock === 'running' && target !== undefined;
  const project = (amount: number): number | null => (running && amount > walk.elapsed ? addBusinessDuration(cal, asOf, amount - walk.elapsed) : null);

  let dueAt: number | null = null;
  if (target !== undefined) {
    dueAt = walk.reachedInstant(target) ?? project(target);
    if (dueAt === null && clock === 'stopped') dueAt = addBusinessDuration(cal, walk.stoppedAt!, target - walk.elapsed);
  }
  const warnings: SlaWarning[] = levels.slice(0, -1).map((level) => {
    const elapsedMs = target === undefined ? 0 : levelMs(level.threshold, target);
    const at = level.reachedAt ?? (target === undefined ? null : project(elapsedMs));
    return { threshold: level.threshold, elapsedMs, at, reached: level.reachedAt !== null };
  });
  let nextTimerAt: number | null = null;
  if (running) {
    for (const level of levels) {
      if (level.reachedAt !== null) continue;
      const at = project(levelMs(level.threshold, target));
      if (at !== null && at > asOf && (nextTimerAt === null || at < nextTimerAt)) nextTimerAt = at;
    }
  }
  const status: SlaStatus = breach.reachedAt !== null ? 'breached' : target === undefined ? 'cancelled' : clock === 'stopped' ? 'met' : clock;

  return {
    definitionId: def.id,
    target: def.target,
    status,
    clock,
    priority: walk.priority ?? null,
    targetMs: target ?? null,
    openedAt: opened.at,
    startedAt: nextWorkingInstant(cal, opened.at),
    dueAt,
    elapsedMs: walk.elapsed,
    remainingMs: target === undefined ? null : target - walk.elapsed,
    pausedMs: walk.pausedMs,
    pausedSince: walk.pausedSince,
    stoppedAt: walk.stoppedAt,
    breachedAt: breach.reachedAt,
    warnings,
    nextTimerAt,
    asOf,
  };
}
