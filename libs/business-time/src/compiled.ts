/**
 * A calendar compiled for fast arithmetic: working time is materialised, on
 * demand, as sorted UTC intervals per 7-day block of UTC time, with prefix
 * sums of business milliseconds. Blocks are memoised inside the compiled
 * object (never in module state), so results do not depend on what was
 * computed before.
 *
 * DST rule: a working interval covers exactly the real instants at which the
 * zone's wall clock shows a time inside it on that local date. So a working
 * time that falls in a skipped hour (spring forward) does not exist and
 * counts nothing, and a working time that occurs twice (fall back) counts
 * both times. `09:00–17:00` is always 8 real hours in zones that switch at
 * night; `00:00–03:00` in Europe/London is 2 real hours on 2025-03-30 and
 * 4 real hours on 2025-10-26.
 */
import { IANAZone } from 'luxon';
import { assertValidCalendar, Calendar, parseClockTime, parseLocalDate, WEEKDAYS } from './calendar';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Span of one memoised block of UTC time. */
export const BLOCK_MS = 7 * DAY_MS;
/** Offsets stay within UTC−12 … UTC+14; a margin of 15 h covers every zone. */
const OFFSET_MARGIN_MS = 15 * HOUR_MS;
/** Memo bound; cleared (not evicted piecemeal) when reached, which never changes results. */
const MAX_BLOCKS = 8192;
/** A run of this many blocks (about 38 years) without any working time ends a search. */
export const MAX_EMPTY_BLOCKS = 2000;

/** Sorted, disjoint working intervals of one block, in UTC ms, with prefix sums. */
export interface Block {
  readonly starts: number[];
  readonly ends: number[];
  /** cum[i]: business ms in this block before starts[i]; cum[n] = total. */
  readonly cum: number[];
  readonly total: number;
}

interface OffsetSegment {
  from: number;
  to: number;
  offset: number;
}

export class CompiledCalendar {
  readonly kind = 'compiled-calendar' as const;
  readonly calendar: Calendar;
  readonly is24x7: boolean;
  /** Working minutes per ISO weekday (index 1 = Monday … 7 = Sunday) as [start, end) pairs. */
  private readonly week: number[][][];
  private readonly holidays: ReadonlySet<number>;
  private readonly offsetAt: (utc: number) => number;
  private readonly blocks = new Map<number, Block>();

  constructor(calendar: Calendar) {
    assertValidCalendar(calendar);
    this.calendar = calendar;
    this.is24x7 = calendar.mode === '24x7';
    this.week = [[]];
    for (const day of WEEKDAYS) {
      const ivs = (calendar.week?.[day] ?? []).map((iv) => [parseClockTime(iv.start, false)!, parseClockTime(iv.end, true)!]);
      ivs.sort((a, b) => a[0]! - b[0]!);
      this.week.push(ivs);
    }
    this.holidays = new Set((calendar.holidays ?? []).map((h) => parseLocalDate(h)!));
    if (calendar.timeZone === 'UTC' || calendar.timeZone === 'Etc/UTC') {
      this.offsetAt = () => 0;
    } else {
      const zone = IANAZone.create(calendar.timeZone);
      this.offsetAt = (utc) => Math.round(zone.offset(utc) * MINUTE_MS);
    }
  }

  /** Offset of the zone at a UTC instant, in ms (local = utc + offset). */
  offsetMs(utc: number): number {
    return this.offsetAt(utc);
  }

  /** @internal Working intervals of UTC block `k` = [k·BLOCK_MS, (k+1)·BLOCK_MS). */
  block(k: number): Block {
    let b = this.blocks.get(k);
    if (b === undefined) {
      if (this.blocks.size >= MAX_BLOCKS) this.blocks.clear();
      b = this.buildBlock(k);
      this.blocks.set(k, b);
    }
    return b;
  }

  private buildBlock(k: number): Block {
    const from = k * BLOCK_MS;
    const to = from + BLOCK_MS;
    const pieces: [number, number][] = [];
    const firstDay = Math.floor(from / DAY_MS) - 1;
    const lastDay = Math.floor(to / DAY_MS) + 1;
    // one offset lookup at each end of the window unless a transition falls inside it
    const segments: OffsetSegment[] = [];
    this.offsetSegments(firstDay * DAY_MS - OFFSET_MARGIN_MS, (lastDay + 1) * DAY_MS + OFFSET_MARGIN_MS, segments);
    for (let day = firstDay; day <= lastDay; day++) this.dayPieces(day, segments, from, to, pieces);
    pieces.sort((a, b) => a[0] - b[0]);
    const starts: number[] = [];
    const ends: number[] = [];
    for (const [s, e] of pieces) {
      const n = ends.length;
      if (n > 0 && s <= ends[n - 1]!) {
        if (e > ends[n - 1]!) ends[n - 1] = e;
      } else {
        starts.push(s);
        ends.push(e);
      }
    }
    const cum = [0];
    for (let i = 0; i < starts.length; i++) cum.push(cum[i]! + ends[i]! - starts[i]!);
    return { starts, ends, cum, total: cum[starts.length]! };
  }

  /** UTC pieces of the working intervals of local date `day` (days since 1970-01-01), clipped to [from, to); `segments` cover the day ± 15 h. */
  private dayPieces(day: number, segments: OffsetSegment[], from: number, to: number, out: [number, number][]): void {
    const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
    const intervals = this.week[weekday]!;
    if (intervals.length === 0 || this.holidays.has(day)) return;
    const midnight = day * DAY_MS; // local midnight, written as if it were UTC
    for (const [startMin, endMin] of intervals) {
      const localStart = midnight + startMin! * MINUTE_MS;
      const localEnd = midnight + endMin! * MINUTE_MS;
      for (const seg of segments) {
        // instants u of this segment whose wall time u + offset lies in [localStart, localEnd)
        const s = Math.max(seg.from, localStart - seg.offset, from);
        const e = Math.min(seg.to, localEnd - seg.offset, to);
        if (s < e) out.push([s, e]);
      }
    }
  }

  /** Splits [from, to) into runs of constant offset (finds each transition to the millisecond). */
  private offsetSegments(from: number, to: number, out: OffsetSegment[]): void {
    const first = this.offsetAt(from);
    const last = this.offsetAt(to - 1);
    if (first === last) {
      out.push({ from, to, offset: first });
      return;
    }
    let lo = from; // offsetAt(lo) === first
    let hi = to - 1; // offsetAt(hi) !== first
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAt(mid) === first) lo = mid;
      else hi = mid;
    }
    out.push({ from, to: hi, offset: first });
    this.offsetSegments(hi, to, out);
  }
}

export type CalendarLike = Calendar | CompiledCalendar;

/**
 * Validates and compiles a calendar (throws InvalidCalendarError). Compile
 * once and reuse the result when computing many deadlines: the compiled
 * object memoises working intervals. A compiled calendar passes through.
 */
export function compileCalendar(calendar: CalendarLike): CompiledCalendar {
  return isCompiledCalendar(calendar) ? calendar : new CompiledCalendar(calendar);
}

export function isCompiledCalendar(value: unknown): value is CompiledCalendar {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'compiled-calendar';
}
