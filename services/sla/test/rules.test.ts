/**
 * SLA rules end to end (Incident service → Kafka → SLA service → Temporal →
 * events back): daylight-saving switches, reopen, escalate once, who may see
 * which clocks, compliance reports.
 */
import { waitFor } from '@itsm/testing';
import { calendarAndDefinition, clockById, clockOf, expectStatus, importIncident, startPlatform, unique, weekdays, type Platform } from './helpers';

jest.setTimeout(180_000);
const H = 3_600_000;
const MIN = 60_000;

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
}, 120_000);
afterAll(async () => {
  await p?.stop();
});

describe('daylight-saving switches (Europe/London)', () => {
  it('business hours are local wall-clock hours across the spring and autumn switches', async () => {
    const category = unique('dst-bh');
    await calendarAndDefinition(p, { timeZone: 'Europe/London', week: weekdays('09:00', '17:00') }, { category, resolution: 'PT8H' });
    const spring = await importIncident(p, { category, openedAt: '2025-03-28T16:00:00Z', timeline: [] }); // Fri 16:00 GMT
    const autumn = await importIncident(p, { category, openedAt: '2025-10-24T15:00:00Z', timeline: [] }); // Fri 16:00 BST
    expect(await clockOf(p, spring, 'resolution')).toMatchObject({ dueAt: '2025-03-31T15:00:00.000Z', dueAtLocal: '2025-03-31T16:00:00+01:00' });
    expect(await clockOf(p, autumn, 'resolution')).toMatchObject({ dueAt: '2025-10-27T16:00:00.000Z', dueAtLocal: '2025-10-27T16:00:00+00:00' });
  });

  it('a 24x7 calendar counts 24 real hours across the switch', async () => {
    const category = unique('dst-24');
    await calendarAndDefinition(p, { timeZone: 'Europe/London', mode: '24x7' }, { category, resolution: 'PT24H' });
    const t = await importIncident(p, { category, openedAt: '2025-03-29T12:00:00Z', timeline: [] });
    expect(await clockOf(p, t, 'resolution')).toMatchObject({ dueAt: '2025-03-30T12:00:00.000Z', dueAtLocal: '2025-03-30T13:00:00+01:00', targetMs: 24 * H });
  });
});

