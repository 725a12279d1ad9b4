import { calendar24x7, Calendar, computeSlaClock, formatInstant, parseInstant, SlaClock, SlaDefinition, TimelineEvent, TimelineEventKind } from '../src';
import { H, MIN, prng, weekdays } from './fixtures';

const at = parseInstant;
const utcOffice = weekdays('UTC');

function ev(iso: string, kind: TimelineEventKind, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  return { at: at(iso), kind, ...extra };
}

function resolution(durationsByPriority: SlaDefinition['durationsByPriority'], pauseStates: string[] = []): SlaDefinition {
  return { id: 'ttr', target: 'resolution', durationsByPriority, pauseStates };
}

function clockAt(timeline: TimelineEvent[], definition: SlaDefinition, asOf: string, calendar: Calendar = utcOffice): SlaClock {
  return computeSlaClock({ timeline, definition, calendar, asOf: at(asOf) });
}

const iso = (ms: number | null): string | null => (ms === null ? null : formatInstant(ms));

/** The clock with instants as ISO strings and durations in hours, for readable tables. */
function view(c: SlaClock) {
  return {
    status: c.status,
    elapsedH: c.elapsedMs / H,
    pausedH: c.pausedMs / H,
    dueAt: iso(c.dueAt),
    pausedSince: iso(c.pausedSince),
    breachedAt: iso(c.breachedAt),
  };
}

describe('C01: clock of tickets created outside business hours (UK-Office, TTR 4 bh)', () => {
  const uk = weekdays('Europe/London');
  const def = resolution({ '3': 4 * H });

  it.each([
    ['T1', '2025-06-13T16:30+01:00', '2025-06-13T16:30+01:00', '2025-06-16T11:30:00.000Z'],
    ['T2', '2025-06-14T10:00+01:00', '2025-06-16T09:00+01:00', '2025-06-16T12:00:00.000Z'],
    ['T3', '2025-06-17T20:00+01:00', '2025-06-18T09:00+01:00', '2025-06-18T12:00:00.000Z'],
    ['T4', '2025-06-18T07:45+01:00', '2025-06-18T09:00+01:00', '2025-06-18T12:00:00.000Z'],
  ])('%s opened %s starts counting at %s and is due %s', (_t, created, started, due) => {
    const c = clockAt([ev(created, 'opened', { priority: '3' })], def, created, uk);
    expect(c.status).toBe('running');
    expect(c.startedAt).toBe(at(started));
    expect(iso(c.dueAt)).toBe(due);
    expect(c.elapsedMs).toBe(0);
  });

  it('T2 resolved Monday 10:15 has met its SLA with a business resolution time of 4500 s', () => {
    const timeline = [ev('2025-06-14T10:00+01:00', 'opened', { priority: '3' }), ev('2025-06-16T10:15+01:00', 'resolved')];
    const c = clockAt(timeline, def, '2025-06-20T12:00Z', uk);
    expect(c.status).toBe('met');
    expect(c.elapsedMs).toBe(4500_000);
    expect(c.stoppedAt).toBe(at('2025-06-16T10:15+01:00'));
    expect(c.breachedAt).toBeNull();
  });
});

describe('C02: the clock follows holidays and uneven working days', () => {
  it.each([
    ['A: Berlin, holidays 25–26 December', '2025-12-30T14:00:00.000Z', weekdays('Europe/Berlin', '09:00', '17:00', ['2025-12-25', '2025-12-26']), '2025-12-24T15:00+01:00'],
    [
      'C: a different window on each weekday',
      '2025-06-05T11:00:00.000Z',
      { timeZone: 'UTC', mode: 'business', week: { mon: [{ start: '09:00', end: '17:00' }], tue: [{ start: '09:00', end: '16:00' }], thu: [{ start: '08:00', end: '17:00' }] }, holidays: [] } as Calendar,
      '2025-06-02T11:00Z',
    ],
  ])('%s: a 16 bh target is due %s', (_name, due, cal, created) => {
    const c = clockAt([ev(created, 'opened', { priority: '2' })], resolution({ '2': 16 * H }), created, cal);
    expect(iso(c.dueAt)).toBe(due);
  });
});

