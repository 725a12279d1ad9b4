import {
  addBusinessDuration,
  businessDurationBetween,
  Calendar,
  calendar24x7,
  compileCalendar,
  formatInstant,
  formatLocal,
  isWorkingInstant,
  nextWorkingInstant,
  parseInstant,
} from '../src';
import { everyDay, H, MIN, prng, weekdays } from './fixtures';

const at = parseInstant;
const ukOffice = weekdays('Europe/London');

describe('C01: deadlines for tickets created outside business hours (UK-Office, TTR 4 bh)', () => {
  it.each([
    ['T1 created Fri 16:30 with 30 min left in the day', '2025-06-13T16:30+01:00', '2025-06-16T11:30:00.000Z', '2025-06-16T12:30:00+01:00'],
    ['T2 created on Saturday', '2025-06-14T10:00+01:00', '2025-06-16T12:00:00.000Z', '2025-06-16T13:00:00+01:00'],
    ['T3 created on Tuesday evening', '2025-06-17T20:00+01:00', '2025-06-18T12:00:00.000Z', '2025-06-18T13:00:00+01:00'],
    ['T4 created on Wednesday before opening', '2025-06-18T07:45+01:00', '2025-06-18T12:00:00.000Z', '2025-06-18T13:00:00+01:00'],
  ])('%s is due %s', (_name, created, dueUtc, dueLocal) => {
    const due = addBusinessDuration(ukOffice, at(created), 4 * H);
    expect(formatInstant(due)).toBe(dueUtc);
    expect(formatLocal(due, 'Europe/London')).toBe(dueLocal);
  });

  it.each([
    ['T2 resolved Monday 10:15 after a weekend creation', '2025-06-14T10:00+01:00', '2025-06-16T10:15+01:00', 4500_000],
    ['a ticket created and resolved within one evening', '2025-06-17T18:00+01:00', '2025-06-17T23:00+01:00', 0],
    ['a ticket spanning a whole working week', '2025-06-16T09:00+01:00', '2025-06-23T09:00+01:00', 40 * H],
  ])('measures %s as %d ms of business time', (_name, from, to, ms) => {
    expect(businessDurationBetween(ukOffice, at(from), at(to))).toBe(ms);
  });

  it.each([
    ['Saturday morning', '2025-06-14T10:00+01:00', '2025-06-16T09:00+01:00'],
    ['Friday 17:00 (end is exclusive)', '2025-06-13T17:00+01:00', '2025-06-16T09:00+01:00'],
    ['Monday 09:00 (start is inclusive)', '2025-06-16T09:00+01:00', '2025-06-16T09:00+01:00'],
    ['Wednesday 07:45', '2025-06-18T07:45+01:00', '2025-06-18T09:00+01:00'],
  ])('starts counting at the next working minute when opened on %s', (_name, t, expected) => {
    expect(nextWorkingInstant(ukOffice, at(t))).toBe(at(expected));
  });
});

describe('C02: holidays and uneven working days', () => {
  const berlin = (holidays: string[]) => weekdays('Europe/Berlin', '09:00', '17:00', holidays);
  const uneven: Calendar = {
    timeZone: 'UTC',
    mode: 'business',
    week: { mon: [{ start: '09:00', end: '17:00' }], tue: [{ start: '09:00', end: '16:00' }], thu: [{ start: '08:00', end: '17:00' }] },
    holidays: [],
  };

  it.each([
    ['A: skips the configured holidays 25 and 26 December', berlin(['2025-12-25', '2025-12-26']), '2025-12-24T15:00+01:00', 16, '2025-12-30T14:00:00.000Z'],
    ['A: counts 24 December, which is not a holiday', berlin(['2025-12-25', '2025-12-26']), '2025-12-24T09:00+01:00', 8, '2025-12-24T16:00:00.000Z'],
    ['skips only the holidays configured (one of two)', berlin(['2025-12-25']), '2025-12-24T15:00+01:00', 16, '2025-12-29T14:00:00.000Z'],
    ['skips no day when no holiday is configured', berlin([]), '2025-12-24T15:00+01:00', 16, '2025-12-26T14:00:00.000Z'],
    ['C: uses a different window on each weekday and skips Wednesday', uneven, '2025-06-02T11:00Z', 16, '2025-06-05T11:00:00.000Z'],
  ])('%s', (_name, cal, start, bh, due) => {
    expect(formatInstant(addBusinessDuration(cal, at(start), bh * H))).toBe(due);
    expect(businessDurationBetween(cal, at(start), at(due))).toBe(bh * H);
  });

  it.each([
    ['Monday', '2025-06-02T00:00Z', '2025-06-03T00:00Z', 8],
    ['Tuesday', '2025-06-03T00:00Z', '2025-06-04T00:00Z', 7],
    ['Wednesday', '2025-06-04T00:00Z', '2025-06-05T00:00Z', 0],
    ['Thursday', '2025-06-05T00:00Z', '2025-06-06T00:00Z', 9],
    ['the weekend', '2025-06-06T00:00Z', '2025-06-09T00:00Z', 0],
  ])('C: %s gives %d bh', (_name, from, to, bh) => {
    expect(businessDurationBetween(uneven, at(from), at(to))).toBe(bh * H);
  });
});

