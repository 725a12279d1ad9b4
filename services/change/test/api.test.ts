import { newInstance, startTestService, workflowDeps, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { createChangeService } from '../src';
import { loadChangeConfig } from '../src/config';
import { createServices } from '../src/service/services';
import {
  NORMAL,
  clientsFor,
  configureApprovers,
  createChange,
  hoursFrom,
  outboxTypes,
  patchFresh,
  publishEvent,
  submitChange,
  uniqueCi,
  waitForChange,
  waitForOpenRound,
  type Client,
  type UserKey,
} from './helpers';

// real servers shared with other suites: allow for a loaded machine
jest.setTimeout(180_000);

let svc: RunningService;
let as: Record<UserKey, Client>;
let templateId: string;
const day = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 2, 10, 0, 0, 0));

beforeAll(async () => {
  svc = await startTestService(createChangeService({ voteTimeoutMs: 30_000 }), { instance: newInstance() });
  ({ as } = await clientsFor(svc));
  await configureApprovers(as.admin);
  const t = await as.admin.post('/api/v1/changes/templates').send({
    name: 'Add a user to a distribution list',
    description: 'Pre-approved: mailing list membership',
    impact: 'low',
    implementationPlan: 'Add the member in the directory',
    backoutPlan: 'Remove the member',
    testPlan: 'Send a test mail',
  });
  expect(t.status).toBe(201);
  templateId = t.body.id;
}, 300_000);

afterAll(async () => {
  await svc?.stop();
});

/** A standard change from the catalogue on `ci` in [start, end): approved on submission. */
async function standardChange(c: Client, ci: string, start: string, end: string) {
  const r = await c.post('/api/v1/changes/standard').send({ templateId, ciIds: [ci], plannedStart: start, plannedEnd: end });
  expect(r.status).toBe(201);
  return r.body;
}

/** A low-risk normal change approved by the change manager (policy ANY) through the votes endpoint. */
async function approvedNormal(ci: string, start: string, end: string, extra: Record<string, unknown> = {}) {
  const c = await createChange(as.agent, { ciIds: [ci], impact: 'low', plannedStart: start, plannedEnd: end, ...extra });
  await submitChange(as.agent, c.number);
  await waitForOpenRound(as.cm, c.number);
  const v = await as.cm.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' });
  expect(v.status).toBe(201);
  expect(v.body.status).toBe('approved');
  return waitForChange(as.cm, c.number, (b) => b.approval.status === 'approved', 'the approval');
}

