/**
 * Acceptance cases C01, C02, C04 and C05 end to end: incidents imported
 * through the Incident service's API → Kafka → SLA service → Temporal clock
 * → the SLA API. Due times and business times exactly as the cases say.
 */
import { waitFor } from '@itsm/testing';
import { calendarAndDefinition, clockById, clockOf, expectStatus, importIncident, startPlatform, unique, weekdays, type Platform } from './helpers';

jest.setTimeout(180_000);
const H = 3_600_000;

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
}, 120_000);
afterAll(async () => {
  await p?.stop();
});

const resolved = (at: string) => ({ at, kind: 'state', state: 'resolved' });
const RESOLUTION = { resolutionCode: 'fixed', resolutionNotes: 'done' };

describe('C01: tickets created outside business hours (UK-Office, TTR 4 bh)', () => {
  const tickets: Record<string, string> = {};
  beforeAll(async () => {
    const category = unique('c01');
    await calendarAndDefinition(p, { timeZone: 'Europe/London', week: weekdays('09:00', '17:00') }, { category, resolution: 'PT4H' });
    tickets.T1 = await importIncident(p, { category, openedAt: '2025-06-13T16:30:00+01:00', timeline: [] });
    tickets.T2 = await importIncident(p, { category, openedAt: '2025-06-14T10:00:00+01:00', timeline: [resolved('2025-06-16T10:15:00+01:00')], ...RESOLUTION });
    tickets.T3 = await importIncident(p, { category, openedAt: '2025-06-17T20:00:00+01:00', timeline: [] });
    tickets.T4 = await importIncident(p, { category, openedAt: '2025-06-18T07:45:00+01:00', timeline: [] });
  });

  it.each([
    ['T1', '2025-06-16T11:30:00.000Z', '2025-06-16T12:30:00+01:00', '2025-06-13T15:30:00.000Z'],
    ['T3', '2025-06-18T12:00:00.000Z', '2025-06-18T13:00:00+01:00', '2025-06-18T08:00:00.000Z'],
    ['T4', '2025-06-18T12:00:00.000Z', '2025-06-18T13:00:00+01:00', '2025-06-18T08:00:00.000Z'],
  ])('%s is due %s (%s), counting from the next working minute', async (t, dueUtc, dueLocal, startedAt) => {
    const c = await clockOf(p, tickets[t]!, 'resolution');
    expect(c).toMatchObject({ dueAt: dueUtc, dueAtLocal: dueLocal, startedAt, targetMs: 4 * H, imported: true });
  });

  it('T2 (Saturday) is due Monday 13:00 local, resolved at 10:15 in 1 h 15 min of business time: met', async () => {
    const c = await clockOf(p, tickets.T2!, 'resolution', (x) => x.status === 'met');
    expect(c).toMatchObject({ dueAt: '2025-06-16T12:00:00.000Z', elapsedMs: 4500_000, stoppedAt: '2025-06-16T09:15:00.000Z', breachedAt: null });
    const withHistory = await waitFor(async () => {
      const full = await clockById(p, c.id);
      return full.history.some((h: { kind: string }) => h.kind === 'met') && full;
    });
    const met = withHistory.history.find((h: { kind: string }) => h.kind === 'met');
    expect(met).toMatchObject({ at: '2025-06-16T09:15:00.000Z', historical: true });
  });

  it('records the breach of an open imported ticket once, as historical, at its due time', async () => {
    const c = await clockOf(p, tickets.T1!, 'resolution', (x) => x.status === 'breached');
    const full = await waitFor(async () => {
      const x = await clockById(p, c.id);
      return x.history.some((h: { kind: string }) => h.kind === 'breached') && x;
    });
    const kinds = full.history.map((h: { kind: string }) => h.kind);
    expect(kinds.filter((k: string) => k === 'breached')).toHaveLength(1);
    expect(full.history.find((h: { kind: string }) => h.kind === 'breached')).toMatchObject({ at: '2025-06-16T11:30:00.000Z', historical: true });
    expect(full.history.filter((h: { kind: string }) => h.kind === 'warning').map((h: { details: { threshold: number } }) => h.details.threshold)).toEqual([50, 75, 90]);
  });
});

