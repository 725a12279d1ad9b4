import { incidentEvents } from '@itsm/events';
import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { createProblemService } from '../src';
import { client, EventProducer, incidentSnapshot, token, unique, type Client } from './helpers';

let svc: RunningService;
let events: EventProducer;
let pm: Client;
let agent: Client;
let requester: Client;
let admin: Client;
const instance = newInstance();

beforeAll(async () => {
  svc = await startTestService(createProblemService({ detection: { enabled: false, threshold: 3, windowMs: 86_400_000 } }), { instance });
  events = new EventProducer(instance);
  pm = client(svc, await token('pm1', ['problem_manager']));
  agent = client(svc, await token('ag1', ['agent']));
  requester = client(svc, await token('rq1', ['requester']));
  admin = client(svc, await token('ad1', ['admin']));
});
afterAll(async () => {
  await events?.close();
  await svc?.stop();
});

async function newProblem(body: Record<string, unknown> = {}) {
  const r = await pm.post('/api/v1/problems', { title: 'Mail relay drops messages', impact: 2, urgency: 2, ...body });
  expect(r.status).toBe(201);
  return r.body;
}

async function patch(c: Client, number: string, body: Record<string, unknown>) {
  const cur = await c.get(`/api/v1/problems/${number}`);
  return c.patch(`/api/v1/problems/${number}`, body, { 'if-match': cur.headers.get('etag')! });
}

/** An incident in the read copy, as the Incident service's events put it there. */
async function knownIncident(over: Record<string, unknown> = {}) {
  const inc = incidentSnapshot(over);
  await events.send(incidentEvents.created, inc.number, { incident: inc, by: null }, { version: 1 });
  await waitFor(() => svc.ctx.knex('incident_copy').where({ id: inc.id }).first(), { what: `incident ${inc.number} in the read copy` });
  return inc;
}

describe('problem record', () => {
  it('creates a problem with a PRB number, the matrix priority and its version as ETag, and writes created to the outbox', async () => {
    const r = await pm.post('/api/v1/problems', { title: 'VPN drops', impact: 1, urgency: 2, ciIds: ['VPN-GW-1'], category: 'Network' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ number: expect.stringMatching(/^PRB\d{7}$/), state: 'new', priority: 2, knownError: false, version: 1, ciIds: ['VPN-GW-1'] });
    expect(r.headers.get('etag')).toBe('"1"');
    expect(r.headers.get('location')).toBe(`/api/v1/problems/${r.body.number}`);
    const row = await svc.ctx.knex('outbox').where({ partition_key: r.body.number, type: 'itsm.problem.created.v1' }).first();
    expect(row.envelope.data.problem).toMatchObject({ number: r.body.number, state: 'new' });
  });

  it('answers 422 naming the offending and unknown fields, and creates nothing', async () => {
    const before = await svc.ctx.knex('problem').count<{ count: number }[]>('* as count');
    const r = await pm.post('/api/v1/problems', { title: 'x'.repeat(256), impact: 7, colour: 'red' });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['colour', 'impact', 'title']);
    const after = await svc.ctx.knex('problem').count<{ count: number }[]>('* as count');
    expect(after[0].count).toBe(before[0].count);
  });

  it('moves through new → assessment → root cause analysis → fix in progress → resolved → closed, with history', async () => {
    const p = await newProblem();
    for (const [state, extra] of [
      ['assessment', {}],
      ['root_cause_analysis', {}],
      ['fix_in_progress', { rootCause: 'TLS certificate expired on relay' }],
      ['resolved', { resolutionCode: 'fix_applied', resolutionNotes: 'certificate renewed' }],
      ['closed', {}],
    ] as const) {
      const r = await patch(pm, p.number, { state, ...extra });
      expect(r.status).toBe(200);
      expect(r.body.state).toBe(state);
    }
    const final = await pm.get(`/api/v1/problems/${p.number}`);
    expect(final.body).toMatchObject({ state: 'closed', knownError: true, resolvedAt: expect.any(String), closedAt: expect.any(String), version: 6 });
    const h = await agent.get(`/api/v1/problems/${p.number}/history`);
    expect(h.status).toBe(200);
    expect(h.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'created' }),
        expect.objectContaining({ field: 'state', from: 'new', to: 'assessment', actor: { id: 'pm1', name: 'pm1' } }),
        expect.objectContaining({ field: 'rootCause', from: null, to: 'TLS certificate expired on relay' }),
        expect.objectContaining({ field: 'state', from: 'resolved', to: 'closed' }),
      ]),
    );
    const types = (await svc.ctx.knex('outbox').where({ partition_key: p.number }).orderBy('seq')).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['itsm.problem.known_error_recorded.v1', 'itsm.problem.resolved.v1', 'itsm.problem.closed.v1']));
  });

  it('refuses a problem in New moved to Closed with 409 naming the transition, status unchanged (C09 step 5)', async () => {
    const p = await newProblem();
    const r = await patch(pm, p.number, { state: 'closed' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'INVALID_TRANSITION', from: 'new', to: 'closed' });
    expect(r.body.detail).toContain('new → closed');
    const after = await pm.get(`/api/v1/problems/${p.number}`);
    expect(after.body).toMatchObject({ state: 'new', version: 1 });
  });

  it('needs a root cause before fix in progress (422 naming rootCause)', async () => {
    const p = await newProblem();
    await patch(pm, p.number, { state: 'assessment' });
    await patch(pm, p.number, { state: 'root_cause_analysis' });
    const r = await patch(pm, p.number, { state: 'fix_in_progress' });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([expect.objectContaining({ field: 'rootCause' })]);
  });
});