describe('records', () => {
  it('creates an RfC draft CHG0000001-style with revision 1, ETag, Location and the created event', async () => {
    const r = await as.agent.post('/api/v1/changes').send({ ...NORMAL, ciIds: [uniqueCi()] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ number: expect.stringMatching(/^CHG\d{7}$/), state: 'new', revision: 1, type: 'normal', version: 1 });
    expect(r.headers.etag).toBe('"1"');
    expect(r.headers.location).toBe(`/api/v1/changes/${r.body.number}`);
    expect(r.body.approval.workflowUiUrl).toContain(encodeURIComponent(r.body.approval.workflowId));
    expect(await outboxTypes(svc, r.body.number)).toEqual(['itsm.change.created.v1']);
  });

  it('answers 422 naming the field for bad input and 413-free validation of the window', async () => {
    const r = await as.agent.post('/api/v1/changes').send({ ...NORMAL, title: 'x'.repeat(256) });
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(r.body)).toContain('title');
    const w = await as.agent.post('/api/v1/changes').send({ ...NORMAL, plannedStart: hoursFrom(day, 2), plannedEnd: hoursFrom(day, 1) });
    expect(w.status).toBe(422);
    expect(JSON.stringify(w.body)).toContain('plannedEnd');
  });

  it('C16: the same Idempotency-Key creates one RfC, concurrently and 1 s apart; different keys create two', async () => {
    const body = { ...NORMAL, title: `Idempotent ${Date.now()}` };
    const [a, b] = await Promise.all([
      as.agent.post('/api/v1/changes').set('Idempotency-Key', 'k-7f3a').send(body),
      as.agent.post('/api/v1/changes').set('Idempotency-Key', 'k-7f3a').send(body),
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    const c = await as.agent.post('/api/v1/changes').set('Idempotency-Key', 'k-7f3a').send(body);
    const ok = [a, b, c].filter((r) => r.status === 201 || r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ok.map((r) => r.body.number)).size).toBe(1);
    expect(c.status).toBe(201);
    expect(c.headers['idempotent-replayed']).toBe('true');
    const rows = await svc.ctx.knex('change_request').where({ title: body.title });
    expect(rows).toHaveLength(1);
    expect(await outboxTypes(svc, rows[0].number)).toEqual(['itsm.change.created.v1']);
    const k1 = await as.agent.post('/api/v1/changes').set('Idempotency-Key', 'k-1').send(body);
    const k2 = await as.agent.post('/api/v1/changes').set('Idempotency-Key', 'k-2').send(body);
    expect(k1.body.number).not.toBe(k2.body.number);
    expect(await svc.ctx.knex('change_request').where({ title: body.title })).toHaveLength(3);
  });

  it('C17: a stale If-Match is 412 with the current version, a work note needs no precondition, a missing If-Match is 428', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi()] });
    const b = await as.cm.patch(`/api/v1/changes/${c.number}`).set('If-Match', '"1"').send({ owner: 'bob' });
    expect(b.status).toBe(200);
    expect(b.body.version).toBe(2);
    const a = await as.agent.patch(`/api/v1/changes/${c.number}`).set('If-Match', '"1"').send({ assignmentGroup: 'Network' });
    expect(a.status).toBe(412);
    expect(a.body.currentVersion).toBe(2);
    const note = await as.agent.post(`/api/v1/changes/${c.number}/comments`).send({ body: 'Waiting on vendor image' });
    expect(note.status).toBe(201);
    const fresh = await patchFresh(as.agent, c.number, { assignmentGroup: 'Network' });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ owner: 'bob', assignmentGroup: 'Network', version: 3, revision: 1 });
    expect((await as.agent.get(`/api/v1/changes/${c.number}/comments`)).body.items).toHaveLength(1);
    expect((await as.agent.patch(`/api/v1/changes/${c.number}`).send({ owner: 'x' })).status).toBe(428);
  });

  it('records the audit history: who changed which field from what to what, in which revision', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi()] });
    await patchFresh(as.cm, c.number, { owner: 'dana' });
    const h = await as.cm.get(`/api/v1/changes/${c.number}/history`);
    expect(h.status).toBe(200);
    expect(h.body.items).toEqual([
      expect.objectContaining({ action: 'created', revision: 1, field: null }),
      expect.objectContaining({ action: 'updated', field: 'owner', from: null, to: 'dana', actor: { id: 'cm1', name: 'User cm1' } }),
    ]);
  });

  it('lists with filters and cursor pagination', async () => {
    const ci = uniqueCi('list');
    for (let i = 0; i < 3; i++) await createChange(as.agent, { ciIds: [ci], title: `List ${i}` });
    const p1 = await as.cm.get(`/api/v1/changes?ci=${ci}&limit=2&sort=number`);
    expect(p1.status).toBe(200);
    expect(p1.body.items.map((i: { title: string }) => i.title)).toEqual(['List 0', 'List 1']);
    const p2 = await as.cm.get(`/api/v1/changes?ci=${ci}&limit=2&sort=number&cursor=${p1.body.nextCursor}`);
    expect(p2.body.items.map((i: { title: string }) => i.title)).toEqual(['List 2']);
    expect(p2.body.nextCursor).toBeNull();
    expect((await as.cm.get('/api/v1/changes?state=bogus')).status).toBe(422);
  });

  it('serves an OpenAPI document with every change route', async () => {
    const r = await as.agent.get('/openapi.json');
    expect(r.status).toBe(200);
    for (const p of ['/api/v1/changes', '/api/v1/changes/{number}', '/api/v1/changes/{number}/votes', '/api/v1/changes/calendar', '/api/v1/changes/cab-groups/{name}']) {
      expect(r.body.paths[p]).toBeDefined();
    }
  });
});

