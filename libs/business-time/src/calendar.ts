/**
 * Working calendars as plain JSON, and their validation.
 *
 * A calendar names an IANA time zone, working intervals per weekday in local
 * wall-clock time (half-open: `09:00–17:00` includes 09:00 and excludes 17:00)
 * and holidays (local dates without any work). A `24x7` calendar counts real
 * elapsed time; its week and holidays are ignored.
 */
import { IANAZone } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WorkingInterval {
  /** Local wall-clock time `HH:mm`, inclusive. */
  start: string;
  /** Local wall-clock time `HH:mm` or `24:00`, exclusive. */
  end: string;
}

/** Working intervals per weekday; a missing or empty day has no work. */
export type WeekSchedule = Partial<Record<Weekday, WorkingInterval[]>>;

export type CalendarMode = 'business' | '24x7';

export interface Calendar {
  timeZone: string;
  mode: CalendarMode;
  week: WeekSchedule;
  /** Local dates `YYYY-MM-DD` without work. */
  holidays?: string[];
}

/** Same shape as `FieldIssue` in @itsm/core, so services can wrap it in a ValidationError. */
export interface CalendarIssue {
  field: string;
  message: string;
}

export class InvalidCalendarError extends Error {
  constructor(readonly issues: CalendarIssue[]) {
    super(`Invalid calendar: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidCalendarError';
  }
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
export const MINUTES_PER_DAY = 24 * 60;

/** Minutes since local midnight of `HH:mm`; `24:00` only when `allowEndOfDay`. Undefined when malformed. */
export function parseClockTime(value: unknown, allowEndOfDay: boolean): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (value === '24:00') return allowEndOfDay ? MINUTES_PER_DAY : undefined;
  const m = TIME.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Days since 1970-01-01 of a calendar date `YYYY-MM-DD`; undefined when it is not a real date. */
export function parseLocalDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return undefined;
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return ms / 86_400_000;
}

export function isValidTimeZone(zone: unknown): zone is string {
  // IANAZone.create memoises zones (and their validity) by name; isValidZone alone builds a formatter per call
  return typeof zone === 'string' && zone.length > 0 && IANAZone.create(zone).isValid;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateDay(day: Weekday, value: unknown, issues: CalendarIssue[]): number {
  const field = `week.${day}`;
  if (value === undefined) return 0;
  if (!Array.isArray(value)) {
    issues.push({ field, message: 'must be a list of {start, end} intervals' });
    return 0;
  }
  const parsed: { start: number; end: number; index: number }[] = [];
  value.forEach((iv: unknown, index) => {
    const f = `${field}.${index}`;
    if (!isObject(iv)) {
      issues.push({ field: f, message: 'must be an object {start: "HH:mm", end: "HH:mm"}' });
      return;
    }
    const start = parseClockTime(iv.start, false);
    const end = parseClockTime(iv.end, true);
    if (start === undefined) issues.push({ field: `${f}.start`, message: 'must be a local time HH:mm from 00:00 to 23:59' });
    if (end === undefined) issues.push({ field: `${f}.end`, message: 'must be a local time HH:mm from 00:01 to 24:00' });
    if (start === undefined || end === undefined) return;
    if (end <= start) {
      issues.push({ field: f, message: `end ${String(iv.end)} must be after start ${String(iv.start)} (intervals are half-open and within one day)` });
      return;
    }
    parsed.push({ start, end, index });
  });
  parsed.sort((a, b) => a.start - b.start || a.end - b.end);
  let total = 0;
  for (let i = 0; i < parsed.length; i++) {
    const cur = parsed[i]!;
    const prev = parsed[i - 1];
    if (prev && cur.start < prev.end) {
      issues.push({ field: `${field}.${cur.index}`, message: `overlaps interval ${prev.index} of the same day` });
    }
    total += cur.end - cur.start;
  }
  return total;
}

/**
 * Checks a calendar and returns its issues (empty when valid): unknown or
 * missing time zone, bad mode, malformed, inverted, empty or overlapping
 * intervals, unknown weekdays, bad holiday dates, and a business calendar
 * without any working time (it could never reach a deadline).
 */
export function validateCalendar(input: unknown): CalendarIssue[] {
  const issues: CalendarIssue[] = [];
  if (!isObject(input)) return [{ field: '', message: 'a calendar must be an object' }];
  if (!isValidTimeZone(input.timeZone)) {
    issues.push({ field: 'timeZone', message: `must be an IANA time zone such as Europe/London (got ${JSON.stringify(input.timeZone)})` });
  }
  if (input.mode !== 'business' && input.mode !== '24x7') {
    issues.push({ field: 'mode', message: 'must be "business" or "24x7"' });
  }
  let weeklyMinutes = 0;
  if (input.week === undefined && input.mode === '24x7') {
    // a 24x7 calendar needs no week
  } else if (!isObject(input.week)) {
    issues.push({ field: 'week', message: 'must be an object with keys mon..sun, each a list of intervals' });
  } else {
    for (const key of Object.keys(input.week)) {
      if (!(WEEKDAYS as readonly string[]).includes(key)) issues.push({ field: `week.${key}`, message: 'is not a weekday (use mon, tue, wed, thu, fri, sat, sun)' });
    }
    for (const day of WEEKDAYS) weeklyMinutes += validateDay(day, input.week[day], issues);
  }
  if (input.holidays !== undefined) {
    if (!Array.isArray(input.holidays)) {
      issues.push({ field: 'holidays', message: 'must be a list of dates YYYY-MM-DD' });
    } else {
      input.holidays.forEach((h: unknown, i) => {
        if (parseLocalDate(h) === undefined) issues.push({ field: `holidays.${i}`, message: `must be a real date YYYY-MM-DD (got ${JSON.stringify(h)})` });
      });
    }
  }
  if (input.mode === 'business' && weeklyMinutes === 0 && !issues.some((i) => i.field.startsWith('week'))) {
    issues.push({ field: 'week', message: 'a business calendar needs working time on at least one weekday' });
  }
  return issues;
}

/** Throws InvalidCalendarError when `validateCalendar` finds issues. */
export function assertValidCalendar(input: unknown): asserts input is Calendar {
  const issues = validateCalendar(input);
  if (issues.length) throw new InvalidCalendarError(issues);
}

/** A 24x7 calendar (real elapsed time). The zone only matters for displaying local times. */
export function calendar24x7(timeZone = 'UTC'): Calendar {
  return { timeZone, mode: '24x7', week: {}, holidays: [] };
}