describe('C04: pausing while on hold, including holds that span off-hours', () => {
  const def = resolution({ '3': 8 * H }, ['On Hold', 'Waiting for Customer']);
  const history = [
    ev('2025-06-02T09:00Z', 'opened', { priority: '3', state: 'Open' }),
    ev('2025-06-02T12:00Z', 'state', { state: 'On Hold' }),
    ev('2025-06-02T13:00Z', 'state', { state: 'Open' }),
    ev('2025-06-02T16:30Z', 'state', { state: 'Waiting for Customer' }),
    ev('2025-06-03T08:00Z', 'state', { state: 'Open' }),
  ];
  const resolved = [...history, ev('2025-06-03T10:00Z', 'resolved', { state: 'Resolved' })];

  it.each([
    ['on hold at 12:30', history, '2025-06-02T12:30Z', { status: 'paused', elapsedH: 3, pausedH: 0.5, dueAt: null, pausedSince: '2025-06-02T12:00:00.000Z', breachedAt: null }],
    ['working again at 14:00', history, '2025-06-02T14:00Z', { status: 'running', elapsedH: 4, pausedH: 1, dueAt: '2025-06-03T10:00:00.000Z', pausedSince: null, breachedAt: null }],
    ['waiting for the customer at 16:45', history, '2025-06-02T16:45Z', { status: 'paused', elapsedH: 6.5, pausedH: 1.25, dueAt: null, pausedSince: '2025-06-02T16:30:00.000Z', breachedAt: null }],
    ['still waiting at Monday 17:00 (no breach fires)', history, '2025-06-02T17:00Z', { status: 'paused', elapsedH: 6.5, pausedH: 1.5, dueAt: null, pausedSince: '2025-06-02T16:30:00.000Z', breachedAt: null }],
    ['working again on Tuesday 08:30', history, '2025-06-03T08:30Z', { status: 'running', elapsedH: 6.5, pausedH: 1.5, dueAt: '2025-06-03T10:30:00.000Z', pausedSince: null, breachedAt: null }],
    ['resolved Tuesday 10:00', resolved, '2025-06-03T12:00Z', { status: 'met', elapsedH: 7.5, pausedH: 1.5, dueAt: '2025-06-03T10:30:00.000Z', pausedSince: null, breachedAt: null }],
    ['unresolved at Tuesday 12:00', history, '2025-06-03T12:00Z', { status: 'breached', elapsedH: 9.5, pausedH: 1.5, dueAt: '2025-06-03T10:30:00.000Z', pausedSince: null, breachedAt: '2025-06-03T10:30:00.000Z' }],
  ])('a query %s shows %j', (_name, timeline, asOf, expected) => {
    expect(view(clockAt(timeline, def, asOf))).toEqual(expected);
  });

  it('is due 2025-06-03T10:30Z, not at the wrong answers Monday 17:00Z (never paused) or Tuesday 17:00Z (wall-clock hold added)', () => {
    const c = clockAt(history, def, '2025-06-03T08:00Z');
    expect(iso(c.dueAt)).toBe('2025-06-03T10:30:00.000Z');
    expect(iso(c.dueAt)).not.toBe('2025-06-02T17:00:00.000Z');
    expect(iso(c.dueAt)).not.toBe('2025-06-03T17:00:00.000Z');
    expect(iso(clockAt(history, resolution({ '3': 8 * H }), '2025-06-02T09:00Z').dueAt)).toBe('2025-06-02T17:00:00.000Z'); // the first wrong answer is the unpaused clock
  });

  it('reports the warnings 50/75/90 % at the instants active time reached 4, 6 and 7.2 bh', () => {
    const c = clockAt(history, def, '2025-06-03T08:30Z');
    expect(c.warnings.map((w) => [w.threshold, iso(w.at), w.reached])).toEqual([
      [50, '2025-06-02T14:00:00.000Z', true],
      [75, '2025-06-02T16:00:00.000Z', true],
      [90, '2025-06-03T09:42:00.000Z', false],
    ]);
    expect(iso(c.nextTimerAt)).toBe('2025-06-03T09:42:00.000Z');
  });

  it('sets no timer while paused', () => {
    expect(clockAt(history, def, '2025-06-02T16:45Z').nextTimerAt).toBeNull();
  });

  const pauseToPause = [
    ev('2025-06-02T09:00Z', 'opened', { priority: '3', state: 'Open' }),
    ev('2025-06-02T12:00Z', 'state', { state: 'On Hold' }),
    ev('2025-06-02T12:30Z', 'state', { state: 'Waiting for Customer' }),
    ev('2025-06-02T13:00Z', 'state', { state: 'Open' }),
    ev('2025-06-02T16:30Z', 'state', { state: 'Waiting for Customer' }),
    ev('2025-06-03T08:00Z', 'state', { state: 'Open' }),
  ];

  it.each([
    ['during the second pausing state', '2025-06-02T12:45Z', { status: 'paused', elapsedH: 3, pausedH: 0.75, dueAt: null, pausedSince: '2025-06-02T12:00:00.000Z', breachedAt: null }],
    ['after resuming on Tuesday', '2025-06-03T08:30Z', { status: 'running', elapsedH: 6.5, pausedH: 1.5, dueAt: '2025-06-03T10:30:00.000Z', pausedSince: null, breachedAt: null }],
  ])('moving from On Hold to Waiting for Customer neither restarts nor double-counts: %s', (_name, asOf, expected) => {
    expect(view(clockAt(pauseToPause, def, asOf))).toEqual(expected);
  });
});