describe('holidays', () => {
  const cal = weekdays('Europe/London', '09:00', '17:00', ['2025-12-25', '2025-12-26', '2026-01-01', '2025-12-27']);

  it.each([
    ['the next working minute after Christmas Eve is Monday 29 December', () => nextWorkingInstant(cal, at('2025-12-24T17:00Z')), '2025-12-29T09:00:00.000Z'],
    ['a deadline over New Year skips 1 January', () => addBusinessDuration(cal, at('2025-12-31T16:00Z'), 2 * H), '2026-01-02T10:00:00.000Z'],
    ['a holiday on a Saturday changes nothing', () => addBusinessDuration(cal, at('2025-12-24T16:00Z'), H), '2025-12-24T17:00:00.000Z'],
  ])('%s', (_name, compute, expected) => {
    expect(formatInstant(compute())).toBe(expected);
  });

  it('measures no business time on a holiday', () => {
    expect(businessDurationBetween(cal, at('2025-12-25T00:00Z'), at('2025-12-27T00:00Z'))).toBe(0);
  });
});

describe('daylight-saving switches in Europe/London (spring forward 2025-03-30, fall back 2025-10-26)', () => {
  const day = everyDay('Europe/London', '09:00', '17:00');
  const night = everyDay('Europe/London', '00:00', '03:00');
  const skipped: Calendar = { timeZone: 'Europe/London', mode: 'business', week: { sun: [{ start: '01:15', end: '01:45' }] }, holidays: [] };
  const repeated: Calendar = { timeZone: 'Europe/London', mode: 'business', week: { sun: [{ start: '01:00', end: '02:00' }] }, holidays: [] };
  const allDay = everyDay('Europe/London', '00:00', '24:00');

  it.each([
    ['09:00–17:00 is 8 real hours on the spring-forward Sunday', day, '2025-03-30T00:00Z', '2025-03-31T00:00Z', 8 * H],
    ['09:00–17:00 is 8 real hours on the fall-back Sunday', day, '2025-10-26T00:00Z', '2025-10-27T00:00Z', 8 * H],
    ['00:00–03:00 loses the skipped hour on the spring-forward Sunday (2 h)', night, '2025-03-29T12:00Z', '2025-03-30T12:00Z', 2 * H],
    ['00:00–03:00 counts the repeated hour twice on the fall-back Sunday (4 h)', night, '2025-10-25T12:00Z', '2025-10-26T12:00Z', 4 * H],
    ['00:00–03:00 is 3 h on an ordinary Sunday', night, '2025-06-14T12:00Z', '2025-06-15T12:00Z', 3 * H],
    ['an interval inside the skipped hour counts nothing', skipped, '2025-03-29T00:00Z', '2025-03-31T00:00Z', 0],
    ['an interval inside the repeated hour counts both occurrences', repeated, '2025-10-25T12:00Z', '2025-10-26T12:00Z', 2 * H],
    ['00:00–24:00 on the spring-forward Sunday is 23 real hours', allDay, '2025-03-30T00:00Z', '2025-03-30T23:00Z', 23 * H],
    ['00:00–24:00 on the fall-back Sunday is 25 real hours', allDay, '2025-10-25T23:00Z', '2025-10-27T00:00Z', 25 * H],
    ['00:00–24:00 every day equals real time across the switch', allDay, '2025-03-29T00:00Z', '2025-04-01T00:00Z', 72 * H],
  ])('%s', (_name, cal, from, to, ms) => {
    expect(businessDurationBetween(cal, at(from), at(to))).toBe(ms);
  });

  it.each([
    ['a 09–17 deadline over the spring-forward weekend lands at local 10:00 BST', day, '2025-03-29T16:00Z', 2 * H, '2025-03-30T10:00+01:00'],
    ['a 09–17 deadline over the fall-back weekend lands at local 10:00 GMT', day, '2025-10-25T15:00Z', 2 * H, '2025-10-26T10:00Z'],
    ['00:00–03:00 jumps from 01:00 GMT to 02:00 BST', night, '2025-03-30T00:00Z', 90 * MIN, '2025-03-30T02:30+01:00'],
    ['00:00–03:00 runs through both 01:00 hours on fall-back night', night, '2025-10-25T23:00Z', 150 * MIN, '2025-10-26T01:30Z'],
    ['a repeated-hour interval ends after its second occurrence', repeated, '2025-10-26T00:00Z', 2 * H, '2025-10-26T02:00Z'],
  ])('%s', (_name, cal, start, ms, expected) => {
    expect(addBusinessDuration(cal, at(start), ms)).toBe(at(expected));
  });

  it.each([
    ['a skipped-hour interval is first worked the Sunday after the switch', skipped, '2025-03-29T12:00Z', '2025-04-06T01:15+01:00'],
    ['a repeated-hour interval starts at its first occurrence', repeated, '2025-10-25T12:00Z', '2025-10-26T01:00+01:00'],
  ])('%s', (_name, cal, t, expected) => {
    expect(nextWorkingInstant(cal, at(t))).toBe(at(expected));
  });

  it.each([
    ['24 h across spring forward are 24 real hours', '2025-03-29T12:00Z', 24 * H, '2025-03-30T13:00+01:00'],
    ['24 h across fall back are 24 real hours', '2025-10-25T12:00+01:00', 24 * H, '2025-10-26T11:00Z'],
  ])('24x7: %s', (_name, start, ms, expected) => {
    const cal = calendar24x7('Europe/London');
    const due = addBusinessDuration(cal, at(start), ms);
    expect(due).toBe(at(expected));
    expect(businessDurationBetween(cal, at(start), due)).toBe(ms);
  });

  it('24x7: local noon to local noon across fall back measures 25 real hours', () => {
    expect(businessDurationBetween(calendar24x7('Europe/London'), at('2025-10-25T12:00+01:00'), at('2025-10-26T12:00Z'))).toBe(25 * H);
  });
});

