import type { RunningService } from '@itsm/runtime';
import { createIncident, outboxTypes, patchFresh, startIncident, type Client } from './helpers';

let svc: RunningService;
let as: Awaited<ReturnType<typeof startIncident>>['as'];

beforeAll(async () => {
  ({ svc, as } = await startIncident());
  await as.admin.put('/api/v1/groups/desk').send({ name: 'Service desk', members: ['ag1', 'ag2'] }).expect(201);
});
afterAll(() => svc?.stop());

const get = async (c: Client, n: string) => (await c.get(`/api/v1/incidents/${n}`)).body;

describe('C07: priority matrix recalculation', () => {
  beforeAll(async () => {
    await as.admin.put('/api/v1/admin/priority-matrix').send({ matrix: [[1, 2, 3], [2, 3, 4], [3, 4, 5]] }).expect(200);
  });
  afterAll(async () => {
    await as.admin.put('/api/v1/admin/priority-matrix').send({ matrix: [[1, 2, 3], [2, 3, 4], [3, 4, 4]] }).expect(200);
  });

  it('recomputes on impact alone, keeps a permitted override, and refuses an unpermitted one', async () => {
    const inc = await createIncident(as.basic, { impact: 3, urgency: 3 });
    expect(inc.priority).toBe(5);
    const n = inc.number;
    expect((await patchFresh(as.basic, n, { impact: 1 })).body.priority).toBe(3);
    expect((await patchFresh(as.basic, n, { urgency: 1 })).body.priority).toBe(1);
    const s4 = await patchFresh(as.basic, n, { impact: 2, priority: 1 });
    expect(s4.status).toBe(200);
    expect(s4.body.priority).toBe(2);
    const s5 = await patchFresh(as.lead, n, { impact: 3, priority: 1 });
    expect(s5.body).toMatchObject({ priority: 1, priorityOverride: true, impact: 3, urgency: 1 });
    const before = await get(as.basic, n);
    const s6 = await patchFresh(as.basic, n, { urgency: 2, priority: 1 });
    expect(s6.status).toBe(403);
    expect(await get(as.basic, n)).toEqual(before);
    const types = await outboxTypes(svc, n);
    expect(types.filter((t) => t === 'itsm.incident.priority_changed.v1')).toHaveLength(4);
  });
});

describe('C09: the lifecycle on every entry point', () => {
  it('refuses New → On Hold through PATCH and through bulk update, leaving the record unchanged', async () => {
    const a = await createIncident(as.agent);
    const b = await createIncident(as.agent);
    await patchFresh(as.agent, b.number, { state: 'in_progress' }).expect(200);
    const single = await patchFresh(as.agent, a.number, { state: 'on_hold', holdReason: 'awaiting_caller' });
    expect(single.status).toBe(409);
    expect(single.body.detail).toContain('new → on_hold');
    const bulk = await as.agent
      .post('/api/v1/incidents/bulk')
      .send({ incidents: [{ number: b.number }, { number: a.number }], changes: { state: 'on_hold', holdReason: 'awaiting_caller' } });
    expect(bulk.status).toBe(409);
    expect(bulk.body.detail).toContain('new → on_hold');
    expect((await get(as.agent, a.number)).state).toBe('new');
    expect((await get(as.agent, b.number)).state).toBe('in_progress'); // all or nothing
  });

  it('applies an allowed bulk update to every incident', async () => {
    const a = await createIncident(as.agent);
    const b = await createIncident(as.agent);
    const res = await as.agent.post('/api/v1/incidents/bulk').send({ incidents: [{ number: a.number }, { number: b.number }], changes: { state: 'in_progress' } });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { state: string }) => i.state)).toEqual(['in_progress', 'in_progress']);
  });

  it('refuses New → Closed and Closed → New', async () => {
    const a = await createIncident(as.agent);
    expect((await patchFresh(as.agent, a.number, { state: 'closed' })).status).toBe(409);
    await patchFresh(as.agent, a.number, { state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'ok' }).expect(200);
    await patchFresh(as.agent, a.number, { state: 'closed' }).expect(200);
    const res = await patchFresh(as.agent, a.number, { state: 'new' });
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('closed → new');
  });

  it('step 6: reopens a closed incident with an assignee (Closed → In Progress) and records one reopen', async () => {
    const a = await createIncident(as.agent, { assignmentGroup: 'desk', assignee: 'ag1' });
    await patchFresh(as.agent, a.number, { state: 'in_progress' }).expect(200);
    await patchFresh(as.agent, a.number, { state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'ok' }).expect(200);
    await patchFresh(as.agent, a.number, { state: 'closed' }).expect(200);
    const res = await patchFresh(as.agent, a.number, { state: 'in_progress' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'in_progress', reopenCount: 1, assignee: 'ag1' });
    const history = (await as.agent.get(`/api/v1/incidents/${a.number}/history`)).body.items;
    expect(history.filter((h: { field: string }) => h.field === 'reopenCount')).toEqual([expect.objectContaining({ from: 0, to: 1 })]);
    expect(await outboxTypes(svc, a.number)).toContain('itsm.incident.reopened.v1');
  });
});

