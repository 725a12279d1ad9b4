/**
 * Benchmark: deadlines and business durations per second for a realistic mix.
 * Build with `npx tsc -b libs/business-time`, then run
 * `node libs/business-time/dist/bench/deadlines.js [count]`.
 */
import { addBusinessDuration, businessDurationBetween, nextWorkingInstant } from '../arithmetic';
import { Calendar } from '../calendar';
import { compileCalendar } from '../compiled';
import { computeSlaClock } from '../sla-clock';
import type { SlaDefinition, TimelineEvent } from '../sla-types';

const H = 3_600_000;
const day = [{ start: '09:00', end: '17:00' }];
const ukOffice: Calendar = {
  timeZone: 'Europe/London',
  mode: 'business',
  week: { mon: day, tue: day, wed: day, thu: day, fri: day },
  holidays: [
    ...['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26'],
    ...['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28'],
    ...['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28'],
  ],
};
/** 1 h … 5 business days. */
const targets = [1, 2, 4, 8, 16, 24, 40].map((h) => h * H);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomStarts(n: number): Float64Array {
  const random = prng(1);
  const from = Date.UTC(2025, 0, 1);
  const minutes = (Date.UTC(2027, 0, 1) - from) / 60_000;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = from + Math.floor(random() * minutes) * 60_000;
  return out;
}

function measure(label: string, n: number, run: (i: number) => number): void {
  let checksum = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) checksum = (checksum + run(i)) % 1_000_003;
  const seconds = (performance.now() - t0) / 1000;
  const rate = Math.round(n / seconds);
  console.log(`${label.padEnd(58)} ${String(n).padStart(9)} in ${seconds.toFixed(3)} s = ${rate.toLocaleString('en-GB').padStart(12)} /s  (checksum ${checksum})`);
}

function main(): void {
  const n = Number(process.argv[2] ?? 1_000_000);
  const starts = randomStarts(n);
  const cal = compileCalendar(ukOffice);
  console.log(`Europe/London Mon–Fri 09:00–17:00 with ${ukOffice.holidays!.length} holidays, starts across 2025–2026, targets 1 h … 5 business days`);
  measure('addBusinessDuration (compiled calendar)', n, (i) => addBusinessDuration(cal, starts[i]!, targets[i % targets.length]!));
  measure('businessDurationBetween, spans up to 14 days (compiled)', n, (i) => businessDurationBetween(cal, starts[i]!, starts[i]! + ((i * 7919) % (14 * 24)) * H));
  measure('nextWorkingInstant (compiled)', n, (i) => nextWorkingInstant(cal, starts[i]!));
  const m = Math.min(n, 20_000);
  measure('addBusinessDuration (plain calendar, compiled per call)', m, (i) => addBusinessDuration(ukOffice, starts[i]!, targets[i % targets.length]!));

  const def: SlaDefinition = { id: 'ttr', target: 'resolution', durationsByPriority: { '1': 4 * H, '2': 8 * H, '3': 16 * H }, pauseStates: ['On Hold'] };
  const k = Math.min(n, 200_000);
  measure('computeSlaClock, 6-event timeline (compiled)', k, (i) => {
    const t = starts[i]!;
    const timeline: TimelineEvent[] = [
      { at: t, kind: 'opened', priority: String(1 + (i % 3)), state: 'Open' },
      { at: t + 2 * H, kind: 'state', state: 'On Hold' },
      { at: t + 20 * H, kind: 'state', state: 'Open' },
      { at: t + 22 * H, kind: 'priority', priority: '2' },
      { at: t + 30 * H, kind: 'resolved' },
      { at: t + 50 * H, kind: 'reopened', state: 'Open' },
    ];
    const c = computeSlaClock({ timeline, definition: def, calendar: cal, asOf: t + 60 * H });
    return c.dueAt ?? 0;
  });
}

main();