describe('C05: a priority change re-applies the SLA while the ticket is pending', () => {
  const def = resolution({ '3': 16 * H, '2': 8 * H }, ['Pending']);
  const history = [
    ev('2025-06-02T09:00Z', 'opened', { priority: '3', state: 'New' }),
    ev('2025-06-02T11:00Z', 'state', { state: 'Pending' }),
    ev('2025-06-02T13:00Z', 'priority', { priority: '2' }),
    ev('2025-06-02T15:00Z', 'state', { state: 'Processing' }),
  ];
  const resolved = [...history, ev('2025-06-03T12:00Z', 'resolved', { state: 'Resolved' })];

  it.each([
    ['P3 before the pause', history, '2025-06-02T10:00Z', 16, { status: 'running', elapsedH: 1, pausedH: 0, dueAt: '2025-06-03T17:00:00.000Z', pausedSince: null, breachedAt: null }],
    ['pending, still P3', history, '2025-06-02T12:00Z', 16, { status: 'paused', elapsedH: 2, pausedH: 1, dueAt: null, pausedSince: '2025-06-02T11:00:00.000Z', breachedAt: null }],
    ['right after the switch to P2 at 13:00', history, '2025-06-02T13:00Z', 8, { status: 'paused', elapsedH: 2, pausedH: 2, dueAt: null, pausedSince: '2025-06-02T11:00:00.000Z', breachedAt: null }],
    ['after resuming at 15:00', history, '2025-06-02T15:00Z', 8, { status: 'running', elapsedH: 2, pausedH: 4, dueAt: '2025-06-03T13:00:00.000Z', pausedSince: null, breachedAt: null }],
    ['resolved Tuesday 12:00', resolved, '2025-06-03T12:00Z', 8, { status: 'met', elapsedH: 7, pausedH: 4, dueAt: '2025-06-03T13:00:00.000Z', pausedSince: null, breachedAt: null }],
  ])('%s', (_name, timeline, asOf, targetH, expected) => {
    const c = clockAt(timeline, def, asOf);
    expect(view(c)).toEqual(expected);
    expect(c.targetMs).toBe(targetH * H);
  });

  it('leaves 6 bh after the resume and records 4 bh pending', () => {
    const c = clockAt(history, def, '2025-06-02T15:00Z');
    expect(c.remainingMs).toBe(6 * H);
    expect(c.pausedMs).toBe(4 * H);
    expect(c.priority).toBe('2');
  });

  it('does not put the due time at the buggy 2025-06-02T17:00Z', () => {
    expect(iso(clockAt(history, def, '2025-06-02T15:00Z').dueAt)).not.toBe('2025-06-02T17:00:00.000Z');
  });
});

