import type { Calendar, WorkingInterval } from '../src';

export const MIN = 60_000;
export const H = 3_600_000;

export function hours(start: string, end: string): WorkingInterval[] {
  return [{ start, end }];
}

/** Mon–Fri with the same hours. */
export function weekdays(timeZone: string, start = '09:00', end = '17:00', holidays: string[] = []): Calendar {
  const day = hours(start, end);
  return { timeZone, mode: 'business', week: { mon: day, tue: day, wed: day, thu: day, fri: day }, holidays };
}

/** Every day of the week with the same hours. */
export function everyDay(timeZone: string, start: string, end: string): Calendar {
  const day = hours(start, end);
  return { timeZone, mode: 'business', week: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day }, holidays: [] };
}

/** Seeded PRNG (mulberry32): the same sequence on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