describe('C09: the lifecycle on every entry point', () => {
  it('step 3: a change in new cannot jump to implement (PATCH, action, bulk); the record is unchanged', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi()] });
    const p = await as.cm.patch(`/api/v1/changes/${c.number}`).set('If-Match', '"1"').send({ state: 'implement' });
    expect(p.status).toBe(409);
    expect(p.body.detail ?? p.body.title).toContain('new → implement');
    expect((await as.cm.post(`/api/v1/changes/${c.number}/start`).send({})).status).toBe(409);
    const bulk = await as.cm.post('/api/v1/changes/bulk-transition').send({ numbers: [c.number], state: 'implement' });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results[0]).toMatchObject({ number: c.number, status: 409, error: { code: 'INVALID_TRANSITION' } });
    expect(bulk.body.results[0].error.message).toContain('new → implement');
    const after = await as.cm.get(`/api/v1/changes/${c.number}`);
    expect(after.body).toMatchObject({ state: 'new', version: 1 });
  });

  it('step 4: awaiting approval, not approved: implement and scheduled are refused (409), state unchanged', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi()] });
    await submitChange(as.agent, c.number);
    const waiting = await waitForOpenRound(as.cm, c.number);
    const p = await as.cm.patch(`/api/v1/changes/${c.number}`).set('If-Match', `"${waiting.version}"`).send({ state: 'implement' });
    expect(p.status).toBe(409);
    expect(p.body.detail ?? p.body.title).toContain('authorize → implement');
    const s = await as.cm.post(`/api/v1/changes/${c.number}/schedule`).send({});
    expect(s.status).toBe(409);
    expect(s.body.type).toBe('urn:itsm:problem:not-approved');
    const a = await as.cm.patch(`/api/v1/changes/${c.number}`).set('If-Match', `"${waiting.version}"`).send({ state: 'rejected' });
    expect(a.status).toBe(409);
    const after = await as.cm.get(`/api/v1/changes/${c.number}`);
    expect(after.body).toMatchObject({ state: 'authorize', version: waiting.version });
  });

  it('refuses to submit a normal RfC without an implementation plan (422 naming it)', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi()], implementationPlan: null });
    const r = await as.agent.post(`/api/v1/changes/${c.number}/submit`).send({});
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('implementationPlan');
  });
});

