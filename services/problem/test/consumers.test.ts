import { changeEvents, incidentEvents, topicForType } from '@itsm/events';
import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { randomUUID } from 'node:crypto';
import { createProblemService } from '../src';
import { client, EventProducer, incidentSnapshot, token, unique, type Client } from './helpers';

let svc: RunningService;
let events: EventProducer;
let pm: Client;
const instance = newInstance();
const H = 3600_000;

beforeAll(async () => {
  svc = await startTestService(createProblemService({ detection: { enabled: true, threshold: 3, windowMs: 24 * H } }), { instance });
  events = new EventProducer(instance);
  pm = client(svc, await token('pm1', ['problem_manager']));
});
afterAll(async () => {
  await events?.close();
  await svc?.stop();
});

const knex = () => svc.ctx.knex;

async function incidentCreated(over: Record<string, unknown>, occurredAt = new Date().toISOString(), id?: string) {
  const inc = incidentSnapshot({ openedAt: occurredAt, ...over });
  await events.send(incidentEvents.created, inc.number, { incident: inc, by: null }, { occurredAt, version: 1, id });
  return inc;
}

const copied = (id: string) => waitFor(() => knex()('incident_copy').where({ id }).first(), { what: `incident ${id} copied` });
const candidatesFor = (key: string) => knex()('problem').where({ candidate: true, detection_key: key });
const processed = (eventId: string) => waitFor(() => knex()('inbox').where({ event_id: eventId }).first(), { what: `event ${eventId} processed` });

describe('incident read copy', () => {
  it('keeps number, state, CI, category, symptom and title from incident events and ignores an older snapshot', async () => {
    const inc = await incidentCreated({ ciId: unique('CI'), category: null, symptom: null });
    await copied(inc.id);
    await events.send(incidentEvents.stateChanged, inc.number, { incident: { ...inc, state: 'on_hold', holdReason: 'awaiting_problem' }, by: null, from: 'new', to: 'on_hold' }, { version: 3 });
    const stale = await events.send(incidentEvents.updated, inc.number, { incident: { ...inc, title: 'stale' }, by: null, changes: [] }, { version: 2 });
    await processed(stale);
    const row = await knex()('incident_copy').where({ id: inc.id }).first();
    expect(row).toMatchObject({ number: inc.number, state: 'on_hold', hold_reason: 'awaiting_problem', title: inc.title, ci_id: inc.ciId, version: 3 });
  });

  it('has one effect when the same event is delivered twice', async () => {
    const inc = incidentSnapshot({ ciId: null, category: null, symptom: null });
    const id = randomUUID();
    await events.send(incidentEvents.created, inc.number, { incident: inc, by: null }, { id, version: 1 });
    await events.send(incidentEvents.created, inc.number, { incident: inc, by: null }, { id, version: 1 });
    await copied(inc.id);
    await waitFor(() => svc.consumers[0].stats.duplicates > 0, { what: 'the duplicate to be seen' });
    expect(await knex()('inbox').where({ event_id: id })).toHaveLength(1);
  });

  it('sends a malformed incident event to the dead-letter topic and moves on', async () => {
    const before = svc.consumers[0].stats.deadLettered;
    const id = await events.send(incidentEvents.created, 'INC-BAD', { incident: incidentSnapshot(), by: null }, {});
    await processed(id);
    const producer = (events as unknown as { producer: { send: (x: unknown) => Promise<unknown> } }).producer;
    await producer.send({ topic: instance + topicForType(incidentEvents.created.type), messages: [{ key: 'INC-BAD', value: '{not json', headers: { ce_type: incidentEvents.created.type } }] });
    await waitFor(() => svc.consumers[0].stats.deadLettered > before, { what: 'the poison message to be dead-lettered' });
  });
});