describe('closure with linked incidents', () => {
  it('refuses to close while linked incidents are open, listing them; closes once they are resolved', async () => {
    const p = await newProblem();
    const a = await knownIncident({ state: 'on_hold', holdReason: 'awaiting_problem' });
    const b = await knownIncident({ state: 'in_progress' });
    const c = await knownIncident({ state: 'closed' });
    for (const i of [a, b, c]) expect((await agent.post(`/api/v1/problems/${p.number}/incidents`, { incident: i.number })).status).toBe(201);
    await patch(pm, p.number, { state: 'assessment' });
    await patch(pm, p.number, { state: 'root_cause_analysis' });
    await patch(pm, p.number, { state: 'resolved', resolutionCode: 'workaround_accepted' });

    const refused = await patch(pm, p.number, { state: 'closed' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('OPEN_INCIDENTS_LINKED');
    expect(refused.body.incidents.map((i: { number: string }) => i.number).sort()).toEqual([a.number, b.number].sort());
    expect(refused.body.detail).toContain(a.number);
    expect((await pm.get(`/api/v1/problems/${p.number}`)).body.state).toBe('resolved');

    const open = await agent.get(`/api/v1/problems/${p.number}/incidents?open=true`);
    expect(open.body.items.map((i: { number: string }) => i.number).sort()).toEqual([a.number, b.number].sort());

    for (const [i, v] of [[a, 2], [b, 2]] as const) {
      await events.send(incidentEvents.resolved, i.number, { incident: { ...i, state: 'resolved' }, by: null, resolutionCode: 'solved' }, { version: v });
    }
    await waitFor(async () => (await svc.ctx.knex('incident_copy').whereIn('id', [a.id, b.id]).where('state', 'resolved')).length === 2, { what: 'incidents resolved in the copy' });
    const closed = await patch(pm, p.number, { state: 'closed' });
    expect(closed.status).toBe(200);
    expect(closed.body.state).toBe('closed');
  });

  it('links an incident once, refuses a second problem, and unlinks (problem manager only)', async () => {
    const p1 = await newProblem();
    const p2 = await newProblem();
    const i = await knownIncident();
    expect((await agent.post(`/api/v1/problems/${p1.number}/incidents`, { incident: i.number })).status).toBe(201);
    expect((await agent.post(`/api/v1/problems/${p1.number}/incidents`, { incident: i.number })).status).toBe(200);
    const other = await agent.post(`/api/v1/problems/${p2.number}/incidents`, { incident: i.number });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: 'INCIDENT_ALREADY_LINKED', problem: p1.number });
    expect((await agent.post(`/api/v1/problems/${p1.number}/incidents`, { incident: 'INC0000000' })).status).toBe(404);
    const linked = await svc.ctx.knex('outbox').where({ partition_key: p1.number, type: 'itsm.problem.incident_linked.v1' });
    expect(linked).toHaveLength(1);
    expect(linked[0].envelope.data).toMatchObject({ incidentId: i.id, incidentNumber: i.number });
    expect((await agent.del(`/api/v1/problems/${p1.number}/incidents/${i.number}`)).status).toBe(403);
    expect((await pm.del(`/api/v1/problems/${p1.number}/incidents/${i.number}`)).status).toBe(204);
    expect((await pm.del(`/api/v1/problems/${p1.number}/incidents/${i.number}`)).status).toBe(404);
    expect((await svc.ctx.knex('outbox').where({ partition_key: p1.number, type: 'itsm.problem.incident_unlinked.v1' })).length).toBe(1);
  });
});