describe('reopening', () => {
  const def = resolution({ '3': 8 * H }, ['On Hold', 'Resolved', 'Closed']);
  const history = [
    ev('2025-06-02T09:00Z', 'opened', { priority: '3', state: 'New' }),
    ev('2025-06-02T12:00Z', 'resolved', { state: 'Resolved' }),
    ev('2025-06-03T09:00Z', 'reopened'),
    ev('2025-06-03T13:00Z', 'resolved', { state: 'Resolved' }),
  ];

  it.each([
    ['resolved on Monday, it has met the target that was due at 17:00', '2025-06-02T15:00Z', { status: 'met', elapsedH: 3, pausedH: 0, dueAt: '2025-06-02T17:00:00.000Z', pausedSince: null, breachedAt: null }],
    ['reopened on Tuesday, it resumes at 3 bh and is due 14:00', '2025-06-03T10:00Z', { status: 'running', elapsedH: 4, pausedH: 0, dueAt: '2025-06-03T14:00:00.000Z', pausedSince: null, breachedAt: null }],
    ['resolved again, it has met the target with 7 bh', '2025-06-03T15:00Z', { status: 'met', elapsedH: 7, pausedH: 0, dueAt: '2025-06-03T14:00:00.000Z', pausedSince: null, breachedAt: null }],
  ])('%s', (_name, asOf, expected) => {
    expect(view(clockAt(history, def, asOf))).toEqual(expected);
  });

  it('resumes paused when reopened into a pausing state', () => {
    const timeline = [...history.slice(0, 2), ev('2025-06-03T09:00Z', 'reopened', { state: 'On Hold' })];
    expect(view(clockAt(timeline, def, '2025-06-03T10:00Z'))).toEqual({ status: 'paused', elapsedH: 3, pausedH: 1, dueAt: null, pausedSince: '2025-06-03T09:00:00.000Z', breachedAt: null });
  });

  it('resumes after a close, too (closed → reopened)', () => {
    const timeline = [
      ev('2025-06-02T09:00Z', 'opened', { priority: '3' }),
      ev('2025-06-02T10:00Z', 'resolved', { state: 'Resolved' }),
      ev('2025-06-04T10:00Z', 'closed', { state: 'Closed' }),
      ev('2025-06-05T09:00Z', 'reopened', { state: 'Assigned' }),
    ];
    expect(view(clockAt(timeline, def, '2025-06-05T10:00Z'))).toMatchObject({ status: 'running', elapsedH: 2 });
  });

  it('stays breached when a late resolution is reopened and resolved again', () => {
    const timeline = [
      ev('2025-06-02T09:00Z', 'opened', { priority: '3' }),
      ev('2025-06-02T12:00Z', 'resolved'),
      ev('2025-06-03T09:00Z', 'reopened'),
      ev('2025-06-03T09:30Z', 'resolved'),
    ];
    const c = clockAt(timeline, resolution({ '3': 2 * H }), '2025-06-04T09:00Z');
    expect(view(c)).toMatchObject({ status: 'breached', elapsedH: 3.5, breachedAt: '2025-06-02T11:00:00.000Z' });
  });
});