describe('recurring-incident detection', () => {
  it('opens one candidate problem for 3 incidents on one CI within 24 h, linking them, and links later ones to it', async () => {
    const ci = unique('SRV');
    const t0 = Date.now() - 10 * H;
    const incs = [];
    for (let n = 0; n < 3; n++) {
      incs.push(await incidentCreated({ ciId: ci, category: unique('cat'), symptom: 'slow' }, new Date(t0 + n * H).toISOString()));
    }
    const key = `ci:${ci.toLowerCase()}`;
    const [p] = await waitFor(async () => {
      const rows = await candidatesFor(key);
      return rows.length ? rows : null;
    }, { what: 'the candidate problem' });
    expect(p).toMatchObject({ state: 'new', candidate: true, ci_ids: [ci] });
    const linked = await waitFor(async () => {
      const rows = await knex()('problem_incident').where({ problem_id: p.id });
      return rows.length === 3 ? rows : null;
    }, { what: '3 links' });
    expect(linked.map((l) => l.incident_id).sort()).toEqual(incs.map((i) => i.id).sort());
    const created = await knex()('outbox').where({ partition_key: p.number, type: 'itsm.problem.created.v1' }).first();
    expect(created.envelope.data).toMatchObject({ candidate: true, incidentNumbers: expect.arrayContaining(incs.map((i) => i.number)) });
    expect(await knex()('outbox').where({ partition_key: p.number, type: 'itsm.problem.incident_linked.v1' })).toHaveLength(3);

    const later = await incidentCreated({ ciId: ci }, new Date(t0 + 5 * H).toISOString());
    await waitFor(() => knex()('problem_incident').where({ problem_id: p.id, incident_id: later.id }).first(), { what: 'the 4th incident linked' });
    expect(await candidatesFor(key)).toHaveLength(1);

    const list = await pm.get(`/api/v1/problems?candidate=true&ci=${ci}`);
    expect(list.body.items.map((x: { number: string }) => x.number)).toEqual([p.number]);
  });

  it('does not open a candidate when the incidents are spread over more than the window', async () => {
    const ci = unique('SRV');
    const t0 = Date.now() - 100 * H;
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await incidentCreated({ ciId: ci, category: null, symptom: null }, new Date(t0 + n * 13 * H).toISOString())).id);
    for (const id of ids) await copied(id);
    expect(await candidatesFor(`ci:${ci.toLowerCase()}`)).toHaveLength(0);
  });

  it('detects the same category and symptom across CIs', async () => {
    const category = unique('Email');
    for (let n = 0; n < 3; n++) await incidentCreated({ ciId: null, category, symptom: 'Bounce' });
    const key = `cs:${category.toLowerCase()}|bounce`;
    const rows = await waitFor(async () => ((await candidatesFor(key)).length ? candidatesFor(key) : null), { what: 'category/symptom candidate' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ category, symptom: 'Bounce' });
  });

  it('opens exactly one candidate when a burst of incidents of one cluster arrives at once, even redelivered', async () => {
    const ci = unique('SRV');
    const incs = Array.from({ length: 6 }, () => incidentSnapshot({ ciId: ci, category: null, symptom: null }));
    const ids = incs.map(() => randomUUID());
    await Promise.all(incs.map((inc, n) => events.send(incidentEvents.created, inc.number, { incident: inc, by: null }, { id: ids[n], version: 1 })));
    await Promise.all(incs.map((inc, n) => events.send(incidentEvents.created, inc.number, { incident: inc, by: null }, { id: ids[n], version: 1 })));
    const key = `ci:${ci.toLowerCase()}`;
    const p = await waitFor(async () => (await candidatesFor(key))[0], { what: 'the candidate' });
    await waitFor(async () => (await knex()('problem_incident').where({ problem_id: p.id })).length === 6, { what: 'all 6 linked' });
    for (const id of ids) await processed(id);
    expect(await candidatesFor(key)).toHaveLength(1);
    expect(await knex()('outbox').where({ partition_key: p.number, type: 'itsm.problem.incident_linked.v1' })).toHaveLength(6);
  });

  it('opens a new candidate for the cluster once the previous one is no longer open', async () => {
    const ci = unique('SRV');
    const key = `ci:${ci.toLowerCase()}`;
    for (let n = 0; n < 3; n++) await incidentCreated({ ciId: ci, category: null, symptom: null, state: 'resolved' });
    const first = await waitFor(async () => (await candidatesFor(key))[0], { what: 'the first candidate' });
    await waitFor(async () => (await knex()('problem_incident').where({ problem_id: first.id })).length === 3, { what: 'links' });
    const get = await pm.get(`/api/v1/problems/${first.number}`);
    const r = await pm.patch(`/api/v1/problems/${first.number}`, { state: 'cancelled', reason: 'not a problem' }, { 'if-match': get.headers.get('etag')! });
    expect(r.status).toBe(200);
    for (let n = 0; n < 3; n++) await incidentCreated({ ciId: ci, category: null, symptom: null });
    await waitFor(async () => (await candidatesFor(key)).length === 2, { what: 'a second candidate' });
  });
});