describe('concurrency and idempotency', () => {
  it('keeps both agents’ work: 200, 412 with the current version, a note without precondition, 200 with the fresh ETag, 428 without If-Match (C17)', async () => {
    const p = await newProblem();
    const v = (await pm.get(`/api/v1/problems/${p.number}`)).headers.get('etag')!;
    const pm2 = client(svc, await token('pm2', ['problem_manager']));
    const b = await pm2.patch(`/api/v1/problems/${p.number}`, { owner: 'pm2' }, { 'if-match': v });
    expect(b.status).toBe(200);
    expect(b.body.version).toBe(2);
    const a = await pm.patch(`/api/v1/problems/${p.number}`, { state: 'assessment' }, { 'if-match': v });
    expect(a.status).toBe(412);
    expect(a.body).toMatchObject({ code: 'VERSION_MISMATCH', currentVersion: 2 });
    const note = await pm.post(`/api/v1/problems/${p.number}/comments`, { body: 'Waiting on vendor RMA', visibility: 'work_note' });
    expect(note.status).toBe(201);
    const fresh = await pm.get(`/api/v1/problems/${p.number}`);
    const a2 = await pm.patch(`/api/v1/problems/${p.number}`, { state: 'assessment' }, { 'if-match': fresh.headers.get('etag')! });
    expect(a2.status).toBe(200);
    expect(a2.body).toMatchObject({ owner: 'pm2', state: 'assessment', version: 3 });
    const notes = await pm.get(`/api/v1/problems/${p.number}/comments`);
    expect(notes.body.items).toEqual([expect.objectContaining({ body: 'Waiting on vendor RMA', visibility: 'work_note' })]);
    expect((await pm.patch(`/api/v1/problems/${p.number}`, { owner: 'x' })).status).toBe(428);
    expect((await pm.post(`/api/v1/problems/${p.number}/workaround`, { workaround: 'x' })).status).toBe(428);
  });

  it('creates one problem for one Idempotency-Key, sent at once and again, and two for two keys (C16)', async () => {
    const title = unique('Duplicate submit');
    const body = { title, impact: 3, urgency: 3 };
    const key = unique('k');
    const [r1, r2] = await Promise.all([pm.post('/api/v1/problems', body, { 'idempotency-key': key }), pm.post('/api/v1/problems', body, { 'idempotency-key': key })]);
    await new Promise((r) => setTimeout(r, 200));
    const r3 = await pm.post('/api/v1/problems', body, { 'idempotency-key': key });
    for (const r of [r1, r2, r3]) expect(r.status).toBe(201);
    expect(new Set([r1.body.number, r2.body.number, r3.body.number]).size).toBe(1);
    expect(r3.headers.get('idempotent-replayed')).toBe('true');
    expect(await svc.ctx.knex('problem').where({ title }).count<{ count: number }[]>('* as count')).toEqual([{ count: 1 }]);
    expect(await svc.ctx.knex('outbox').where({ partition_key: r1.body.number, type: 'itsm.problem.created.v1' })).toHaveLength(1);

    const c1 = await pm.post('/api/v1/problems', body, { 'idempotency-key': unique('k1') });
    const c2 = await pm.post('/api/v1/problems', body, { 'idempotency-key': unique('k2') });
    expect(c1.body.number).not.toBe(c2.body.number);
    expect((await pm.post('/api/v1/problems', { ...body, impact: 1 }, { 'idempotency-key': key })).status).toBe(422);
  });
});