describe('standard changes, scheduling and conflicts', () => {
  it('a standard change from the catalogue is approved on submission and scheduled in its window', async () => {
    const ci = uniqueCi('std');
    const c = await standardChange(as.ra1, ci, hoursFrom(day, 1), hoursFrom(day, 2));
    expect(c).toMatchObject({ type: 'standard', state: 'assess', templateId, requestedBy: { id: 'ra1', name: 'User ra1' } });
    const done = await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled', 'the standard change to be scheduled');
    expect(done.approval).toMatchObject({ status: 'approved', approvedRevision: 1 });
    const types = await outboxTypes(svc, c.number);
    expect(types).toEqual(expect.arrayContaining(['itsm.change.submitted.v1', 'itsm.change.assessed.v1', 'itsm.change.approved.v1', 'itsm.change.scheduled.v1']));
    expect(types).not.toContain('itsm.change.approval_requested.v1');
  });

  it('refuses to schedule a normal change that overlaps a scheduled change on the same CI, listing it; touching windows are fine', async () => {
    const ci = uniqueCi('overlap');
    const first = await standardChange(as.agent, ci, hoursFrom(day, 10), hoursFrom(day, 12));
    await waitForChange(as.cm, first.number, (b) => b.state === 'scheduled');
    const touching = await approvedNormal(ci, hoursFrom(day, 12), hoursFrom(day, 13));
    await waitForChange(as.cm, touching.number, (b) => b.state === 'scheduled', 'the touching change to be scheduled');
    const second = await approvedNormal(ci, hoursFrom(day, 11), hoursFrom(day, 14));
    expect(second.state).toBe('authorize');
    const r = await as.cm.post(`/api/v1/changes/${second.number}/schedule`).send({});
    expect(r.status).toBe(409);
    expect(r.body.type).toBe('urn:itsm:problem:schedule-conflict');
    expect(r.body.conflicts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'overlapping_change', ciId: ci, change: first.number }),
        expect.objectContaining({ kind: 'overlapping_change', ciId: ci, change: touching.number }),
      ]),
    );
    expect((await as.cm.get(`/api/v1/changes/${second.number}`)).body.state).toBe('authorize');
    const listed = await as.cm.get(`/api/v1/changes/${second.number}/conflicts`);
    expect(listed.body.conflicts).toHaveLength(2);
  });

  it('refuses a window outside the CI’s maintenance windows and inside a freeze; an emergency change is scheduled there, flagged', async () => {
    const ci = uniqueCi('freeze');
    const mw = await as.cm.post('/api/v1/changes/maintenance-windows').send({ ciId: ci, start: hoursFrom(day, 20), end: hoursFrom(day, 24) });
    expect(mw.status).toBe(201);
    const fz = await as.cm.post('/api/v1/changes/freezes').send({ name: 'Quarter close', start: hoursFrom(day, 22), end: hoursFrom(day, 48), ciIds: [ci] });
    expect(fz.status).toBe(201);
    const normal = await approvedNormal(ci, hoursFrom(day, 23), hoursFrom(day, 25));
    const r = await as.cm.post(`/api/v1/changes/${normal.number}/schedule`).send({});
    expect(r.status).toBe(409);
    expect(r.body.conflicts.map((c: { kind: string }) => c.kind).sort()).toEqual(['freeze', 'outside_maintenance_window']);

    const em = await createChange(as.cm, { type: 'emergency', ciIds: [ci], impact: 'high', plannedStart: hoursFrom(day, 22), plannedEnd: hoursFrom(day, 23) });
    await submitChange(as.cm, em.number);
    await waitForOpenRound(as.cm, em.number);
    const live = (await as.cm.get(`/api/v1/changes/${em.number}`)).body.approval.live;
    expect(live.current).toMatchObject({ route: 'ecab', group: 'ECAB', approvers: ['ecab1', 'cm1'] });
    const v = await as.ecab1.post(`/api/v1/changes/${em.number}/votes`).send({ decision: 'approve' });
    expect(v.status).toBe(201);
    const scheduled = await waitForChange(as.cm, em.number, (b) => b.state === 'scheduled', 'the emergency change to be scheduled');
    expect(scheduled.flags).toEqual({ scheduledWithConflicts: true, inFreeze: true });
    expect(scheduled.scheduledConflicts[0]).toMatchObject({ kind: 'freeze', name: 'Quarter close' });

    const cal = await as.cm.get(`/api/v1/changes/calendar?from=${hoursFrom(day, 0)}&to=${hoursFrom(day, 72)}&ci=${ci}`);
    expect(cal.status).toBe(200);
    expect(cal.body.changes.map((c: { number: string }) => c.number)).toEqual([em.number]);
    expect(cal.body.maintenanceWindows).toEqual([expect.objectContaining({ ciId: ci })]);
    expect(cal.body.freezes).toEqual([expect.objectContaining({ name: 'Quarter close' })]);
    expect((await as.cm.get(`/api/v1/changes/calendar?from=${hoursFrom(day, 2)}&to=${hoursFrom(day, 1)}`)).status).toBe(422);
  });

  it('walks a scheduled change through implement, review (outcome) and closed (PIR)', async () => {
    const ci = uniqueCi('walk');
    const c = await standardChange(as.agent, ci, hoursFrom(day, 100), hoursFrom(day, 101));
    await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled');
    expect((await as.cm.post(`/api/v1/changes/${c.number}/start`).send({})).body.state).toBe('implement');
    expect((await as.cm.post(`/api/v1/changes/${c.number}/complete`).send({})).status).toBe(422);
    const done = await as.cm.post(`/api/v1/changes/${c.number}/complete`).send({ outcome: 'successful_with_issues', outcomeNotes: 'one retry' });
    expect(done.body).toMatchObject({ state: 'review', outcome: 'successful_with_issues', actualStart: expect.any(String), actualEnd: expect.any(String) });
    expect((await as.cm.post(`/api/v1/changes/${c.number}/close`).send({})).status).toBe(422);
    const closed = await as.cm.post(`/api/v1/changes/${c.number}/close`).send({ pir: 'Worked; add a retry to the runbook' });
    expect(closed.body).toMatchObject({ state: 'closed', pir: 'Worked; add a retry to the runbook' });
    expect(await outboxTypes(svc, c.number)).toEqual(
      expect.arrayContaining(['itsm.change.implementation_started.v1', 'itsm.change.implemented.v1', 'itsm.change.closed.v1']),
    );
  });
});

