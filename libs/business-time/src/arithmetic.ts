/**
 * Business-time arithmetic on instants (epoch milliseconds, integers).
 * Exact integer arithmetic: no rounding, no drift.
 */
import { Block, BLOCK_MS, CalendarLike, CompiledCalendar, compileCalendar, MAX_EMPTY_BLOCKS } from './compiled';

function checkInstant(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer number of epoch milliseconds (got ${value})`);
}

/** Index of the last interval of the block starting at or before t, or -1. */
function lastStartAtOrBefore(b: Block, t: number): number {
  const starts = b.starts;
  let lo = 0;
  let hi = starts.length; // answer + 1 lies in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Business ms of block b before instant t (t within the block's span). */
function positionInBlock(b: Block, t: number): number {
  const i = lastStartAtOrBefore(b, t);
  if (i < 0) return 0;
  return b.cum[i]! + Math.min(t, b.ends[i]!) - b.starts[i]!;
}

/** Earliest instant of block b by which `amount` (0 < amount ≤ total) business ms of the block have passed. */
function instantInBlock(b: Block, amount: number): number {
  const cum = b.cum;
  // smallest i with cum[i + 1] >= amount
  let lo = 0;
  let hi = b.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid + 1]! >= amount) hi = mid;
    else lo = mid + 1;
  }
  return b.starts[lo]! + (amount - cum[lo]!);
}

function noWorkingTime(cal: CompiledCalendar): Error {
  return new RangeError(`Calendar in ${cal.calendar.timeZone} has no working time within ${MAX_EMPTY_BLOCKS} weeks`);
}

/**
 * The instant at which `durationMs` of business time has passed since
 * `start`: the earliest instant t with businessDurationBetween(start, t) =
 * durationMs. A deadline that lands on the end of a working interval is that
 * end (17:00, not 09:00 the next working day). Zero returns `start`.
 */
export function addBusinessDuration(calendar: CalendarLike, start: number, durationMs: number): number {
  checkInstant('start', start);
  if (!Number.isSafeInteger(durationMs) || durationMs < 0) throw new RangeError(`durationMs must be a non-negative integer (got ${durationMs})`);
  const cal = compileCalendar(calendar);
  if (cal.is24x7 || durationMs === 0) return start + durationMs;
  let k = Math.floor(start / BLOCK_MS);
  let b = cal.block(k);
  let remaining = durationMs;
  const before = positionInBlock(b, start);
  if (before + remaining <= b.total) return instantInBlock(b, before + remaining);
  remaining -= b.total - before;
  let empty = 0;
  for (;;) {
    b = cal.block(++k);
    if (remaining <= b.total) return instantInBlock(b, remaining);
    remaining -= b.total; // skips a whole week at once
    empty = b.total === 0 ? empty + 1 : 0;
    if (empty > MAX_EMPTY_BLOCKS) throw noWorkingTime(cal);
  }
}

/**
 * Business time in [from, to), in ms. Negative when `to` is before `from`
 * (the same amount with the opposite sign).
 */
export function businessDurationBetween(calendar: CalendarLike, from: number, to: number): number {
  checkInstant('from', from);
  checkInstant('to', to);
  if (to < from) return -businessDurationBetween(calendar, to, from);
  const cal = compileCalendar(calendar);
  if (cal.is24x7) return to - from;
  const ka = Math.floor(from / BLOCK_MS);
  const kb = Math.floor(to / BLOCK_MS);
  const a = cal.block(ka);
  if (ka === kb) return positionInBlock(a, to) - positionInBlock(a, from);
  let sum = a.total - positionInBlock(a, from);
  for (let k = ka + 1; k < kb; k++) sum += cal.block(k).total;
  return sum + positionInBlock(cal.block(kb), to);
}

/** `at` itself when it lies inside working time, else the start of the next working interval. */
export function nextWorkingInstant(calendar: CalendarLike, at: number): number {
  checkInstant('at', at);
  const cal = compileCalendar(calendar);
  if (cal.is24x7) return at;
  let k = Math.floor(at / BLOCK_MS);
  let b = cal.block(k);
  const i = lastStartAtOrBefore(b, at);
  if (i >= 0 && at < b.ends[i]!) return at;
  if (i + 1 < b.starts.length) return b.starts[i + 1]!;
  for (let empty = 0; empty <= MAX_EMPTY_BLOCKS; empty++) {
    b = cal.block(++k);
    if (b.starts.length > 0) return b.starts[0]!;
  }
  throw noWorkingTime(cal);
}

/** Whether `at` lies inside working time (always true for a 24x7 calendar). */
export function isWorkingInstant(calendar: CalendarLike, at: number): boolean {
  return nextWorkingInstant(calendar, at) === at;
}