describe('response target', () => {
  const def: SlaDefinition = { id: 'ttrsp', target: 'response', durationsByPriority: { '1': 10 * MIN, '2': H }, pauseStates: ['On Hold'] };
  const opened = ev('2025-06-02T09:00Z', 'opened', { priority: '2', state: 'New' });

  it.each([
    ['is met at the first assignment', [opened, ev('2025-06-02T09:30Z', 'assigned', { assignee: 'a1' })], 'met', 0.5, '2025-06-02T09:30:00.000Z'],
    ['is met at the first agent response', [opened, ev('2025-06-02T09:45Z', 'first_response')], 'met', 0.75, '2025-06-02T09:45:00.000Z'],
    [
      'stays met after a reopen and a priority change to a shorter target',
      [opened, ev('2025-06-02T09:30Z', 'assigned'), ev('2025-06-02T10:00Z', 'resolved'), ev('2025-06-03T09:00Z', 'reopened'), ev('2025-06-03T09:05Z', 'priority', { priority: '1' }), ev('2025-06-03T09:10Z', 'assigned')],
      'met',
      0.5,
      '2025-06-02T09:30:00.000Z',
    ],
    ['is breached an hour after opening without a response', [opened], 'breached', 3, null],
  ])('%s', (_name, timeline, status, elapsedH, stoppedAt) => {
    const c = clockAt(timeline, def, '2025-06-02T12:00Z');
    expect(c.status).toBe(status);
    expect(c.elapsedMs).toBe(elapsedH * H);
    expect(iso(c.stoppedAt)).toBe(stoppedAt);
    if (status === 'breached') expect(iso(c.breachedAt)).toBe('2025-06-02T10:00:00.000Z');
  });

  it('does not stop a resolution target at the assignment', () => {
    const c = clockAt([opened, ev('2025-06-02T09:30Z', 'assigned')], resolution({ '2': 8 * H }), '2025-06-02T12:00Z');
    expect(c.status).toBe('running');
  });
});

describe('breach and warning instants', () => {
  const def = resolution({ '1': 4 * H, '3': 16 * H, '4': 40 * H }, ['On Hold']);
  const opened = (priority: string) => ev('2025-06-02T09:00Z', 'opened', { priority, state: 'Open' });

  it.each([
    ['resolved exactly at the due time is met', [opened('1'), ev('2025-06-02T13:00Z', 'resolved')], 'met', null],
    ['resolved one millisecond late is breached at the due time', [opened('1'), { at: at('2025-06-02T13:00Z') + 1, kind: 'resolved' as const }], 'breached', '2025-06-02T13:00:00.000Z'],
    ['put on hold exactly at the due time is breached (a pause is not a stop)', [opened('1'), ev('2025-06-02T13:00Z', 'state', { state: 'On Hold' })], 'breached', '2025-06-02T13:00:00.000Z'],
    ['resolved the next morning after a 17:00 due time is breached at 17:00', [opened('3'), ev('2025-06-04T08:00Z', 'resolved')], 'breached', '2025-06-03T17:00:00.000Z'],
  ])('%s', (_name, timeline, status, breachedAt) => {
    const c = clockAt(timeline, def, '2025-06-05T12:00Z');
    expect(c.status).toBe(status);
    expect(iso(c.breachedAt)).toBe(breachedAt);
  });

  it('breaches at the priority change when the new target lies behind the elapsed time, with the due time where it was reached', () => {
    const c = clockAt([opened('3'), ev('2025-06-02T15:00Z', 'priority', { priority: '1' })], def, '2025-06-02T15:30Z');
    expect(view(c)).toMatchObject({ status: 'breached', elapsedH: 6.5, dueAt: '2025-06-02T13:00:00.000Z', breachedAt: '2025-06-02T15:00:00.000Z' });
    expect(c.warnings.map((w) => iso(w.at))).toEqual(['2025-06-02T15:00:00.000Z', '2025-06-02T15:00:00.000Z', '2025-06-02T15:00:00.000Z']);
    expect(c.remainingMs).toBe(-2.5 * H);
  });

  it('keeps a breach that was reached when a later priority change raises the target', () => {
    const timeline = [opened('1'), ev('2025-06-02T14:00Z', 'priority', { priority: '4' })];
    const c = clockAt(timeline, def, '2025-06-02T15:00Z');
    expect(view(c)).toMatchObject({ status: 'breached', breachedAt: '2025-06-02T13:00:00.000Z', dueAt: '2025-06-06T17:00:00.000Z' });
    expect(c.nextTimerAt).toBeNull();
  });

  it.each([
    ['2025-06-02T09:00Z', '2025-06-02T13:00:00.000Z'],
    ['2025-06-02T13:00Z', '2025-06-02T15:00:00.000Z'],
    ['2025-06-02T15:00Z', '2025-06-02T16:12:00.000Z'],
    ['2025-06-02T16:12Z', '2025-06-02T17:00:00.000Z'],
    ['2025-06-02T17:00Z', null],
  ])('an 8 bh clock evaluated at %s sets its next timer to %s', (asOf, next) => {
    expect(iso(clockAt([opened('2')], resolution({ '2': 8 * H }), asOf).nextTimerAt)).toBe(next);
  });

  it('fires each warning and the breach exactly once when a workflow sleeps from timer to timer', () => {
    const timeline = [opened('2')];
    const d = resolution({ '2': 8 * H });
    const fired: string[] = [];
    const seen = new Set<string>();
    let asOf: number | null = timeline[0]!.at;
    for (let guard = 0; asOf !== null && guard < 10; guard++) {
      const c = computeSlaClock({ timeline, definition: d, calendar: utcOffice, asOf });
      for (const w of c.warnings) {
        if (w.reached && !seen.has(`w${w.threshold}`)) {
          seen.add(`w${w.threshold}`);
          fired.push(`${w.threshold}% at ${iso(w.at)}`);
        }
      }
      if (c.breachedAt !== null && !seen.has('breach')) {
        seen.add('breach');
        fired.push(`breach at ${iso(c.breachedAt)}`);
      }
      asOf = c.nextTimerAt;
    }
    expect(fired).toEqual(['50% at 2025-06-02T13:00:00.000Z', '75% at 2025-06-02T15:00:00.000Z', '90% at 2025-06-02T16:12:00.000Z', 'breach at 2025-06-02T17:00:00.000Z']);
  });
});