describe('daylight-saving switches at local midnight (America/Santiago 2019)', () => {
  const weekend: Calendar = { timeZone: 'America/Santiago', mode: 'business', week: { sat: [{ start: '22:00', end: '24:00' }], sun: [{ start: '00:00', end: '02:30' }] }, holidays: [] };

  it.each([
    ['Saturday 23:00–24:00 occurs twice when midnight falls back to 23:00 (2 h + 1 h + 2.5 h)', '2019-04-06T12:00Z', '2019-04-07T12:00Z', 5.5 * H],
    ['Sunday 00:00–01:00 does not exist when midnight springs to 01:00 (2 h + 1.5 h)', '2019-09-07T12:00Z', '2019-09-08T12:00Z', 3.5 * H],
  ])('%s', (_name, from, to, ms) => {
    expect(businessDurationBetween(weekend, at(from), at(to))).toBe(ms);
  });

  it('continues from Saturday 24:00 straight to Sunday 01:00 on the spring-forward night', () => {
    expect(addBusinessDuration(weekend, at('2019-09-07T22:00-04:00'), 2 * H + MIN)).toBe(at('2019-09-08T01:01-03:00'));
  });
});

describe('days worked around the clock (00:00–24:00)', () => {
  const wednesdays: Calendar = { timeZone: 'UTC', mode: 'business', week: { wed: [{ start: '00:00', end: '24:00' }] }, holidays: [] };

  it.each([
    ['adds a full day and continues on the next Wednesday', '2025-06-03T12:00Z', 30 * H, '2025-06-11T06:00:00.000Z'],
    ['ends a full day at midnight, not on the next Wednesday', '2025-06-04T00:00Z', 24 * H, '2025-06-05T00:00:00.000Z'],
    ['adds across several weeks at once', '2025-06-04T00:00Z', 10 * 24 * H, '2025-08-07T00:00:00.000Z'],
  ])('%s', (_name, start, ms, expected) => {
    expect(formatInstant(addBusinessDuration(wednesdays, at(start), ms))).toBe(expected);
  });

  it('treats Wednesday 23:59 as working and Thursday 00:00 as not', () => {
    expect(isWorkingInstant(wednesdays, at('2025-06-04T23:59Z'))).toBe(true);
    expect(isWorkingInstant(wednesdays, at('2025-06-05T00:00Z'))).toBe(false);
  });
});