describe('C18: requesters see only their own RfCs', () => {
  it('keeps other requesters’ RfCs, staff endpoints and work notes closed', async () => {
    const ci = uniqueCi('c18');
    const mine = await standardChange(as.ra1, ci, hoursFrom(day, 200), hoursFrom(day, 201));
    const theirs = await standardChange(as.ra2, uniqueCi('c18'), hoursFrom(day, 200), hoursFrom(day, 201));
    await as.cm.post(`/api/v1/changes/${mine.number}/comments`).send({ body: 'internal: check licence count' });

    expect((await as.ra1.get(`/api/v1/changes/${mine.number}`)).status).toBe(200);
    expect((await as.ra1.get(`/api/v1/changes/${theirs.number}`)).status).toBe(404);
    const list = await as.ra1.get('/api/v1/changes?limit=200');
    expect(list.body.items.every((c: { requestedBy: { id: string } }) => c.requestedBy.id === 'ra1')).toBe(true);
    expect(list.body.items.map((c: { number: string }) => c.number)).toContain(mine.number);
    const search = await as.ra1.get(`/api/v1/changes?q=${encodeURIComponent(theirs.number)}`);
    expect(search.body.items).toEqual([]);

    const comment = await as.ra1.post(`/api/v1/changes/${mine.number}/comments`).send({ body: 'Any news?', visibility: 'work_note' });
    expect(comment.status).toBe(201);
    expect(comment.body.visibility).toBe('comment');
    const comments = await as.ra1.get(`/api/v1/changes/${mine.number}/comments`);
    expect(comments.body.items.map((c: { body: string }) => c.body)).toEqual(['Any news?']);
    expect((await as.ra1.post(`/api/v1/changes/${theirs.number}/comments`).send({ body: 'hi' })).status).toBe(404);
    expect((await as.ra1.get(`/api/v1/changes/${theirs.number}/comments`)).status).toBe(404);

    expect((await as.ra1.get(`/api/v1/changes/${mine.number}/history`)).status).toBe(403);
    expect((await as.ra1.get(`/api/v1/changes/${mine.number}/approvals`)).status).toBe(403);
    expect((await as.ra1.post('/api/v1/changes').send(NORMAL)).status).toBe(403);
    expect((await as.ra1.patch(`/api/v1/changes/${mine.number}`).set('If-Match', '"1"').send({ owner: 'ra1' })).status).toBe(403);
    expect((await as.ra1.post(`/api/v1/changes/${mine.number}/votes`).send({ decision: 'approve' })).status).toBe(403);
    expect((await as.ra1.get('/api/v1/changes/cab-groups')).status).toBe(403);
    expect((await as.ra1.get('/api/v1/changes/calendar?from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z')).status).toBe(403);
    expect((await as.ra1.put('/api/v1/changes/cab-groups/CAB').send({ purpose: 'cab', members: ['ra1'], policy: { mode: 'ANY' } })).status).toBe(403);
    expect((await as.ra1.get('/api/v1/changes/templates')).status).toBe(200);
  });

  it('lets an agent edit only the RfCs they raised', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi()] });
    expect((await as.agent2.patch(`/api/v1/changes/${c.number}`).set('If-Match', '"1"').send({ owner: 'x' })).status).toBe(403);
    expect((await as.agent2.post(`/api/v1/changes/${c.number}/submit`).send({})).status).toBe(403);
    expect((await as.agent.patch(`/api/v1/changes/${c.number}`).set('If-Match', '"1"').send({ owner: 'x' })).status).toBe(200);
  });
});