describe('clock inputs', () => {
  it('counts real time on a 24x7 calendar: 24 h across the spring-forward switch are 24 real hours', () => {
    const c = clockAt([ev('2025-03-29T12:00Z', 'opened', { priority: '1' })], resolution({ '1': 24 * H }), '2025-03-29T12:00Z', calendar24x7('Europe/London'));
    expect(iso(c.dueAt)).toBe('2025-03-30T12:00:00.000Z');
  });

  it('is cancelled when no target applies to the current priority', () => {
    const c = clockAt([ev('2025-06-02T09:00Z', 'opened', { priority: '5' })], resolution({ '1': H }), '2025-06-02T12:00Z');
    expect(c).toMatchObject({ status: 'cancelled', targetMs: null, dueAt: null, nextTimerAt: null, elapsedMs: 3 * H });
  });

  it('accepts a resolver function for the targets', () => {
    const c = clockAt([ev('2025-06-02T09:00Z', 'opened', { priority: 1 })], resolution((p) => (p === '1' ? 2 * H : 8 * H)), '2025-06-02T09:00Z');
    expect(iso(c.dueAt)).toBe('2025-06-02T11:00:00.000Z');
  });

  it('sorts the timeline and ignores events after asOf', () => {
    const def = resolution({ '3': 8 * H }, ['On Hold']);
    const timeline = [ev('2025-06-02T12:00Z', 'state', { state: 'On Hold' }), ev('2025-06-02T09:00Z', 'opened', { priority: '3' }), ev('2025-06-02T14:00Z', 'resolved')];
    expect(view(clockAt(timeline, def, '2025-06-02T13:00Z'))).toMatchObject({ status: 'paused', elapsedH: 3, pausedH: 1 });
  });

  it('applies an event at the opening instant even when it is listed before the opened event', () => {
    const def = resolution({ '3': 8 * H }, ['On Hold']);
    const timeline = [ev('2025-06-02T09:00Z', 'state', { state: 'On Hold' }), ev('2025-06-02T09:00Z', 'opened', { priority: '3' })];
    expect(view(clockAt(timeline, def, '2025-06-02T10:00Z'))).toMatchObject({ status: 'paused', elapsedH: 0, pausedH: 1, pausedSince: '2025-06-02T09:00:00.000Z' });
  });

  it('rejects a timeline without an opened event', () => {
    expect(() => clockAt([ev('2025-06-02T12:00Z', 'state', { state: 'Open' })], resolution({ '3': H }), '2025-06-02T13:00Z')).toThrow(RangeError);
  });

  it('rejects warning thresholds outside (0, 100)', () => {
    const def: SlaDefinition = { ...resolution({ '3': H }), warningThresholds: [50, 100] };
    expect(() => clockAt([ev('2025-06-02T09:00Z', 'opened', { priority: '3' })], def, '2025-06-02T09:00Z')).toThrow(RangeError);
  });
});