describe('C02: holidays and uneven working days', () => {
  it('A: skips only the configured holidays (Berlin, 24 Dec is a working day): due 2025-12-30T14:00:00Z', async () => {
    const category = unique('c02a');
    await calendarAndDefinition(p, { timeZone: 'Europe/Berlin', week: weekdays('09:00', '17:00'), holidays: ['2025-12-25', '2025-12-26'] }, { category, resolution: 'PT16H' });
    const t1 = await importIncident(p, { category, openedAt: '2025-12-24T15:00:00+01:00', timeline: [] });
    const c = await clockOf(p, t1, 'resolution');
    expect(c).toMatchObject({ dueAt: '2025-12-30T14:00:00.000Z', dueAtLocal: '2025-12-30T15:00:00+01:00' });
  });

  it('C: a different window per weekday: due 2025-06-05T11:00:00Z', async () => {
    const category = unique('c02c');
    const week = { mon: [{ start: '09:00', end: '17:00' }], tue: [{ start: '09:00', end: '16:00' }], thu: [{ start: '08:00', end: '17:00' }] };
    await calendarAndDefinition(p, { timeZone: 'UTC', week }, { category, resolution: 'PT16H' });
    const t = await importIncident(p, { category, openedAt: '2025-06-02T11:00:00Z', timeline: [] });
    expect(await clockOf(p, t, 'resolution')).toMatchObject({ dueAt: '2025-06-05T11:00:00.000Z' });
  });

  it('C as a calendar change: the open ticket is recomputed (due moves to 2025-06-05T11:00Z), the resolved one is left alone', async () => {
    const category = unique('c02cal');
    const { calendar } = await calendarAndDefinition(p, { timeZone: 'UTC', week: weekdays('09:00', '17:00') }, { category, resolution: 'PT16H' });
    const open = await importIncident(p, { category, openedAt: '2025-06-02T11:00:00Z', timeline: [] });
    const done = await importIncident(p, { category, openedAt: '2025-06-02T11:00:00Z', timeline: [resolved('2025-06-03T10:00:00Z')], ...RESOLUTION });
    const openBefore = await clockOf(p, open, 'resolution', (c) => c.status === 'breached');
    const doneBefore = await clockOf(p, done, 'resolution', (c) => c.status === 'met');
    expect(openBefore.dueAt).toBe('2025-06-04T11:00:00.000Z'); // Mon 6 h, Tue 8 h, Wed 2 h
    expect(doneBefore.dueAt).toBe('2025-06-04T11:00:00.000Z');
    await waitFor(async () => (await clockById(p, openBefore.id)).history.some((h: { kind: string }) => h.kind === 'breached'));

    const week = { mon: [{ start: '09:00', end: '17:00' }], tue: [{ start: '09:00', end: '16:00' }], thu: [{ start: '08:00', end: '17:00' }] };
    const res = await p.slaAs.manager.put(`/api/v1/sla/calendars/${calendar.id}`).set('If-Match', '"1"').send({ name: calendar.name, timeZone: 'UTC', week });
    await expectStatus(res, 200);
    expect(res.body.recomputedClocks).toEqual([openBefore.id]);

    const openAfter = await clockById(p, openBefore.id);
    expect(openAfter).toMatchObject({ dueAt: '2025-06-05T11:00:00.000Z', calendar: { id: calendar.id, version: 2 } });
    expect(openAfter.history.find((h: { kind: string }) => h.kind === 'recomputed').details).toMatchObject({
      dueAt: { from: '2025-06-04T11:00:00.000Z', to: '2025-06-05T11:00:00.000Z' },
    });
    const doneAfter = await clockById(p, doneBefore.id);
    expect(doneAfter).toMatchObject({ dueAt: '2025-06-04T11:00:00.000Z', status: 'met', calendar: { version: 1 } });
    expect(doneAfter.history.some((h: { kind: string }) => h.kind === 'recomputed')).toBe(false);
    // the clock in its ticket's workflow runs on the new calendar too
    const wf = p.sla.ctx.temporal.workflow.getHandle(openAfter.workflowId);
    const status = await waitFor(async () => {
      const s = await wf.query<{ calendarVersion: number; dueAt: string } | undefined, [string]>('clock', openAfter.id);
      return s?.calendarVersion === 2 && s.dueAt === '2025-06-05T11:00:00.000Z' && s;
    });
    expect(status).toMatchObject({ calendarVersion: 2, dueAt: '2025-06-05T11:00:00.000Z' });
    // the platform instance is a search attribute: clocks of other instances sharing the server stay apart
    expect((await wf.describe()).searchAttributes.ItsmInstance).toEqual([p.instance.replace(/-$/, '')]);
  });

  it('refuses an invalid calendar with the fields named, and a stale version with 412', async () => {
    const bad = await p.slaAs.manager.post('/api/v1/sla/calendars').send({ name: unique('bad'), timeZone: 'Mars/Olympus', week: { mon: [{ start: '17:00', end: '09:00' }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['timeZone', 'week.mon.0']));
    const ok = await expectStatus(await p.slaAs.manager.post('/api/v1/sla/calendars').send({ name: unique('ok'), timeZone: 'UTC', week: weekdays('09:00', '17:00') }), 201);
    const stale = await p.slaAs.manager.put(`/api/v1/sla/calendars/${ok.body.id}`).set('If-Match', '"7"').send({ name: ok.body.name, timeZone: 'UTC', mode: '24x7' });
    expect(stale.status).toBe(412);
    const agent = await p.slaAs.agent.post('/api/v1/sla/calendars').send({ name: unique('x'), timeZone: 'UTC', mode: '24x7' });
    expect(agent.status).toBe(403);
  });
});

describe('C04: pausing while on hold, including holds across off-hours (Mon-Fri 09-17 UTC, TTR 8 bh)', () => {
  let open: string;
  let done: string;
  let linked: string;
  const holds = [
    { at: '2025-06-02T09:00:00Z', kind: 'state', state: 'in_progress' },
    { at: '2025-06-02T12:00:00Z', kind: 'state', state: 'on_hold', holdReason: 'awaiting_vendor' },
    { at: '2025-06-02T13:00:00Z', kind: 'state', state: 'in_progress' },
    { at: '2025-06-02T16:30:00Z', kind: 'state', state: 'on_hold', holdReason: 'awaiting_caller' },
    { at: '2025-06-02T18:00:00Z', kind: 'state', state: 'on_hold', holdReason: 'awaiting_evidence' }, // pause to pause
    { at: '2025-06-03T08:00:00Z', kind: 'state', state: 'in_progress' },
  ];
  beforeAll(async () => {
    const category = unique('c04');
    await calendarAndDefinition(p, { timeZone: 'UTC', week: weekdays('09:00', '17:00') }, { category, resolution: 'PT8H', pauseStates: ['On Hold', 'Resolved', 'Closed'] });
    open = await importIncident(p, { category, openedAt: '2025-06-02T09:00:00Z', timeline: holds });
    done = await importIncident(p, { category, openedAt: '2025-06-02T09:00:00Z', timeline: [...holds, resolved('2025-06-03T10:00:00Z')], ...RESOLUTION });
    // the same history with problem links and field changes between (and at) the state moves
    const links = [
      { at: '2025-06-02T09:00:00Z', kind: 'fields', category: 'before', location: 'L1' },
      { at: '2025-06-02T12:00:00Z', kind: 'problem', problemId: 'PRB-A' },
      { at: '2025-06-02T12:30:00Z', kind: 'fields', category, location: null },
      { at: '2025-06-02T14:00:00Z', kind: 'problem', problemId: 'PRB-B' },
      { at: '2025-06-02T18:00:00Z', kind: 'problem', problemId: null },
      { at: '2025-06-03T09:00:00Z', kind: 'problem', problemId: 'PRB-A' },
    ];
    linked = await importIncident(p, { category, openedAt: '2025-06-02T09:00:00Z', timeline: [...links, ...holds, resolved('2025-06-03T10:00:00Z')], ...RESOLUTION });
  });

  it('is due 2025-06-03T10:30Z after 6.5 bh active and 1.5 bh paused (neither 17:00 Mon nor 17:00 Tue)', async () => {
    const c = await clockOf(p, open, 'resolution', (x) => x.status === 'breached');
    expect(c).toMatchObject({ dueAt: '2025-06-03T10:30:00.000Z', pausedMs: 1.5 * H, breachedAt: '2025-06-03T10:30:00.000Z' });
    expect(await clockById(p, c.id, '2025-06-03T08:00:00Z')).toMatchObject({ elapsedMs: 6.5 * H, pausedMs: 1.5 * H, status: 'running' });
    expect(await clockById(p, c.id, '2025-06-03T10:30:00Z')).toMatchObject({ elapsedMs: 8 * H, remainingMs: 0, status: 'breached' });
  });

  it('at Mon 16:45Z shows paused with 6.5 bh elapsed; no breach at Mon 17:00Z', async () => {
    const c = await clockOf(p, open, 'resolution');
    const at1645 = await clockById(p, c.id, '2025-06-02T16:45:00Z');
    expect(at1645).toMatchObject({ status: 'paused', clock: 'paused', elapsedMs: 6.5 * H, pausedSince: '2025-06-02T16:30:00.000Z', breachedAt: null });
    const at1700 = await clockById(p, c.id, '2025-06-02T17:00:00Z');
    expect(at1700).toMatchObject({ status: 'paused', breachedAt: null, elapsedMs: 6.5 * H });
    const history = (await clockById(p, c.id)).history as Array<{ kind: string; at: string }>;
    expect(history.filter((h) => h.kind === 'paused').map((h) => h.at)).toEqual(['2025-06-02T12:00:00.000Z', '2025-06-02T16:30:00.000Z']);
    expect(history.filter((h) => h.kind === 'resumed').map((h) => h.at)).toEqual(['2025-06-02T13:00:00.000Z', '2025-06-03T08:00:00.000Z']);
  });

  it('resolved at 2025-06-03T10:00Z: met', async () => {
    const c = await clockOf(p, done, 'resolution', (x) => x.status === 'met');
    expect(c).toMatchObject({ dueAt: '2025-06-03T10:30:00.000Z', elapsedMs: 7.5 * H, breachedAt: null });
  });

  it('with problem links and field changes in its timeline: the same clock (matched by the final category), met', async () => {
    const c = await clockOf(p, linked, 'resolution', (x) => x.status === 'met');
    const without = await clockOf(p, done, 'resolution', (x) => x.status === 'met');
    expect(c).toMatchObject({ dueAt: '2025-06-03T10:30:00.000Z', elapsedMs: 7.5 * H, breachedAt: null, pausedMs: without.pausedMs, stoppedAt: without.stoppedAt });
    const moves = (id: string) =>
      waitFor(async () => {
        const h = ((await clockById(p, id)).history as Array<{ kind: string; at: string }>).map((x) => `${x.kind}@${x.at}`);
        return h.some((x) => x.startsWith('met@')) && h;
      });
    expect(await moves(c.id)).toEqual(await moves(without.id));
    expect((await p.inc.agent.get(`/api/v1/incidents/${linked}`)).body).toMatchObject({ problemId: 'PRB-A', location: null });
  });
});

describe('C05: a priority change while pending re-applies the SLA from the original start, paused time excluded', () => {
  let open: string;
  let done: string;
  const timeline = [
    { at: '2025-06-02T09:00:00Z', kind: 'priority', priority: 3 },
    { at: '2025-06-02T11:00:00Z', kind: 'state', state: 'on_hold', holdReason: 'awaiting_caller' },
    { at: '2025-06-02T13:00:00Z', kind: 'priority', priority: 2 },
    { at: '2025-06-02T15:00:00Z', kind: 'state', state: 'in_progress' },
  ];
  beforeAll(async () => {
    const category = unique('c05');
    const targets = [
      { priority: 3, resolution: 'PT16H' },
      { priority: 2, resolution: 'PT8H' },
    ];
    await calendarAndDefinition(p, { timeZone: 'UTC', week: weekdays('09:00', '17:00') }, { category, targets });
    open = await importIncident(p, { category, openedAt: '2025-06-02T09:00:00Z', priority: 3, timeline });
    done = await importIncident(p, { category, openedAt: '2025-06-02T09:00:00Z', priority: 3, timeline: [...timeline, resolved('2025-06-03T12:00:00Z')], ...RESOLUTION });
  });

  it('is first due 2025-06-03T17:00Z as P3', async () => {
    const c = await clockOf(p, open, 'resolution');
    expect(await clockById(p, c.id, '2025-06-02T10:00:00Z')).toMatchObject({ priority: 3, dueAt: '2025-06-03T17:00:00.000Z', status: 'running' });
  });

  it('right after the switch at 13:00Z: paused, no breach, 2 bh elapsed; after resuming 6 bh remain: due 2025-06-03T13:00:00Z', async () => {
    const c = await clockOf(p, open, 'resolution', (x) => x.priority === 2);
    expect(await clockById(p, c.id, '2025-06-02T13:00:00Z')).toMatchObject({ priority: 2, status: 'paused', breachedAt: null, elapsedMs: 2 * H, targetMs: 8 * H });
    expect(await clockById(p, c.id, '2025-06-02T15:00:00Z')).toMatchObject({ status: 'running', remainingMs: 6 * H, pausedMs: 4 * H, dueAt: '2025-06-03T13:00:00.000Z' });
    expect(c.dueAt).toBe('2025-06-03T13:00:00.000Z');
    const history = (await clockById(p, c.id)).history as Array<{ kind: string; at: string; details: Record<string, unknown> }>;
    expect(history.find((h) => h.kind === 'priority_changed')).toMatchObject({ at: '2025-06-02T13:00:00.000Z', details: { from: '3', to: '2' } });
  });

  it('resolved at 2025-06-03T12:00Z: met (not breached at 2025-06-02T17:00Z)', async () => {
    const c = await clockOf(p, done, 'resolution', (x) => x.status === 'met');
    expect(c).toMatchObject({ dueAt: '2025-06-03T13:00:00.000Z', breachedAt: null, pausedMs: 4 * H, elapsedMs: 7 * H });
  });
});