describe('consumers', () => {
  const problem = (id: string, number: string) => ({
    id,
    number,
    title: 'Switch memory leak',
    state: 'fix_in_progress',
    knownError: true,
    ciIds: ['ci-switch'],
  });

  it('raises one normal RfC draft linked to the problem when fix_requested is delivered twice', async () => {
    const problemId = `prb-${Date.now()}`;
    const envelope = {
      type: 'itsm.problem.fix_requested.v1',
      subject: 'PRB0000042',
      source: 'problem-service',
      data: {
        problem: problem(problemId, 'PRB0000042'),
        by: { id: 'pm1' },
        request: {
          title: 'Fix: switch memory leak',
          description: 'Upgrade firmware',
          justification: 'Recurring outages',
          type: 'normal',
          ciIds: ['ci-switch'],
          problemId,
          problemNumber: 'PRB0000042',
          rootCause: 'Firmware bug',
          requestedBy: 'pm1',
        },
      },
    };
    const id = await publishEvent(svc, envelope);
    await publishEvent(svc, { ...envelope, id });
    const raised = await waitFor(async () => (await as.cm.get(`/api/v1/changes?problem=${problemId}`)).body.items[0], { timeoutMs: 90_000, what: 'the fix RfC' });
    expect(raised).toMatchObject({ type: 'normal', state: 'new', problemIds: [problemId], ciIds: ['ci-switch'], requestedBy: { id: 'pm1' } });
    expect(raised.description).toContain('Root cause: Firmware bug');
    await waitFor(async () => (await svc.ctx.knex('inbox').where({ event_id: id })).length === 1, { timeoutMs: 90_000, what: 'the inbox row' });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await as.cm.get(`/api/v1/changes?problem=${problemId}`)).body.items).toHaveLength(1);
  });

  it('marks a scheduled change implemented when its release deploys, publishing implemented with the problemIds', async () => {
    const ci = uniqueCi('rel');
    const c = await standardChange(as.agent, ci, hoursFrom(day, 300), hoursFrom(day, 301));
    const scheduled = await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled');
    const linked = await as.cm.patch(`/api/v1/changes/${c.number}`).set('If-Match', `"${scheduled.version}"`).send({ problemIds: ['PRB0000007'] });
    expect(linked.body).toMatchObject({ revision: 1, state: 'scheduled', problemIds: ['PRB0000007'] });
    const failing = await standardChange(as.agent, uniqueCi('rel'), hoursFrom(day, 300), hoursFrom(day, 301));
    await waitForChange(as.cm, failing.number, (b) => b.state === 'scheduled');

    const release = (changeIds: string[]) => ({ id: 'rel-1', number: 'REL0000001', name: 'Firmware', state: 'deployed', changeIds });
    await publishEvent(svc, { type: 'itsm.release.deployed.v1', subject: 'REL0000001', data: { release: release([c.id]), by: null } });
    await publishEvent(svc, { type: 'itsm.release.rolled_back.v1', subject: 'REL0000002', data: { release: release([failing.number]), by: null, stages: ['prod'] } });

    const done = await waitForChange(as.cm, c.number, (b) => b.state === 'review', 'the change to be implemented');
    expect(done.outcome).toBe('successful');
    const event = await svc.ctx.knex('outbox').where({ partition_key: c.number, type: 'itsm.change.implemented.v1' }).first();
    expect(event.envelope.data).toMatchObject({ outcome: 'successful', change: { problemIds: ['PRB0000007'], state: 'review' } });
    const backedOut = await waitForChange(as.cm, failing.number, (b) => b.state === 'review', 'the rolled back change');
    expect(backedOut.outcome).toBe('backed_out');
    expect(await outboxTypes(svc, failing.number)).toContain('itsm.change.failed.v1');
  });

  it('records a failed release as failed, then backed out when it is rolled back; a change in no state to take it gets a work note', async () => {
    const c = await standardChange(as.agent, uniqueCi('relfail'), hoursFrom(day, 310), hoursFrom(day, 311));
    await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled');
    const draft = await createChange(as.agent, { ciIds: [uniqueCi('relfail')] });
    const release = { id: 'rel-3', number: 'REL0000003', name: 'Patch', state: 'failed', changeIds: [c.number, draft.number] };
    await publishEvent(svc, { type: 'itsm.release.failed.v1', subject: 'REL0000003', data: { release, by: null, stage: 'prod', reason: 'health check failed' } });
    const failed = await waitForChange(as.cm, c.number, (b) => b.state === 'review', 'the failed change');
    expect(failed.outcome).toBe('failed');
    await publishEvent(svc, { type: 'itsm.release.rolled_back.v1', subject: 'REL0000003', data: { release, by: null, stages: ['prod'] } });
    await waitForChange(as.cm, c.number, (b) => b.outcome === 'backed_out', 'the backed out outcome');
    const failures = await svc.ctx.knex('outbox').where({ partition_key: c.number, type: 'itsm.change.failed.v1' }).orderBy('seq');
    expect(failures.map((f) => f.envelope.data.outcome)).toEqual(['failed', 'backed_out']);
    const notes = await waitFor(async () => {
      const r = await as.cm.get(`/api/v1/changes/${draft.number}/comments`);
      return r.body.items.length >= 2 ? r.body.items : undefined;
    }, { timeoutMs: 90_000, what: 'the work notes' });
    expect(notes[0].body).toContain('REL0000003');
    expect((await as.cm.get(`/api/v1/changes/${draft.number}`)).body.state).toBe('new');
  });

  it('sends a fix request without a usable RfC draft to the dead-letter topic and moves on', async () => {
    const consumer = svc.consumers.find((c) => c.stats !== undefined && (c as unknown as { opts: { name: string } }).opts.name.endsWith('problem-events'))!;
    const before = consumer.stats.deadLettered;
    await publishEvent(svc, {
      type: 'itsm.problem.fix_requested.v1',
      subject: 'PRB0000043',
      data: { problem: problem('prb-bad', 'PRB0000043'), by: null, request: { description: 'no title' } },
    });
    await waitFor(() => consumer.stats.deadLettered > before, { timeoutMs: 90_000, what: 'the dead letter' });
    expect((await as.cm.get('/api/v1/changes?problem=prb-bad')).body.items).toEqual([]);
  });
});