describe('C11: resolved_at only on active → inactive', () => {
  it('keeps resolved_at when a resolved incident is closed', async () => {
    const r1 = await createIncident(as.agent);
    await patchFresh(as.agent, r1.number, { state: 'in_progress' }).expect(200);
    const resolved = (await patchFresh(as.agent, r1.number, { state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'ok' })).body;
    const closed = (await patchFresh(as.agent, r1.number, { state: 'closed' })).body;
    expect(closed.resolvedAt).toBe(resolved.resolvedAt);
    expect(closed.closedAt >= closed.resolvedAt).toBe(true);
  });

  it('takes the latest active → inactive time after a reopen', async () => {
    const r2 = await createIncident(as.agent);
    const first = (await patchFresh(as.agent, r2.number, { state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'ok' })).body;
    await patchFresh(as.agent, r2.number, { state: 'in_progress' }).expect(200);
    const second = (await patchFresh(as.agent, r2.number, { state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'again' })).body;
    expect(second.resolvedAt > first.resolvedAt).toBe(true);
    expect(second.reopenCount).toBe(1);
  });
});

describe('C16: duplicate submissions', () => {
  const body = { title: 'Duplicate submit', description: 'clicked twice' };

  it('A: the same Idempotency-Key, concurrently and 1 s later, creates one incident and one created event', async () => {
    const send = () => as.ra1.post('/api/v1/incidents').set('Idempotency-Key', 'k-7f3a').send(body);
    const [r1, r2] = await Promise.all([send(), send()]);
    await new Promise((r) => setTimeout(r, 1000));
    const r3 = await send();
    const statuses = [r1.status, r2.status, r3.status].sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 201 || s === 409)).toBe(true);
    const numbers = new Set([r1, r2, r3].filter((r) => r.status < 300).map((r) => r.body.number));
    expect(numbers.size).toBe(1);
    const [number] = [...numbers];
    expect((await outboxTypes(svc, number)).filter((t) => t === 'itsm.incident.created.v1')).toHaveLength(1);
  });

  it('B: the same mail Message-ID delivered twice creates one incident and logs the duplicate', async () => {
    const mail = { messageId: '<msg-0001@mail.example.test>', from: 'mailer@example.test', subject: 'Printer down', body: 'It is down' };
    const first = await as.agent.post('/api/v1/inbound-mail').send(mail);
    expect(first.status).toBe(201);
    const second = await as.agent.post('/api/v1/inbound-mail').send(mail);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ duplicate: true, duplicateCount: 1, incident: { number: first.body.incident.number } });
    const count = await svc.ctx.knex('incident').where({ source_message_id: mail.messageId }).count<{ count: string }[]>('id as count');
    expect(Number(count[0].count)).toBe(1);
  });

  it('C: different keys create two incidents', async () => {
    const a = await as.ra1.post('/api/v1/incidents').set('Idempotency-Key', 'k-1').send(body);
    const b = await as.ra1.post('/api/v1/incidents').set('Idempotency-Key', 'k-2').send(body);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.number).not.toBe(b.body.number);
  });
});