describe('live incidents', () => {
  async function liveIncident(category: string) {
    const res = await p.inc.agent.post('/api/v1/incidents').send({ title: 'Mail server down', category, callerId: 'ra1' });
    await expectStatus(res, 201);
    return res.body as { number: string; version: number };
  }

  it('a reopened ticket resumes its resolution clock where it stopped: never reset, time resolved not counted, met stays recorded once', async () => {
    const category = unique('reopen');
    await calendarAndDefinition(p, { timeZone: 'UTC', mode: '24x7' }, { category, resolution: 'PT1H' });
    const inc = await liveIncident(category);
    await clockOf(p, inc.number, 'resolution', (c) => c.status === 'running');
    await new Promise((r) => setTimeout(r, 1500));
    const resolve = await p.inc.agent
      .patch(`/api/v1/incidents/${inc.number}`)
      .set('If-Match', `"${inc.version}"`)
      .send({ state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'restarted the service' });
    await expectStatus(resolve, 200);
    const met = await clockOf(p, inc.number, 'resolution', (c) => c.status === 'met');
    expect(met.elapsedMs).toBeGreaterThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 2000)); // resolved: does not count
    await expectStatus(await p.inc.agent.post(`/api/v1/incidents/${inc.number}/reopen`).send({ reason: 'still failing' }), 200);
    const reopened = await clockOf(p, inc.number, 'resolution', (c) => c.status === 'running');
    expect(reopened.elapsedMs).toBeGreaterThanOrEqual(met.elapsedMs);
    expect(reopened.elapsedMs).toBeLessThan(met.elapsedMs + 1500);
    const full = await waitFor(async () => {
      const c = await clockById(p, met.id);
      return c.history.some((h: { kind: string }) => h.kind === 'reopened') && c;
    });
    const kinds = full.history.map((h: { kind: string }) => h.kind);
    expect(kinds.filter((k: string) => k === 'met')).toHaveLength(1);
    expect(kinds).toEqual(expect.arrayContaining(['started', 'stopped', 'met', 'reopened']));
    // due = reopen instant + what remained at the stop
    const reopenAt = Date.parse(full.history.find((h: { kind: string }) => h.kind === 'reopened').at);
    expect(Date.parse(full.dueAt)).toBe(reopenAt + (H - met.elapsedMs));
  });

  it('escalates once on breach: the incident records the breach once, even when the event is delivered again', async () => {
    const category = unique('esc');
    await calendarAndDefinition(p, { timeZone: 'UTC', mode: '24x7' }, { category, resolution: 'PT6S' });
    const inc = await liveIncident(category);
    const clock = await clockOf(p, inc.number, 'resolution');
    const escalated = await waitFor(
      async () => {
        const res = await p.inc.agent.get(`/api/v1/incidents/${inc.number}`);
        return res.body.slaBreached === true && res.body.escalationLevel === 1 && res.body;
      },
      { timeoutMs: 40_000, what: 'the incident to record the breach and escalate' },
    );
    const breaches = (b: { slaNotices: Array<{ kind: string }> }) => b.slaNotices.filter((n) => n.kind === 'breached').length;
    expect(breaches(escalated)).toBe(1);
    expect(escalated.slaNotices.find((n: { kind: string }) => n.kind === 'breached')).toMatchObject({ clockId: clock.id, historical: false });

    // deliver the same sla.breached event again (the relay publishes the row once more)
    const outbox = p.sla.ctx.knex('outbox').where({ type: 'itsm.sla.breached.v1' }).whereRaw("envelope->'data'->>'clockId' = ?", [clock.id]);
    const rows = await outbox.clone();
    expect(rows).toHaveLength(1);
    await p.sla.ctx.knex('outbox').where({ id: rows[0].id }).update({ sent_at: null });
    await p.sla.ctx.knex.raw("SELECT pg_notify('itsm_outbox', '')");
    await waitFor(async () => (await p.sla.ctx.knex('outbox').where({ id: rows[0].id }).first()).sent_at !== null, { what: 'the event to be published again' });
    await new Promise((r) => setTimeout(r, 3000));
    const after = (await p.inc.agent.get(`/api/v1/incidents/${inc.number}`)).body;
    expect(breaches(after)).toBe(1);
    expect(after.escalationLevel).toBe(1);
    const escalations = (await p.inc.agent.get(`/api/v1/incidents/${inc.number}/escalations`)).body.items;
    expect(escalations).toHaveLength(1);
    const history = (await clockById(p, clock.id)).history as Array<{ kind: string; historical: boolean }>;
    expect(history.filter((h) => h.kind === 'breached')).toEqual([expect.objectContaining({ historical: false })]);
    expect(history.filter((h) => h.kind === 'warning')).toHaveLength(3);
  });
});

describe('OLAs', () => {
  it("measures an assignment group's own time on the ticket with the same machinery", async () => {
    const group = unique('network');
    const cal = await expectStatus(await p.slaAs.manager.post('/api/v1/sla/calendars').send({ name: unique('cal'), timeZone: 'UTC', mode: '24x7' }), 201);
    const targets = [1, 2, 3, 4, 5].map((priority) => ({ priority, resolution: 'PT4H' }));
    const ola = await p.slaAs.manager.post('/api/v1/sla/definitions').send({ name: unique('ola'), kind: 'ola', match: { assignmentGroup: group }, targets, calendarId: cal.body.id });
    await expectStatus(ola, 201);
    const noGroup = await p.slaAs.manager.post('/api/v1/sla/definitions').send({ name: unique('ola'), kind: 'ola', targets, calendarId: cal.body.id });
    expect(noGroup.status).toBe(422);
    const t = await importIncident(p, {
      openedAt: '2025-06-02T09:00:00Z',
      timeline: [
        { at: '2025-06-02T10:00:00Z', kind: 'assignment', assignmentGroup: group },
        { at: '2025-06-02T11:00:00Z', kind: 'assignment', assignmentGroup: 'service-desk' },
        { at: '2025-06-02T14:00:00Z', kind: 'assignment', assignmentGroup: group },
        { at: '2025-06-02T16:00:00Z', kind: 'state', state: 'resolved' },
      ],
      resolutionCode: 'fixed',
      resolutionNotes: 'done',
    });
    const c = await waitFor(async () => {
      const res = await p.slaAs.agent.get(`/api/v1/sla/clocks?ticket=${t}`);
      return (res.body.items as Array<Record<string, unknown>>).find((x) => x.kind === 'ola' && x.status === 'met');
    });
    // the group held it 10:00-11:00 and 14:00-16:00: 3 h of its 4 h; the desk's 3 h in between do not count
    expect(c).toMatchObject({ id: `${t}:ola-resolution:${group}`, group, target: 'resolution', elapsedMs: 3 * H, pausedMs: 3 * H, openedAt: '2025-06-02T10:00:00.000Z' });
  });
});