describe('consistency over time (live clocks and historical imports agree)', () => {
  const def = resolution({ '1': 2 * H, '2': 8 * H, '3': 24 * H }, ['On Hold', 'Pending']);
  const cal = weekdays('Europe/London', '09:00', '17:00', ['2025-12-25', '2025-12-26']);

  function randomTimeline(random: () => number): TimelineEvent[] {
    let t = Date.UTC(2025, 9, 20) + Math.floor(random() * 70 * 24 * H);
    const events: TimelineEvent[] = [{ at: t, kind: 'opened', priority: String(1 + Math.floor(random() * 3)), state: 'Open' }];
    let resolved = false;
    for (let n = 0; n < 8; n++) {
      t += Math.floor(random() * 30 * H);
      const r = random();
      if (r < 0.3) events.push({ at: t, kind: 'state', state: ['On Hold', 'Pending', 'Open', 'In Progress'][Math.floor(random() * 4)] });
      else if (r < 0.45) events.push({ at: t, kind: 'priority', priority: String(1 + Math.floor(random() * 3)) });
      else if (r < 0.6) {
        events.push({ at: t, kind: resolved ? 'reopened' : 'resolved', state: resolved ? 'Open' : 'Resolved' });
        resolved = !resolved;
      }
    }
    return events;
  }

  it('reports every reached threshold with the same instant at every later evaluation, and nextTimerAt fires as predicted', () => {
    const random = prng(42);
    for (let n = 0; n < 300; n++) {
      const timeline = randomTimeline(random);
      const first = timeline[0]!.at;
      const asOfs = [0, 1, 2, 3, 4, 5].map(() => first + Math.floor(random() * 12 * 24 * H)).sort((a, b) => a - b);
      const clocks = asOfs.map((asOf) => computeSlaClock({ timeline, definition: def, calendar: cal, asOf }));
      for (let i = 0; i + 1 < clocks.length; i++) {
        const [a, b] = [clocks[i]!, clocks[i + 1]!];
        if (a.breachedAt !== null) expect(b.breachedAt).toBe(a.breachedAt);
        a.warnings.forEach((w, k) => w.reached && expect(b.warnings[k]!.at).toBe(w.at));
        expect(b.elapsedMs).toBeGreaterThanOrEqual(a.elapsedMs);
      }
      for (const c of clocks) {
        if (c.nextTimerAt === null || timeline.some((e) => e.at > c.asOf && e.at <= c.nextTimerAt!)) continue;
        const later = computeSlaClock({ timeline, definition: def, calendar: cal, asOf: c.nextTimerAt });
        const reachedBefore = c.warnings.filter((w) => w.reached).length + (c.breachedAt === null ? 0 : 1);
        const reachedAfter = later.warnings.filter((w) => w.reached).length + (later.breachedAt === null ? 0 : 1);
        expect(reachedAfter).toBeGreaterThan(reachedBefore);
      }
    }
  });
});