describe('C17: no lost update', () => {
  it('412 on a stale version, notes need no precondition, 428 without If-Match', async () => {
    const t5 = await createIncident(as.agent);
    await patchFresh(as.agent, t5.number, { state: 'in_progress' }).expect(200);
    const read = await as.agent.get(`/api/v1/incidents/${t5.number}`);
    const etag = read.headers.etag;
    const b = await as.agent2.patch(`/api/v1/incidents/${t5.number}`).set('If-Match', etag).send({ assignmentGroup: 'desk', assignee: 'ag2' });
    expect(b.status).toBe(200);
    expect(b.body.version).toBe(read.body.version + 1);
    const a = await as.agent.patch(`/api/v1/incidents/${t5.number}`).set('If-Match', etag).send({ state: 'on_hold', holdReason: 'awaiting_vendor' });
    expect(a.status).toBe(412);
    expect(a.body.currentVersion).toBe(b.body.version);
    expect((await get(as.agent, t5.number)).state).toBe('in_progress');
    const note = await as.agent.post(`/api/v1/incidents/${t5.number}/work-notes`).send({ body: 'Waiting on vendor RMA' });
    expect(note.status).toBe(201);
    const fresh = await as.agent.get(`/api/v1/incidents/${t5.number}`);
    const a2 = await as.agent.patch(`/api/v1/incidents/${t5.number}`).set('If-Match', fresh.headers.etag).send({ state: 'on_hold', holdReason: 'awaiting_vendor' });
    expect(a2.status).toBe(200);
    expect(a2.body).toMatchObject({ assignee: 'ag2', state: 'on_hold' });
    const notes = (await as.agent.get(`/api/v1/incidents/${t5.number}/comments`)).body.items;
    expect(notes).toEqual([expect.objectContaining({ visibility: 'internal', body: 'Waiting on vendor RMA' })]);
    expect((await as.agent.patch(`/api/v1/incidents/${t5.number}`).send({ title: 'x' })).status).toBe(428);
  });
});

