import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { createReleaseService } from '../src';
import { changeSnapshot, clientsFor, knownChange, manualStages, outboxTypes, publishChangeEvent, type Client, type UserKey } from './helpers';

let svc: RunningService;
let as: Record<UserKey, Client>;
let approved: ReturnType<typeof changeSnapshot>;
let scheduled: ReturnType<typeof changeSnapshot>;

const soon = () => new Date(Date.now() - 60_000).toISOString();

beforeAll(async () => {
  svc = await startTestService(createReleaseService(), { instance: newInstance() });
  as = await clientsFor(svc);
  approved = await knownChange(svc, 'itsm.change.approved.v1', changeSnapshot({ state: 'authorize', approvalStatus: 'approved', approvedRevision: 1 }), 5);
  scheduled = await knownChange(svc, 'itsm.change.scheduled.v1', changeSnapshot({ state: 'scheduled' }), 6);
}, 120_000);

afterAll(async () => {
  await svc?.stop();
});

async function create(body: Record<string, unknown> = {}, c: Client = as.rm) {
  const r = await c.post('/api/v1/releases').send({ name: 'Payments', version: '2.4.0', type: 'minor', changes: [approved.id, scheduled.number], stages: manualStages(['test', 'staging']), window: { start: soon() }, ...body });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function scheduledRelease(body: Record<string, unknown> = {}) {
  const r = await create(body);
  const s = await as.rm.post(`/api/v1/releases/${r.number}/schedule`).set('If-Match', `"${r.recordVersion}"`);
  expect(s.status).toBe(200);
  return s.body;
}

async function waitForState(number: string, state: string) {
  return waitFor(async () => {
    const r = await as.agent.get(`/api/v1/releases/${number}`);
    return r.body.state === state ? r.body : undefined;
  }, { what: `${number} to be ${state}`, timeoutMs: 30_000 });
}

async function waitForWaiting(number: string, kind: string, stage: string) {
  return waitFor(async () => {
    const r = await as.agent.get(`/api/v1/releases/${number}/deployment`);
    const w = r.body.progress?.waitingFor;
    return w?.kind === kind && w.stage === stage ? r.body : undefined;
  }, { what: `${number} to wait for ${kind} of ${stage}`, timeoutMs: 30_000 });
}

describe('roles', () => {
  it('lets release managers and admins create, agents only read, requesters nothing', async () => {
    const r = await create();
    expect((await as.agent.get(`/api/v1/releases/${r.number}`)).status).toBe(200);
    expect((await as.agent.get('/api/v1/releases')).status).toBe(200);
    const denied = await as.agent.post('/api/v1/releases').send({ name: 'x', version: '1', stages: manualStages(['test']) });
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toContain('application/problem+json');
    expect((await as.requester.get(`/api/v1/releases/${r.number}`)).status).toBe(403);
    expect((await as.requester.get('/api/v1/releases')).status).toBe(403);
    expect((await as.cm.post(`/api/v1/releases/${r.number}/deploy`).set('If-Match', '"1"')).status).toBe(403);
    expect((await create({}, as.admin)).state).toBe('planned');
  });
});

describe('records', () => {
  it('creates REL0000001-style releases with ETag, Location, history and the created event carrying the change ids', async () => {
    const res = await as.rm.post('/api/v1/releases').send({ name: 'Payments', version: '2.4.1', type: 'major', changes: [approved.number], stages: manualStages(['test', 'production'], ['production']) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      number: expect.stringMatching(/^REL\d{7}$/),
      state: 'planned',
      type: 'major',
      version: '2.4.1',
      recordVersion: 1,
      changes: [{ id: approved.id, number: approved.number }],
      stages: [
        { name: 'test', status: 'pending', deploy: { kind: 'manual' } },
        { name: 'production', status: 'pending', gate: { role: 'release_manager' } },
      ],
      window: null,
      deployment: { workflowId: null, workflowUrl: null },
    });
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe(`/api/v1/releases/${res.body.number}`);
    const event = await svc.ctx.knex('outbox').where({ partition_key: res.body.number }).first();
    expect(event.type).toBe('itsm.release.created.v1');
    expect(event.envelope.data).toMatchObject({ release: { number: res.body.number, state: 'planned', changeIds: [approved.id], changeNumbers: [approved.number] }, by: { id: 'rm1' } });
    const h = await as.agent.get(`/api/v1/releases/${res.body.number}/history`);
    expect(h.body.items).toEqual([expect.objectContaining({ action: 'created', actor: { id: 'rm1', name: 'User rm1' } })]);
  });

  it('replays a create with the same Idempotency-Key, and refuses the key with another body', async () => {
    const body = { name: 'Idem', version: '1.0.0', stages: manualStages(['test']) };
    const first = await as.rm.post('/api/v1/releases').set('Idempotency-Key', 'rel-k1').send(body);
    const again = await as.rm.post('/api/v1/releases').set('Idempotency-Key', 'rel-k1').send(body);
    expect(again.status).toBe(201);
    expect(again.body.number).toBe(first.body.number);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await svc.ctx.knex('release').where({ name: 'Idem' })).length).toBe(1);
    const other = await as.rm.post('/api/v1/releases').set('Idempotency-Key', 'rel-k1').send({ ...body, version: '1.0.1' });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // keys are per user
    const rm2 = await as.rm2.post('/api/v1/releases').set('Idempotency-Key', 'rel-k1').send(body);
    expect(rm2.body.number).not.toBe(first.body.number);
  });

  it('carries only approved or scheduled changes: 409 naming the change, 422 for unknown ones', async () => {
    const draft = await knownChange(svc, 'itsm.change.submitted.v1', changeSnapshot({ state: 'assess', approvalStatus: 'waiting' }));
    const refused = await as.rm.post('/api/v1/releases').send({ name: 'x', version: '1', changes: [scheduled.id, draft.number], stages: manualStages(['test']) });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CHANGE_NOT_APPROVED', changes: [{ number: draft.number, state: 'assess' }] });
    expect(refused.body.detail).toContain(draft.number);
    const unknown = await as.rm.post('/api/v1/releases').send({ name: 'x', version: '1', changes: ['CHG0000999'], stages: manualStages(['test']) });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'changes.0', message: expect.stringContaining('CHG0000999') })]);

    // once the change service approves it, the same request succeeds
    await knownChange(svc, 'itsm.change.scheduled.v1', { ...draft, state: 'scheduled', approvalStatus: 'approved', approvedRevision: 1 });
    const ok = await as.rm.post('/api/v1/releases').send({ name: 'x', version: '1', changes: [scheduled.id, draft.number], stages: manualStages(['test']) });
    expect(ok.status).toBe(201);
    const listed = await as.agent.get('/api/v1/releases/eligible-changes');
    expect(listed.body.items.map((c: { number: string }) => c.number)).toEqual(expect.arrayContaining([draft.number, approved.number, scheduled.number]));
  });

  it('keeps the read copy once per event, and an older change version does not overwrite a newer one', async () => {
    const c = changeSnapshot({ state: 'scheduled' });
    const id = await publishChangeEvent(svc, 'itsm.change.scheduled.v1', c, { version: 9 });
    await publishChangeEvent(svc, 'itsm.change.scheduled.v1', c, { id, version: 9 });
    await publishChangeEvent(svc, 'itsm.change.submitted.v1', { ...c, state: 'assess' }, { version: 3 });
    const marker = await knownChange(svc, 'itsm.change.scheduled.v1', changeSnapshot({ state: 'scheduled' }));
    expect(marker).toBeDefined();
    await waitFor(async () => (await svc.ctx.knex('inbox').where({ event_id: id })).length === 1, { what: 'the inbox row' });
    expect(await svc.ctx.knex('change_copy').where({ id: c.id }).first()).toMatchObject({ state: 'scheduled', source_version: 9 });
  });

  it('sends a malformed change event to the dead-letter topic and moves on', async () => {
    const before = svc.consumers[0]!.stats.deadLettered;
    await publishChangeEvent(svc, 'itsm.change.scheduled.v1', { ...changeSnapshot({ state: 'scheduled' }), state: undefined } as unknown as ReturnType<typeof changeSnapshot>);
    await waitFor(() => svc.consumers[0]!.stats.deadLettered === before + 1, { what: 'the dead-lettered event', timeoutMs: 30_000 });
    await knownChange(svc, 'itsm.change.scheduled.v1', changeSnapshot({ state: 'scheduled' }));
  });

  it('validates stages and window, naming the fields', async () => {
    const r = await as.rm.post('/api/v1/releases').send({
      name: 'x',
      version: '1',
      stages: [{ name: 'test', deploy: { kind: 'webhook', url: 'ftp://cd', callbackTimeout: 'soon' } }, { name: 'test', deploy: { kind: 'manual' } }],
      window: { start: '2027-03-02T00:00:00Z', end: '2027-03-01T00:00:00Z' },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['stages.0.deploy.url', 'stages.0.deploy.callbackTimeout']));
    const dup = await as.rm.post('/api/v1/releases').send({ name: 'x', version: '1', stages: manualStages(['test', 'test']), window: { start: '2027-03-02T00:00:00Z', end: '2027-03-01T00:00:00Z' } });
    expect(dup.status).toBe(422);
    expect(dup.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['stages.1.name', 'window.end']));
    const extra = await as.rm.post('/api/v1/releases').send({ name: 'x', version: '1', stages: manualStages(['test']), colour: 'red' });
    expect(extra.status).toBe(422);
  });

  it('edits with If-Match: 428 without it, 412 when stale, 200 with an audit row per field', async () => {
    const r = await create();
    const path = `/api/v1/releases/${r.number}`;
    expect((await as.rm.patch(path).send({ name: 'Payments API' })).status).toBe(428);
    const stale = await as.rm.patch(path).set('If-Match', '"7"').send({ name: 'Payments API' });
    expect(stale.status).toBe(412);
    expect(stale.body.currentVersion).toBe(1);
    const ok = await as.rm.patch(path).set('If-Match', '"1"').send({ name: 'Payments API', description: 'Q1 payments' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'Payments API', recordVersion: 2 });
    expect(ok.headers.etag).toBe('"2"');
    const h = await as.agent.get(`${path}/history`);
    expect(h.body.items.filter((e: { action: string }) => e.action === 'updated')).toEqual([
      expect.objectContaining({ field: 'name', from: 'Payments', to: 'Payments API', actor: expect.objectContaining({ id: 'rm1' }) }),
      expect.objectContaining({ field: 'description', from: '', to: 'Q1 payments' }),
    ]);
    expect((await as.agent.patch(path).set('If-Match', '"2"').send({ name: 'x' })).status).toBe(403);
  });

  it('schedules and cancels through the transition table, with 409 naming an illegal transition', async () => {
    const noWindow = await create({ window: null });
    const s = await as.rm.post(`/api/v1/releases/${noWindow.number}/schedule`).set('If-Match', '"1"');
    expect(s.status).toBe(422);
    expect(s.body.errors).toEqual([expect.objectContaining({ field: 'window.start' })]);
    const r = await scheduledRelease();
    expect(r.state).toBe('scheduled');
    const c = await as.rm.post(`/api/v1/releases/${r.number}/cancel`).set('If-Match', `"${r.recordVersion}"`).send({ reason: 'scope moved' });
    expect(c.body).toMatchObject({ state: 'cancelled', cancelReason: 'scope moved' });
    const again = await as.rm.post(`/api/v1/releases/${r.number}/schedule`).set('If-Match', `"${c.body.recordVersion}"`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'INVALID_TRANSITION', from: 'cancelled', to: 'scheduled' });
    expect(again.body.detail).toContain('cancelled → scheduled');
    const deploy = await as.rm.post(`/api/v1/releases/${noWindow.number}/deploy`).set('If-Match', '"1"');
    expect(deploy.status).toBe(409);
    expect(deploy.body.detail).toContain('planned → deploying');
  });

  it('lists with filters, sort and cursor pagination', async () => {
    const a = await create({ name: 'Filter alpha', type: 'emergency' });
    const b = await create({ name: 'Filter beta', type: 'emergency' });
    const page1 = await as.agent.get('/api/v1/releases?type=emergency&q=Filter&sort=number&limit=1');
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((r: { number: string }) => r.number)).toEqual([a.number]);
    const page2 = await as.agent.get(`/api/v1/releases?type=emergency&q=Filter&sort=number&limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((r: { number: string }) => r.number)).toEqual([b.number]);
    expect(page2.body.nextCursor).toBeNull();
    const byChange = await as.agent.get(`/api/v1/releases?change=${approved.number}&state=planned`);
    expect(byChange.body.items.length).toBeGreaterThan(0);
    expect((await as.agent.get('/api/v1/releases?sort=colour')).status).toBe(422);
    expect((await as.agent.get('/api/v1/releases?state=bogus')).status).toBe(422);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await fetch(`${svc.url}/openapi.json`).then((r) => r.json())) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, method] of [
      ['/api/v1/releases', 'post'],
      ['/api/v1/releases/{number}', 'patch'],
      ['/api/v1/releases/{number}/deploy', 'post'],
      ['/api/v1/releases/{number}/deployment', 'get'],
      ['/api/v1/releases/{number}/stages/{stage}/gate/approve', 'post'],
      ['/api/v1/releases/{number}/stages/{stage}/callback', 'post'],
      ['/api/v1/releases/{number}/stages/{stage}/confirm', 'post'],
      ['/api/v1/releases/{number}/abort', 'post'],
    ]) {
      expect(doc.paths[path]?.[method]).toBeDefined();
    }
  });
});

describe('deployment through the API (manual steps, real Temporal)', () => {
  it('deploys once: gate decided by a release manager only, manual steps confirmed, events in order', async () => {
    const r = await scheduledRelease({ stages: manualStages(['test', 'production'], ['production']) });
    const path = `/api/v1/releases/${r.number}`;
    expect((await as.rm.post(`${path}/stages/test/confirm`).send({})).status).toBe(409); // not deploying yet
    expect((await as.rm.post(`${path}/deploy`)).status).toBe(428);
    expect((await as.rm.post(`${path}/deploy`).set('If-Match', '"1"')).status).toBe(412);
    const started = await as.rm.post(`${path}/deploy`).set('If-Match', `"${r.recordVersion}"`);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: 'deploying', deployment: { workflowId: `${svc.ctx.instance.prefix}release-deployment:${r.number}`, workflowUrl: expect.stringContaining('/workflows/') } });
    const again = await as.rm.post(`${path}/deploy`).set('If-Match', `"${r.recordVersion}"`);
    expect(again.status).toBe(200);

    await waitForWaiting(r.number, 'manual-confirmation', 'test');
    expect((await as.rm.post(`${path}/stages/test/gate/approve`).send({})).body.code).toBe('NOT_AWAITING_GATE');
    expect((await as.rm.post(`${path}/stages/nowhere/confirm`).send({})).status).toBe(422);
    expect((await as.rm.post(`${path}/stages/test/callback`).send({ outcome: 'succeeded' })).body.code).toBe('NOT_A_WEBHOOK_STAGE');
    const confirmed = await as.rm.post(`${path}/stages/test/confirm`).send({ outcome: 'succeeded', detail: 'rolled out v2.4.0' });
    expect(confirmed.status).toBe(200);

    const gate = await waitForWaiting(r.number, 'gate-approval', 'production');
    expect(gate.workflowUrl).toContain(encodeURIComponent(gate.workflowId));
    expect((await as.agent.post(`${path}/stages/production/gate/approve`).send({})).status).toBe(403);
    const approvedGate = await as.rm2.post(`${path}/stages/production/gate/approve`).send({ comment: 'go' });
    expect(approvedGate.status).toBe(200);
    expect(approvedGate.body.currentStage).toBe('production');
    await waitForWaiting(r.number, 'manual-confirmation', 'production');
    await as.rm.post(`${path}/stages/production/confirm`).send({});
    const done = await waitForState(r.number, 'deployed');
    expect(done.stages).toEqual([expect.objectContaining({ name: 'test', status: 'completed' }), expect.objectContaining({ name: 'production', status: 'completed', gateApprovedBy: 'rm2' })]);
    await waitFor(async () => (await outboxTypes(svc, r.number)).includes('deployed'), { what: 'the deployed event' });
    expect(await outboxTypes(svc, r.number)).toEqual([
      'created',
      'deployment_started',
      'stage_started',
      'stage_completed',
      'stage_started',
      'gate_approved',
      'stage_completed',
      'deployed',
    ]);
    const gateEvent = await svc.ctx.knex('outbox').where({ partition_key: r.number, type: 'itsm.release.gate_approved.v1' }).first();
    expect(gateEvent.envelope.data).toMatchObject({ stage: 'production', approver: 'rm2', release: { changeIds: [approved.id, scheduled.id] } });
    const history = await as.agent.get(`${path}/history?limit=200`);
    expect(history.body.items.map((h: { action: string }) => h.action)).toEqual(expect.arrayContaining(['deployment_requested', 'deployment_started', 'gate_approved', 'deployed']));
    const late = await as.rm.post(`${path}/abort`).send({ reason: 'late' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('DEPLOYMENT_CLOSED');
  });

  it('pauses, resumes and aborts: the deployed stage is rolled back and the release ends aborted', async () => {
    const r = await scheduledRelease({ stages: manualStages(['test', 'staging']) });
    const path = `/api/v1/releases/${r.number}`;
    await as.rm.post(`${path}/deploy`).set('If-Match', `"${r.recordVersion}"`).expect(202);
    await waitForWaiting(r.number, 'manual-confirmation', 'test');
    expect((await as.rm.post(`${path}/pause`).send({ reason: 'incident on the load balancer' })).status).toBe(202);
    await as.rm.post(`${path}/stages/test/confirm`).send({});
    await waitForWaiting(r.number, 'resume', 'test');
    expect((await as.rm.post(`${path}/resume`).send({})).status).toBe(202);
    await waitForWaiting(r.number, 'manual-confirmation', 'staging');
    expect((await as.agent.post(`${path}/abort`).send({ reason: 'x' })).status).toBe(403);
    expect((await as.rm.post(`${path}/abort`).send({})).status).toBe(422);
    expect((await as.rm.post(`${path}/abort`).send({ reason: 'wrong build' })).status).toBe(202);
    const aborted = await waitFor(async () => {
      const b = (await as.agent.get(path)).body;
      return b.state === 'aborted' && b.rolledBackStages.length ? b : undefined;
    }, { what: 'the abort and its rollback', timeoutMs: 30_000 });
    expect(aborted).toMatchObject({ failure: { code: 'ABORTED', by: 'rm1' }, rolledBackStages: ['staging', 'test'] });
    await waitFor(async () => (await outboxTypes(svc, r.number)).includes('rolled_back'), { what: 'the rolled back event' });
    const failed = await svc.ctx.knex('outbox').where({ partition_key: r.number, type: 'itsm.release.failed.v1' }).first();
    expect(failed.envelope.data).toMatchObject({ code: 'ABORTED', stage: 'staging', stagesToRollBack: ['staging', 'test'], by: { id: 'rm1' } });
    const rollbacks = await svc.ctx.knex('stage_rollback').where({ release_id: r.id }).orderBy('done_at');
    expect(rollbacks.map((x) => x.stage)).toEqual(['staging', 'test']);
  });
});