describe('access', () => {
  it('requesters see the clocks of their own incidents only; calendars and definitions are read by desk staff', async () => {
    const category = unique('acc');
    await calendarAndDefinition(p, { timeZone: 'UTC', mode: '24x7' }, { category, resolution: 'PT4H' });
    const t = await importIncident(p, { category, callerId: 'ra1', openedAt: '2025-06-02T09:00:00Z', timeline: [] });
    const c = await clockOf(p, t, 'resolution');
    const own = await p.slaAs.ra1.get(`/api/v1/sla/clocks?ticket=${t}`);
    expect(own.status).toBe(200);
    expect(own.body.items.map((x: { id: string }) => x.id)).toContain(c.id);
    expect((await p.slaAs.ra2.get(`/api/v1/sla/clocks?ticket=${t}`)).body.items).toEqual([]);
    expect((await p.slaAs.ra2.get(`/api/v1/sla/clocks/${encodeURIComponent(c.id)}`)).status).toBe(404);
    expect((await p.slaAs.ra1.get(`/api/v1/sla/clocks/${encodeURIComponent(c.id)}`)).status).toBe(200);
    expect((await p.slaAs.ra1.get('/api/v1/sla/clocks')).status).toBe(422);
    expect((await p.slaAs.ra1.get('/api/v1/sla/calendars')).status).toBe(403);
    expect((await p.slaAs.ra1.get('/api/v1/sla/reports/compliance')).status).toBe(403);
    const doc = await p.slaAs.agent.get('/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/sla/clocks/{id}', '/api/v1/sla/reports/compliance', '/api/v1/sla/calendars/{id}']));
    const defs = await p.slaAs.agent.get('/api/v1/sla/definitions');
    expect(defs.body.items.map((d: { id: string }) => d.id)).toEqual(expect.arrayContaining(['incident-urgent', 'incident-standard']));
  });
});

describe('compliance report', () => {
  it('per priority: shares met, breached and running, and business time to respond and to resolve (mean, p50, p90)', async () => {
    const category = unique('rep');
    const targets = [1, 2, 3, 4, 5].map((priority) => ({ priority, response: 'PT30M', resolution: 'PT4H' }));
    await calendarAndDefinition(p, { timeZone: 'UTC', mode: '24x7' }, { category, targets });
    const o = '2024-02-05T09:00:00Z';
    const at = (ms: number) => new Date(Date.parse(o) + ms).toISOString();
    const assign = (ms: number) => ({ at: at(ms), kind: 'assignment', assignee: 'ag1' });
    const resolve = (ms: number) => ({ at: at(ms), kind: 'state', state: 'resolved' });
    const R = { resolutionCode: 'fixed', resolutionNotes: 'done' };
    const a = await importIncident(p, { category, openedAt: o, timeline: [assign(10 * MIN), resolve(H)], ...R });
    const b = await importIncident(p, { category, openedAt: o, timeline: [assign(20 * MIN), resolve(3 * H)], ...R });
    const c = await importIncident(p, { category, openedAt: o, timeline: [assign(40 * MIN)] });
    for (const t of [a, b, c]) await clockOf(p, t, 'resolution');
    const res = await p.slaAs.manager.get('/api/v1/sla/reports/compliance?groupBy=priority&from=2024-02-05T00:00:00Z&to=2024-02-06T00:00:00Z');
    await expectStatus(res, 200);
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.rows[0]).toMatchObject({
      clocks: { total: 6, met: 4, breached: 2, running: 0, paused: 0, cancelled: 0 },
      share: { met: 0.6667, breached: 0.3333, running: 0 },
      response: { count: 3, meanMs: Math.round((70 * MIN) / 3), p50Ms: 20 * MIN, p90Ms: 40 * MIN },
      resolution: { count: 2, meanMs: 2 * H, p50Ms: H, p90Ms: 3 * H },
    });
    expect(res.body.rows[0].key).toMatch(/^P[1-5]$/);
    const byGroup = await p.slaAs.agent.get('/api/v1/sla/reports/compliance?groupBy=group&from=2024-02-05T00:00:00Z&to=2024-02-06T00:00:00Z');
    expect(byGroup.body.rows.map((r: { key: string }) => r.key)).toEqual(['unassigned']);
    // a period that ends before it begins is a mistake, not an empty report
    const backwards = await p.slaAs.manager.get('/api/v1/sla/reports/compliance?from=2024-02-06T00:00:00Z&to=2024-02-05T00:00:00Z');
    await expectStatus(backwards, 422);
    expect(backwards.body.errors).toEqual([expect.objectContaining({ field: 'to', message: 'must be after from' })]);
  });
});