describe('change implemented', () => {
  async function problemInFix(ci: string) {
    const created = await pm.post('/api/v1/problems', { title: 'Nightly batch fails', impact: 2, urgency: 2, ciIds: [ci] });
    const n = created.body.number;
    let v = 1;
    for (const body of [{ state: 'assessment' }, { state: 'root_cause_analysis', rootCause: 'Timeout too short' }, { state: 'fix_in_progress' }]) {
      const r = await pm.patch(`/api/v1/problems/${n}`, body, { 'if-match': `"${v}"` });
      expect(r.status).toBe(200);
      v = r.body.version;
    }
    return created.body as { id: string; number: string };
  }

  const change = (problemIds: string[]) => ({
    change: { id: randomUUID(), number: `CHG${Math.floor(Math.random() * 9e6 + 1e6)}`, title: 'Raise timeout', type: 'normal' as const, state: 'implemented', revision: 1, problemIds },
    by: null,
    outcome: 'successful',
  });

  it('resolves the problems the change lists (by id or number) once, with the change as fix and the open linked incidents in the event', async () => {
    const p1 = await problemInFix(unique('CI'));
    const p2 = await problemInFix(unique('CI'));
    const open = await incidentCreated({ ciId: null, category: null, symptom: null, state: 'on_hold', holdReason: 'awaiting_problem' });
    const closed = await incidentCreated({ ciId: null, category: null, symptom: null, state: 'closed' });
    await copied(open.id);
    await copied(closed.id);
    for (const i of [open, closed]) expect((await pm.post(`/api/v1/problems/${p1.number}/incidents`, { incident: i.number })).status).toBe(201);

    const data = change([p1.id, p2.number]);
    const id = randomUUID();
    await events.send(changeEvents.implemented, data.change.number, data, { id });
    await events.send(changeEvents.implemented, data.change.number, data, { id });
    await processed(id);
    await waitFor(() => svc.consumers[1].stats.duplicates > 0, { what: 'the duplicate to be seen' });

    for (const p of [p1, p2]) {
      const r = await pm.get(`/api/v1/problems/${p.number}`);
      expect(r.body).toMatchObject({ state: 'resolved', resolutionCode: 'fix_applied', fix: { changeId: data.change.id, changeNumber: data.change.number } });
      expect(await knex()('outbox').where({ partition_key: p.number, type: 'itsm.problem.resolved.v1' })).toHaveLength(1);
    }
    const resolved = await knex()('outbox').where({ partition_key: p1.number, type: 'itsm.problem.resolved.v1' }).first();
    expect(resolved.envelope.data).toMatchObject({ incidentIds: [open.id], incidentNumbers: [open.number] });
    expect(resolved.envelope.causationid).toBe(id);
  });

  it('only records the fix, with a work note, for a problem that cannot be resolved from its state', async () => {
    const created = await pm.post('/api/v1/problems', { title: 'Early', impact: 3, urgency: 3 });
    const data = change([created.body.number]);
    const id = await events.send(changeEvents.implemented, data.change.number, data);
    await processed(id);
    const r = await pm.get(`/api/v1/problems/${created.body.number}`);
    expect(r.body).toMatchObject({ state: 'new', fix: { changeNumber: data.change.number } });
    const notes = await pm.get(`/api/v1/problems/${created.body.number}/comments`);
    expect(notes.body.items[0].body).toContain(data.change.number);
  });
});

describe('links made on the incident side', () => {
  it('mirrors an incident linked to a problem by the Incident service, once', async () => {
    const created = await pm.post('/api/v1/problems', { title: 'Linked from the desk', impact: 3, urgency: 3 });
    const inc = incidentSnapshot({ ciId: null, category: null, symptom: null, problemId: created.body.number });
    const id = randomUUID();
    await events.send(incidentEvents.problemLinked, inc.number, { incident: inc, by: null, problemId: created.body.number }, { id, version: 2 });
    await events.send(incidentEvents.problemLinked, inc.number, { incident: inc, by: null, problemId: created.body.number }, { id: randomUUID(), version: 2 });
    await waitFor(() => knex()('problem_incident').where({ problem_id: created.body.id, incident_id: inc.id }).first(), { what: 'the mirrored link' });
    await waitFor(() => svc.consumers[0].stats.handled > 0 && knex()('inbox').where({ type: incidentEvents.problemLinked.type }).then((r) => r.length >= 2), { what: 'both events' });
    expect(await knex()('outbox').where({ partition_key: created.body.number, type: 'itsm.problem.incident_linked.v1' })).toHaveLength(1);
  });

  it('mirrors an incident whose problem was cleared on the incident side by unlinking it', async () => {
    const created = await pm.post('/api/v1/problems', { title: 'Cleared from the desk', impact: 3, urgency: 3 });
    const inc = incidentSnapshot({ ciId: null, category: null, symptom: null });
    await events.send(incidentEvents.created, inc.number, { incident: inc, by: null }, { version: 1 });
    await copied(inc.id);
    expect((await pm.post(`/api/v1/problems/${created.body.number}/incidents`, { incident: inc.number })).status).toBe(201);
    await events.send(
      incidentEvents.updated,
      inc.number,
      { incident: { ...inc, problemId: null }, by: null, changes: [{ field: 'problemId', from: created.body.number, to: null }] },
      { version: 3 },
    );
    await waitFor(async () => !(await knex()('problem_incident').where({ incident_id: inc.id }).first()), { what: 'the link removed' });
    expect(await knex()('outbox').where({ partition_key: created.body.number, type: 'itsm.problem.incident_unlinked.v1' })).toHaveLength(1);
  });
});