describe('arithmetic properties', () => {
  const withHolidays = weekdays('Europe/London', '09:00', '17:00', ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26', '2026-01-01']);
  const split: Calendar = {
    timeZone: 'America/New_York',
    mode: 'business',
    week: { mon: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:30' }], wed: [{ start: '00:00', end: '02:30' }], sat: [{ start: '22:00', end: '24:00' }], sun: [{ start: '00:00', end: '03:00' }] },
    holidays: ['2025-07-04'],
  };
  const cases: [string, Calendar][] = [
    ['UK office with holidays', withHolidays],
    ['London nights 00:00–03:00 (DST-sensitive)', everyDay('Europe/London', '00:00', '03:00')],
    ['New York split shifts with a night across midnight', split],
    ['Sydney office (southern-hemisphere DST)', weekdays('Australia/Sydney')],
    ['24x7', calendar24x7('Europe/London')],
  ];

  it.each(cases)('%s: measuring the span of an added duration gives the duration back (seeded random starts)', (_name, cal) => {
    const compiled = compileCalendar(cal);
    const random = prng(20250330);
    const from = Date.UTC(2024, 0, 1);
    const span = Date.UTC(2027, 0, 1) - from;
    for (let n = 0; n < 3000; n++) {
      const start = from + Math.floor(random() * span);
      const d = Math.floor(random() * 300 * H);
      const due = addBusinessDuration(compiled, start, d);
      expect(businessDurationBetween(compiled, start, due)).toBe(d);
      if (d > 0) expect(businessDurationBetween(compiled, start, due - 1)).toBeLessThan(d); // earliest such instant
    }
  });

  it.each(cases)('%s: business time is additive over adjacent spans', (_name, cal) => {
    const compiled = compileCalendar(cal);
    const random = prng(7);
    for (let n = 0; n < 1000; n++) {
      const a = Date.UTC(2025, 0, 1) + Math.floor(random() * 400 * 24 * H);
      const b = a + Math.floor(random() * 20 * 24 * H);
      const c = b + Math.floor(random() * 20 * 24 * H);
      expect(businessDurationBetween(compiled, a, b) + businessDurationBetween(compiled, b, c)).toBe(businessDurationBetween(compiled, a, c));
      expect(businessDurationBetween(compiled, c, a)).toBe(-businessDurationBetween(compiled, a, c));
    }
  });

  it('does not drift when a deadline is built from many small steps', () => {
    let t = at('2025-03-28T10:17:23.456Z');
    const start = t;
    for (let i = 0; i < 1000; i++) t = addBusinessDuration(withHolidays, t, 7 * MIN);
    expect(t).toBe(addBusinessDuration(withHolidays, start, 7000 * MIN));
  });

  it('gives the same answers for a plain and a compiled calendar', () => {
    const compiled = compileCalendar(withHolidays);
    const start = at('2025-12-23T14:00Z');
    expect(addBusinessDuration(withHolidays, start, 20 * H)).toBe(addBusinessDuration(compiled, start, 20 * H));
    expect(businessDurationBetween(withHolidays, start, start + 30 * 24 * H)).toBe(businessDurationBetween(compiled, start, start + 30 * 24 * H));
  });

  it('adds zero business time as the start instant itself, even outside working hours', () => {
    expect(addBusinessDuration(ukOffice, at('2025-06-14T10:00Z'), 0)).toBe(at('2025-06-14T10:00Z'));
  });

  it.each([
    ['a negative duration', () => addBusinessDuration(ukOffice, 0, -1)],
    ['a fractional duration', () => addBusinessDuration(ukOffice, 0, 1.5)],
    ['a non-finite instant', () => businessDurationBetween(ukOffice, 0, Number.NaN)],
  ])('rejects %s', (_name, call) => {
    expect(call).toThrow(RangeError);
  });
});

describe('ISO helpers', () => {
  it.each([
    ['2025-06-13T16:30+01:00', Date.UTC(2025, 5, 13, 15, 30)],
    ['2025-06-13T15:30Z', Date.UTC(2025, 5, 13, 15, 30)],
    ['2025-06-13T15:30:00.250Z', Date.UTC(2025, 5, 13, 15, 30, 0, 250)],
  ])('parses %s', (iso, ms) => {
    expect(parseInstant(iso)).toBe(ms);
  });

  it.each(['2025-06-13T16:30', '2025-06-13', 'yesterday', '2025-02-30T10:00Z'])('rejects %s (no offset or not a date-time)', (iso) => {
    expect(() => parseInstant(iso)).toThrow(RangeError);
  });
});
