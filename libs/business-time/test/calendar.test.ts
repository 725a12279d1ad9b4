import { addBusinessDuration, Calendar, calendar24x7, compileCalendar, InvalidCalendarError, validateCalendar } from '../src';
import { weekdays } from './fixtures';

const base = (patch: Partial<Calendar> & Record<string, unknown>): unknown => ({ ...weekdays('Europe/London'), ...patch });

describe('calendar validation', () => {
  it.each([
    ['a Mon–Fri office calendar', weekdays('Europe/London')],
    ['a calendar with a day worked 00:00–24:00', { timeZone: 'UTC', mode: 'business', week: { sun: [{ start: '00:00', end: '24:00' }] } }],
    ['touching intervals on one day', { timeZone: 'UTC', mode: 'business', week: { mon: [{ start: '09:00', end: '12:00' }, { start: '12:00', end: '17:00' }] } }],
    ['a 24x7 calendar without a week', { timeZone: 'Europe/Berlin', mode: '24x7' }],
    ['a 24x7 calendar from the helper', calendar24x7('America/New_York')],
  ])('accepts %s', (_name, cal) => {
    expect(validateCalendar(cal)).toEqual([]);
  });

  it.each([
    ['an unknown time zone', base({ timeZone: 'Europe/Atlantis' }), ['timeZone']],
    ['a missing time zone', base({ timeZone: undefined as unknown as string }), ['timeZone']],
    ['an unknown mode', base({ mode: 'weekdays' as never }), ['mode']],
    ['an inverted interval', base({ week: { mon: [{ start: '17:00', end: '09:00' }] } }), ['week.mon.0']],
    ['an empty interval', base({ week: { mon: [{ start: '09:00', end: '09:00' }] } }), ['week.mon.0']],
    ['overlapping intervals', base({ week: { tue: [{ start: '09:00', end: '13:00' }, { start: '12:00', end: '17:00' }] } }), ['week.tue.1']],
    ['a malformed time', base({ week: { wed: [{ start: '9:00', end: '25:00' }] } }), ['week.wed.0.start', 'week.wed.0.end']],
    ['24:00 as a start', base({ week: { wed: [{ start: '24:00', end: '24:00' }] } }), ['week.wed.0.start']],
    ['an unknown weekday', base({ week: { mon: [{ start: '09:00', end: '17:00' }], funday: [] } as never }), ['week.funday']],
    ['a day that is not a list', base({ week: { mon: { start: '09:00', end: '17:00' } } as never }), ['week.mon']],
    ['an impossible holiday date', base({ holidays: ['2025-02-30'] }), ['holidays.0']],
    ['a holiday that is not a date', base({ holidays: ['2025-12-25', 'Christmas'] }), ['holidays.1']],
    ['a business calendar without any working time', base({ week: {} }), ['week']],
    ['a business calendar whose days are all empty', base({ week: { mon: [], tue: [] } }), ['week']],
  ])('rejects %s, naming the field', (_name, cal, fields) => {
    expect(validateCalendar(cal).map((i) => i.field)).toEqual(fields);
  });

  it('refuses to compute with a calendar that has no working time (it would never reach a deadline)', () => {
    const never = { timeZone: 'UTC', mode: 'business', week: {}, holidays: [] } as Calendar;
    expect(() => compileCalendar(never)).toThrow(InvalidCalendarError);
    expect(() => addBusinessDuration(never, 0, 1)).toThrow(InvalidCalendarError);
  });

  it('stops searching when holidays remove every working day for decades', () => {
    const cal: Calendar = { timeZone: 'UTC', mode: 'business', week: { mon: [{ start: '09:00', end: '10:00' }] }, holidays: [] };
    const holidays: string[] = [];
    for (let d = Date.UTC(2025, 0, 6); d < Date.UTC(2070, 0, 1); d += 7 * 86_400_000) holidays.push(new Date(d).toISOString().slice(0, 10));
    expect(() => addBusinessDuration({ ...cal, holidays }, Date.UTC(2025, 0, 1), 3_600_000)).toThrow(RangeError);
  });
});