describe('roles', () => {
  it('closes every endpoint to requesters (403) and shows problems to nobody without a token (401) (C18)', async () => {
    const p = await newProblem();
    const i = await knownIncident();
    const calls: Array<Promise<{ status: number }>> = [
      requester.get('/api/v1/problems'),
      requester.get(`/api/v1/problems/${p.number}`),
      requester.post('/api/v1/problems', { title: 'x' }),
      requester.patch(`/api/v1/problems/${p.number}`, { title: 'x' }, { 'if-match': '"1"' }),
      requester.get(`/api/v1/problems/${p.number}/history`),
      requester.get(`/api/v1/problems/${p.number}/comments`),
      requester.post(`/api/v1/problems/${p.number}/comments`, { body: 'x' }),
      requester.get(`/api/v1/problems/${p.number}/incidents`),
      requester.post(`/api/v1/problems/${p.number}/incidents`, { incident: i.number }),
      requester.get('/api/v1/known-errors?q=printer'),
      requester.get(`/api/v1/incidents/${i.number}/known-error-suggestions`),
      requester.post('/api/v1/problems/import', { records: [] }),
    ];
    for (const r of await Promise.all(calls)) expect(r.status).toBe(403);
    expect((await fetch(`${svc.url}/api/v1/problems`)).status).toBe(401);
  });

  it('lets agents read, link and note but not change the record; admin may do everything', async () => {
    const p = await newProblem();
    expect((await agent.get(`/api/v1/problems/${p.number}`)).status).toBe(200);
    expect((await agent.get('/api/v1/problems')).status).toBe(200);
    expect((await agent.post('/api/v1/problems', { title: 'x' })).status).toBe(403);
    expect((await agent.patch(`/api/v1/problems/${p.number}`, { title: 'x' }, { 'if-match': '"1"' })).status).toBe(403);
    expect((await agent.post(`/api/v1/problems/${p.number}/workaround`, { workaround: 'x' }, { 'if-match': '"1"' })).status).toBe(403);
    expect((await agent.post(`/api/v1/problems/${p.number}/comments`, { body: 'seen on floor 3' })).status).toBe(201);
    expect((await admin.patch(`/api/v1/problems/${p.number}`, { title: 'Renamed by admin' }, { 'if-match': '"1"' })).status).toBe(200);
  });
});