describe('C18: requesters see only their own data', () => {
  let ta1: string, ta2: string, tb1: string;
  beforeAll(async () => {
    ta1 = (await createIncident(as.ra1, { title: 'Office printer jammed' })).number;
    ta2 = (await createIncident(as.ra2, { title: 'Printer out of toner' })).number;
    tb1 = (await createIncident(as.rb1, { title: 'Printer offline' })).number;
    await as.agent.post(`/api/v1/incidents/${ta1}/work-notes`).send({ body: 'internal: caller is VIP' }).expect(201);
    await as.agent.post(`/api/v1/incidents/${ta1}/comments`).send({ body: 'We are on it' }).expect(201);
    await as.admin.put('/api/v1/organisations/ORG-A').send({ name: 'Org A', members: ['ra1', 'ra2'] }).expect(201);
    await as.admin.put('/api/v1/organisations/ORG-B').send({ name: 'Org B', members: ['rb1'] }).expect(201);
  });

  it('lists, gets, searches and suggests only their own incidents', async () => {
    const list = (await as.ra1.get('/api/v1/incidents?limit=200')).body.items.map((i: { number: string }) => i.number);
    expect(list).toContain(ta1);
    expect(list).not.toContain(ta2);
    expect(list).not.toContain(tb1);
    expect(list.every((n: string) => n)).toBe(true);
    expect((await as.ra1.get(`/api/v1/incidents/${tb1}`)).status).toBe(404);
    expect((await as.ra1.get(`/api/v1/incidents/${ta2}`)).status).toBe(404);
    const search = (await as.ra1.get('/api/v1/incidents/search?q=printer')).body;
    expect(search.total).toBe(1);
    expect(search.items.map((i: { number: string }) => i.number)).toEqual([ta1]);
    const similar = (await as.ra1.get(`/api/v1/incidents/${ta1}/similar`)).body.items.map((i: { number: string }) => i.number);
    expect(similar).not.toContain(tb1);
    expect(similar).not.toContain(ta2);
    const agentSimilar = (await as.agent.get(`/api/v1/incidents/${ta1}/similar`)).body.items.map((i: { number: string }) => i.number);
    expect(agentSimilar).toEqual(expect.arrayContaining([ta2, tb1]));
  });

  it('with the organisation setting on, shows the organisation\'s incidents and still never another organisation\'s', async () => {
    expect((await as.ra1.put('/api/v1/organisations/ORG-A').send({ name: 'Org A', membersSeeOrganisationTickets: true })).status).toBe(403);
    await as.admin.put('/api/v1/organisations/ORG-A').send({ name: 'Org A', membersSeeOrganisationTickets: true }).expect(200);
    try {
      const list = (await as.ra1.get('/api/v1/incidents?limit=200')).body.items.map((i: { number: string }) => i.number);
      expect(list).toEqual(expect.arrayContaining([ta1, ta2]));
      expect(list).not.toContain(tb1);
      expect((await as.ra1.get(`/api/v1/incidents/${ta2}`)).status).toBe(200);
      expect((await as.ra1.get(`/api/v1/incidents/${tb1}`)).status).toBe(404);
      const search = (await as.ra1.get('/api/v1/incidents/search?q=printer')).body;
      expect(search.total).toBe(2);
      expect(search.items.map((i: { number: string }) => i.number).sort()).toEqual([ta1, ta2].sort());
      const similar = (await as.ra1.get(`/api/v1/incidents/${ta1}/similar`)).body.items.map((i: { number: string }) => i.number);
      expect(similar).toContain(ta2);
      expect(similar).not.toContain(tb1);
      expect((await as.ra1.get(`/api/v1/incidents/${ta2}/comments`)).status).toBe(200);
    } finally {
      await as.admin.put('/api/v1/organisations/ORG-A').send({ name: 'Org A', membersSeeOrganisationTickets: false }).expect(200);
    }
    expect((await as.ra1.get(`/api/v1/incidents/${ta2}`)).status).toBe(404);
  });

  it('never shows work notes or internal history to requesters, and 404s others\' sub-resources', async () => {
    const comments = (await as.ra1.get(`/api/v1/incidents/${ta1}/comments`)).body.items;
    expect(comments.map((c: { body: string }) => c.body)).toEqual(['We are on it']);
    expect((await as.ra1.get(`/api/v1/incidents/${ta1}/comments?visibility=internal`)).body.items).toEqual([]);
    const history = (await as.ra1.get(`/api/v1/incidents/${ta1}/history`)).body.items;
    expect(history.some((h: { field: string }) => h.field === 'firstResponseAt')).toBe(false);
    expect((await as.ra1.get(`/api/v1/incidents/${tb1}/comments`)).status).toBe(404);
    expect((await as.ra1.get(`/api/v1/incidents/${tb1}/history`)).status).toBe(404);
    expect((await as.ra1.post(`/api/v1/incidents/${tb1}/comments`).send({ body: 'hi' })).status).toBe(404);
    expect((await as.ra1.post(`/api/v1/incidents/${ta1}/work-notes`).send({ body: 'hi' })).status).toBe(403);
    const own = await as.ra1.get(`/api/v1/incidents/${ta1}`);
    expect(own.body.escalationLevel).toBeUndefined();
  });

  it('keeps agent and admin endpoints closed (the /users cases map onto groups)', async () => {
    expect((await as.ra1.get('/api/v1/groups')).status).toBe(403);
    expect((await as.ra1.put('/api/v1/groups/desk').send({ name: 'mine', members: ['ra1'] })).status).toBe(403);
    expect((await as.ra1.put('/api/v1/groups/desk/members').send({ members: ['ra1'] })).status).toBe(403);
    expect((await as.agent.put('/api/v1/groups/desk/members').send({ members: ['ag1'] })).status).toBe(403);
    expect((await as.admin.get('/api/v1/groups/desk')).body.members).toEqual(['ag1', 'ag2']);
    expect((await as.ra1.patch(`/api/v1/incidents/${ta1}`).set('If-Match', '"1"').send({ priority: 1 })).status).toBe(403);
    expect((await as.ra1.get(`/api/v1/incidents/${ta1}/escalations`)).status).toBe(403);
  });

  it('creates requesters\' incidents for themselves through the portal', async () => {
    const inc = await createIncident(as.ra1, { callerId: 'ra2', contactType: 'phone' });
    expect(inc).toMatchObject({ callerId: 'ra1', contactType: 'portal' });
    expect((await as.ra1.post('/api/v1/incidents').send({ title: 'assign me', assignmentGroup: 'desk', assignee: 'ag1' })).status).toBe(403);
    expect((await as.ra1.post('/api/v1/incidents').send({ title: 'urgent!', priority: 1 })).status).toBe(403);
  });
});