describe('approver groups and the catalogue', () => {
  it('validates policies and needs If-Match to replace a group', async () => {
    const bad = await as.admin.put('/api/v1/changes/cab-groups/Bad').send({ purpose: 'cab', members: ['a'], policy: { mode: 'PERCENT', percent: 0 } });
    expect(bad.status).toBe(422);
    const again = await as.admin.put('/api/v1/changes/cab-groups/CAB').send({ purpose: 'cab', members: ['cab1'], policy: { mode: 'ALL' }, isDefault: true });
    expect(again.status).toBe(409);
    const g = await as.cm.get('/api/v1/changes/cab-groups/CAB');
    expect(g.body).toMatchObject({ members: ['cab1', 'cab2', 'cab3'], policy: { mode: 'ALL' }, isDefault: true });
  });

  it('refuses a standard change from an unknown or withdrawn template', async () => {
    const t = await as.admin.post('/api/v1/changes/templates').send({ name: `Withdrawn ${Date.now()}`, implementationPlan: 'x' });
    const w = await as.admin.put(`/api/v1/changes/templates/${t.body.id}`).set('If-Match', '"1"').send({ name: t.body.name, implementationPlan: 'x', active: false });
    expect(w.status).toBe(200);
    const r = await as.ra1.post('/api/v1/changes/standard').send({ templateId: t.body.id });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('templateId');
    const list = await as.ra1.get('/api/v1/changes/templates');
    expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(t.body.id);
  });
});