describe('known error database', () => {
  let printer: { number: string };
  let dns: { number: string };
  beforeAll(async () => {
    printer = await newProblem({ title: 'Printer spooler crashes on large PDF', category: 'Hardware', symptom: 'Print fails', ciIds: ['PRN-4411'] });
    await pm.post(`/api/v1/problems/${printer.number}/known-error`, { rootCause: 'Spooler memory limit', workaround: 'Split the PDF before printing' }, { 'if-match': '"1"' });
    dns = await newProblem({ title: 'Intermittent name resolution failures', category: 'Network', symptom: 'DNS timeout', ciIds: ['DNS-02'] });
    await pm.post(`/api/v1/problems/${dns.number}/workaround`, { workaround: 'Use the secondary resolver' }, { 'if-match': '"1"' });
    await newProblem({ title: 'Printer toner reports empty', category: 'Hardware', symptom: 'Print fails' }); // not a known error
  });

  it('finds known errors by text, CI, category and symptom, and never lists problems that are not known errors', async () => {
    const byText = await agent.get('/api/v1/known-errors?q=printer%20pdf');
    expect(byText.status).toBe(200);
    expect(byText.body.items.map((p: { number: string }) => p.number)).toEqual([printer.number]);
    expect(byText.body.items[0]).toMatchObject({ knownError: true, workaround: 'Split the PDF before printing', rank: expect.any(Number) });
    const byWorkaroundText = await agent.get('/api/v1/known-errors?q=secondary%20resolver');
    expect(byWorkaroundText.body.items.map((p: { number: string }) => p.number)).toEqual([dns.number]);
    expect((await agent.get('/api/v1/known-errors?ci=DNS-02')).body.items.map((p: { number: string }) => p.number)).toEqual([dns.number]);
    const bySymptom = await agent.get('/api/v1/known-errors?category=hardware&symptom=print%20fails');
    expect(bySymptom.body.items.map((p: { number: string }) => p.number)).toEqual([printer.number]);
  });

  it('pages known errors with a cursor', async () => {
    const first = await agent.get('/api/v1/known-errors?limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await agent.get(`/api/v1/known-errors?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].number).not.toBe(first.body.items[0].number);
    expect((await agent.get('/api/v1/known-errors?cursor=garbage!')).status).toBe(400);
  });

  it('suggests known errors for an incident from its CI, category and text (agents), 404 for an unknown incident', async () => {
    const i = await knownIncident({ title: 'Cannot print the quarterly PDF report', category: 'Hardware', symptom: 'Print fails', ciId: 'PRN-4411' });
    const r = await agent.get(`/api/v1/incidents/${i.number}/known-error-suggestions`);
    expect(r.status).toBe(200);
    expect(r.body.incident.number).toBe(i.number);
    expect(r.body.items[0]).toMatchObject({ number: printer.number, reasons: expect.arrayContaining(['same_ci', 'same_category', 'same_symptom', 'similar_text']) });
    expect(r.body.items.map((p: { number: string }) => p.number)).not.toContain(dns.number);
    expect((await agent.get('/api/v1/incidents/INC0000000/known-error-suggestions')).status).toBe(404);
  });
});

describe('lists', () => {
  it('filters by state, CI and text and pages with a cursor', async () => {
    const ci = unique('CI');
    for (let n = 0; n < 3; n++) await newProblem({ title: `Disk latency ${n}`, ciIds: [ci] });
    const page1 = await agent.get(`/api/v1/problems?ci=${ci}&limit=2&sort=number`);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await agent.get(`/api/v1/problems?ci=${ci}&limit=2&sort=number&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    const numbers = [...page1.body.items, ...page2.body.items].map((p: { number: string }) => p.number);
    expect(numbers).toEqual([...numbers].sort());
    expect((await agent.get(`/api/v1/problems?ci=${ci}&state=closed`)).body.items).toEqual([]);
    expect((await agent.get(`/api/v1/problems?state=bogus`)).status).toBe(422);
    expect((await agent.get(`/api/v1/problems?sort=colour`)).status).toBe(422);
  });
});

describe('fix request', () => {
  it('raises an RfC draft through fix_requested and moves to fix in progress', async () => {
    const p = await newProblem({ ciIds: ['APP-7'] });
    await patch(pm, p.number, { state: 'assessment' });
    await patch(pm, p.number, { state: 'root_cause_analysis', rootCause: 'Connection pool too small' });
    const r = await patch(pm, p.number, { state: 'fix_in_progress' });
    expect(r.status).toBe(200);
    const cur = await pm.get(`/api/v1/problems/${p.number}`);
    const fix = await pm.post(`/api/v1/problems/${p.number}/fix-request`, { justification: 'Stops weekly outages', type: 'normal' }, { 'if-match': cur.headers.get('etag')! });
    expect(fix.status).toBe(200);
    expect(fix.body.fix.request).toMatchObject({ justification: 'Stops weekly outages', ciIds: ['APP-7'] });
    const row = await svc.ctx.knex('outbox').where({ partition_key: p.number, type: 'itsm.problem.fix_requested.v1' }).first();
    expect(row.envelope.data.request).toMatchObject({
      title: expect.stringContaining(p.number),
      description: expect.stringContaining('Connection pool too small'),
      justification: 'Stops weekly outages',
      ciIds: ['APP-7'],
      problemId: p.id,
      problemNumber: p.number,
    });
    const early = await newProblem();
    const refused = await pm.post(`/api/v1/problems/${early.number}/fix-request`, { justification: 'x' }, { 'if-match': '"1"' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('new → fix_in_progress');
  });
});

describe('import', () => {
  it('imports historical problems once per source number (admin only), keeping their state and dates', async () => {
    const src = unique('legacy');
    const records = [
      { source: src, sourceNumber: 'PRB0001', title: 'Old mail outage', impact: 2, urgency: 1, state: 'closed', rootCause: 'Disk full', openedAt: '2016-03-02T09:00:00Z', resolvedAt: '2016-03-05T09:00:00Z', closedAt: '2016-03-09T09:00:00Z' },
      { source: src, sourceNumber: 'PRB0002', title: 'Old VPN issue', impact: 3, urgency: 3, state: 'root_cause_analysis', openedAt: '2016-04-01T09:00:00Z' },
    ];
    expect((await pm.post('/api/v1/problems/import', { records })).status).toBe(403);
    const first = await admin.post('/api/v1/problems/import', { records });
    expect(first.status).toBe(200);
    expect(first.body.created).toHaveLength(2);
    const again = await admin.post('/api/v1/problems/import', { records });
    expect(again.body.created).toEqual([]);
    expect(again.body.skipped.map((s: { number: string }) => s.number)).toEqual(first.body.created.map((c: { number: string }) => c.number));
    const old = await agent.get(`/api/v1/problems/${first.body.created[0].number}`);
    expect(old.body).toMatchObject({ state: 'closed', knownError: true, priority: 2, source: src, sourceNumber: 'PRB0001', openedAt: '2016-03-02T09:00:00.000Z', closedAt: '2016-03-09T09:00:00.000Z' });
    const bad = await admin.post('/api/v1/problems/import', { records: [{ ...records[0], sourceNumber: 'PRB0003', resolvedAt: null }] });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('records.0.resolvedAt');
  });
});

it('answers 413 for a body over the limit and creates nothing', async () => {
  const before = await svc.ctx.knex('problem').count<{ count: number }[]>('* as count');
  const r = await pm.post('/api/v1/problems', { title: 'big', description: 'x'.repeat(1024 * 1024 + 1) });
  expect(r.status).toBe(413);
  expect(await svc.ctx.knex('problem').count<{ count: number }[]>('* as count')).toEqual(before);
});

it('serves health and readiness (Postgres, Kafka, Temporal)', async () => {
  expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
});

it('documents every route in OpenAPI', async () => {
  const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining([
      '/api/v1/problems',
      '/api/v1/problems/{number}',
      '/api/v1/problems/{number}/incidents',
      '/api/v1/problems/{number}/incidents/{incident}',
      '/api/v1/problems/{number}/workaround',
      '/api/v1/problems/{number}/known-error',
      '/api/v1/problems/{number}/fix-request',
      '/api/v1/problems/{number}/comments',
      '/api/v1/problems/{number}/history',
      '/api/v1/problems/import',
      '/api/v1/known-errors',
      '/api/v1/incidents/{number}/known-error-suggestions',
    ]),
  );
});