describe('C20: input validation', () => {
  it('stores script text as given and returns it as JSON text', async () => {
    const title = '<script>alert(1)</script>Printer down';
    const description = '<p>ok</p><img src=x onerror=alert(1)><a href="javascript:alert(2)">x</a>';
    const res = await as.agent.post('/api/v1/incidents').send({ title, description });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ title, description });
    const c = await as.agent.post(`/api/v1/incidents/${res.body.number}/comments`).send({ body: '<script>alert(3)</script>' });
    expect(c.status).toBe(201);
    expect(c.body.body).toBe('<script>alert(3)</script>');
  });

  it('accepts a 255-character title and refuses 256 with 422 naming title, creating nothing', async () => {
    expect((await as.agent.post('/api/v1/incidents').send({ title: 'a'.repeat(255) })).status).toBe(201);
    const before = await svc.ctx.knex('incident').count<{ n: string }[]>('id as n');
    const res = await as.agent.post('/api/v1/incidents').send({ title: 'a'.repeat(256) });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'title' })]);
    expect(await svc.ctx.knex('incident').count<{ n: string }[]>('id as n')).toEqual(before);
  });

  it('refuses a 256-character title on update, leaving the title, and a follow-up still works', async () => {
    const inc = await createIncident(as.agent, { title: 'short' });
    const res = await patchFresh(as.agent, inc.number, { title: 'b'.repeat(256) });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'title' })]);
    expect((await get(as.agent, inc.number)).title).toBe('short');
    expect((await as.agent.post(`/api/v1/incidents/${inc.number}/comments`).send({ body: 'follow-up' })).status).toBe(201);
  });

  it('answers 413 for a body over 1 MiB and creates nothing; never a 500 for odd input', async () => {
    const before = await svc.ctx.knex('incident').count<{ n: string }[]>('id as n');
    const res = await as.agent.post('/api/v1/incidents').set('Content-Type', 'application/json').send(JSON.stringify({ title: 't', description: 'x'.repeat(1024 * 1024 + 1) }));
    expect(res.status).toBe(413);
    expect(await svc.ctx.knex('incident').count<{ n: string }[]>('id as n')).toEqual(before);
    const odd = await Promise.all([
      as.agent.post('/api/v1/incidents').send({ title: 'nul\u0000byte' }),
      as.agent.post('/api/v1/incidents').send({ title: 't', impact: 9 }),
      as.agent.post('/api/v1/incidents').set('Content-Type', 'application/json').send('{"title":'),
      as.agent.get('/api/v1/incidents/INC9999999'),
      as.agent.get('/api/v1/incidents/not-a-number'),
      as.agent.get('/api/v1/incidents?cursor=%%%'),
      as.agent.get('/api/v1/incidents?openedFrom=yesterday'),
      as.agent.get('/api/v1/incidents/search?q=' + encodeURIComponent('"unbalanced & | ! (')),
      as.agent.get('/api/v1/incidents?openedAfter=2025-01-01T00:00:00Z'),
      as.agent.get('/api/v1/incidents?openedFrom=2025-02-01T00:00:00Z&openedTo=2025-01-01T00:00:00Z'),
      as.agent.post('/api/v1/incidents').send({ title: 'lone \ud800 surrogate' }),
    ]);
    expect(odd.map((r) => r.status)).toEqual([422, 422, 400, 404, 422, 400, 422, 200, 422, 422, 422]);
    expect(odd[8]!.body.errors).toEqual([{ field: 'openedAfter', message: 'is not a known field', in: 'query' }]);
    expect(odd[9]!.body.errors).toEqual([{ field: 'openedTo', message: 'must be after openedFrom', in: 'query' }]);
    expect(odd[10]!.body.errors).toEqual([expect.objectContaining({ field: 'title', in: 'body' })]);
  });
});