describe('approval activities (as the workflow calls them, retried)', () => {
  function activities() {
    return services({ autoSchedule: false }).activities;
  }

  function services(config: Partial<ReturnType<typeof loadChangeConfig>>) {
    return createServices({ ...workflowDeps(svc.ctx, 'change'), config: { ...loadChangeConfig({}), ...config } });
  }

  it('starting the approval again (a redelivered or repeated submission) is harmless', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi('restart')] });
    await submitChange(as.agent, c.number);
    const open = await waitForOpenRound(as.cm, c.number);
    const approvals = services({}).approvals;
    await approvals.start(c.number);
    await approvals.start(c.number);
    const after = await as.cm.get(`/api/v1/changes/${c.number}`);
    expect(after.body.approval.live).toMatchObject({ phase: 'awaiting-votes', current: expect.objectContaining({ round: 1 }) });
    expect(after.body.approval.live.rounds).toHaveLength(1);
    expect(after.body.version).toBe(open.version);
  });

  it('answers 503 when the approval does not answer a vote in time; the voter may vote again', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi('slow')] });
    await submitChange(as.agent, c.number);
    await waitForOpenRound(as.cm, c.number);
    const slow = services({ voteTimeoutMs: 1 }).approvals;
    await expect(slow.vote(c.number, { actor: { id: 'cab1' }, staff: true }, { decision: 'approve' })).rejects.toMatchObject({ status: 503, code: 'APPROVAL_UNAVAILABLE' });
    const again = await as.cab1.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' });
    expect([200, 201]).toContain(again.status); // 200: the first vote was taken after all, and this is its replay
    const rounds = (await as.cm.get(`/api/v1/changes/${c.number}/approvals`)).body.rounds;
    await waitFor(async () => (await as.cm.get(`/api/v1/changes/${c.number}/approvals`)).body.rounds[0].votes.length === 1, { timeoutMs: 90_000, what: 'one recorded vote' });
    expect(rounds).toHaveLength(1);
  });

  it('have one effect per business key: round, reminder, escalation, vote and decision', async () => {
    const act = activities();
    const c = await createChange(as.agent, { ciIds: [uniqueCi('act')] });
    await svc.ctx.knex('change_request').where({ number: c.number }).update({ state: 'assess', approval_status: 'waiting' });
    const ref = { rfcId: c.id, rfcNumber: c.number, revision: 1 };
    const policy = { mode: 'ALL' as const };
    const tally = { approvers: 2, approvals: 1, rejections: 0, status: 'waiting' as const, awaiting: ['cab2'] };
    const round = { ...ref, round: 1, route: 'cab' as const, group: 'CAB', approvers: ['cab1', 'cab2'], policy, risk: { risk: 'medium' as const, reasons: [] }, openedAt: new Date().toISOString(), deadline: hoursFrom(new Date(), 1) };
    const vote = { ...ref, round: 1, vote: { voter: 'cab1', decision: 'approve' as const, revision: 1, round: 1, castAt: new Date().toISOString() }, tally };
    const reminder = { ...ref, round: 1, reminder: 1, approvers: ['cab2'], deadline: round.deadline };
    const escalation = { ...ref, round: 1, changeManagers: ['cm1'], awaiting: ['cab2'], tally, deadline: round.deadline };
    const decision = { ...ref, outcome: 'approved' as const, reason: 'votes' as const, route: 'cab' as const, risk: round.risk, round: 1, tally: { ...tally, approvals: 2, awaiting: [], status: 'approved' as const }, decidedAt: new Date().toISOString() };
    for (let i = 0; i < 2; i++) {
      await act.requestApproval(round);
      await act.recordVote(vote);
      await act.remindApprovers(reminder);
      await act.escalate(escalation);
      await act.recordDecision(decision);
    }
    const types = await outboxTypes(svc, c.number);
    for (const t of ['approval_requested', 'vote_cast', 'approvers_reminded', 'approval_escalated', 'approved']) {
      expect(types.filter((x) => x === `itsm.change.${t}.v1`)).toHaveLength(1);
    }
    const after = (await as.cm.get(`/api/v1/changes/${c.number}`)).body;
    expect(after).toMatchObject({ state: 'authorize', approval: expect.objectContaining({ status: 'approved', approvedRevision: 1, round: 1 }) });
    const notes = (await as.cm.get(`/api/v1/changes/${c.number}/comments`)).body.items.map((n: { body: string }) => n.body);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toContain('Reminder 1 of round 1 to cab2');
    expect(notes[1]).toContain('escalated to cm1');
    const rounds = (await as.cm.get(`/api/v1/changes/${c.number}/approvals`)).body.rounds;
    expect(rounds).toEqual([expect.objectContaining({ round: 1, status: 'approved', votes: [expect.objectContaining({ voter: 'cab1' })] })]);
  });

  it('refuses an unknown RfC with a non-retryable failure', async () => {
    await expect(activities().escalate({ rfcId: 'x', rfcNumber: 'CHG9999999', revision: 1, round: 1, changeManagers: [], awaiting: [], tally: { approvers: 1, approvals: 0, rejections: 0, status: 'waiting', awaiting: [] }, deadline: new Date().toISOString() })).rejects.toMatchObject({
      type: 'RFC_NOT_FOUND',
      nonRetryable: true,
    });
  });

  it('ignores a decision on an earlier revision: the RfC does not proceed', async () => {
    const act = activities();
    const c = await createChange(as.agent, { ciIds: [uniqueCi('act')] });
    await svc.ctx.knex('change_request').where({ number: c.number }).update({ state: 'assess', approval_status: 'waiting', revision: 2 });
    await act.recordDecision({ rfcId: c.id, rfcNumber: c.number, revision: 1, outcome: 'approved', reason: 'votes', route: 'cab', risk: { risk: 'medium', reasons: [] }, decidedAt: new Date().toISOString() });
    const after = (await as.cm.get(`/api/v1/changes/${c.number}`)).body;
    expect(after).toMatchObject({ state: 'assess', revision: 2, approval: expect.objectContaining({ status: 'waiting', approvedRevision: null }) });
    expect(await outboxTypes(svc, c.number)).not.toContain('itsm.change.approved.v1');
  });
});
