/**
 * End to end on the real stack (Postgres, Kafka, Temporal): the change
 * service and the release service on one platform instance, and a small CD
 * system with health URLs started by the test. Two standard changes per
 * release are approved and scheduled by the change service; the release
 * service learns that from its events.
 */
import { createChangeService } from '@itsm/change-service';
import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { createReleaseService } from '../src';
import { DeployTarget } from './deploy-target';
import { tokenFor, USERS, type TestUser } from './helpers';

let change: RunningService;
let release: RunningService;
let target: DeployTarget;
let templateId: string;
const tokens: Record<string, string> = {};

async function call(svc: RunningService, user: TestUser, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${svc.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[user.id]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, etag: res.headers.get('etag') ?? '' };
}

const cmUser: TestUser = { id: 'cm1', roles: ['change_manager'] };
const adminUser: TestUser = USERS.admin;

beforeAll(async () => {
  for (const u of [USERS.rm, USERS.rm2, USERS.agent, USERS.cd, cmUser, adminUser]) tokens[u.id] = await tokenFor(u);
  const instance = newInstance();
  [change, release] = await Promise.all([startTestService(createChangeService(), { instance }), startTestService(createReleaseService(), { instance })]);
  target = await new DeployTarget(tokens['cd-system']!).start();
  const put = (name: string, b: Record<string, unknown>) => call(change, adminUser, 'PUT', `/api/v1/changes/cab-groups/${name}`, b);
  await put('Change managers', { purpose: 'change_managers', members: ['cm1'], policy: { mode: 'ANY' }, isDefault: true });
  await put('CAB', { purpose: 'cab', members: ['cab1'], policy: { mode: 'ALL' }, isDefault: true });
  await put('ECAB', { purpose: 'ecab', members: ['cm1'], policy: { mode: 'ANY' }, isDefault: true });
  const t = await call(change, adminUser, 'POST', '/api/v1/changes/templates', {
    name: 'Roll out a payment service build',
    description: 'Pre-approved: a tested build through the pipeline',
    impact: 'low',
    implementationPlan: 'Deploy through the CD pipeline',
    backoutPlan: 'Roll back through the CD pipeline',
    testPlan: 'Health checks per stage',
  });
  expect(t.status).toBe(201);
  templateId = t.body.id;
}, 180_000);

afterAll(async () => {
  await target?.stop();
  await Promise.all([release?.stop(), change?.stop()]);
});

let ciSeq = 0;
/** A standard change (pre-approved), scheduled by the change service in its window. */
async function scheduledChange(): Promise<{ id: string; number: string }> {
  const year = new Date().getUTCFullYear() + 2;
  const start = new Date(Date.UTC(year, 0, 10 + ciSeq, 22)).toISOString();
  const end = new Date(Date.UTC(year, 0, 10 + ciSeq, 23)).toISOString();
  const ci = `ci-pay-${process.pid}-${Date.now().toString(36)}-${++ciSeq}`;
  const r = await call(change, USERS.agent, 'POST', '/api/v1/changes/standard', { templateId, ciIds: [ci], plannedStart: start, plannedEnd: end });
  expect(r.status).toBe(201);
  await changeState(r.body.number, (b) => b.state === 'scheduled', 'scheduled');
  return { id: r.body.id, number: r.body.number };
}

function changeState(number: string, probe: (b: { state: string; outcome: string | null }) => boolean, what: string) {
  return waitFor(async () => {
    const r = await call(change, cmUser, 'GET', `/api/v1/changes/${number}`);
    return r.status === 200 && probe(r.body) ? r.body : undefined;
  }, { what: `${number} ${what}`, timeoutMs: 30_000, intervalMs: 250 });
}

function stages() {
  return ['test', 'staging', 'production'].map((name) => ({
    name,
    ...(name === 'production' ? { gate: { timeout: '10m' } } : {}),
    deploy: { kind: 'webhook', url: target.hookUrl, callbackTimeout: '30s' },
    verify: { healthUrl: target.healthUrl(name), timeout: name === 'staging' ? '4s' : '20s', interval: '250ms' },
  }));
}

/** Creates a release of the changes (waiting until the release service knows them scheduled), schedules and deploys it. */
async function deployRelease(changes: { id: string; number: string }[], version: string) {
  await waitFor(async () => (await release.ctx.knex('change_copy').whereIn('id', changes.map((c) => c.id)).where({ state: 'scheduled' })).length === changes.length, {
    what: 'the release service to know the changes scheduled',
    timeoutMs: 30_000,
  });
  const created = await call(release, USERS.rm, 'POST', '/api/v1/releases', {
    name: 'Payments',
    version,
    type: 'minor',
    changes: changes.map((c) => c.number),
    stages: stages(),
    window: { start: new Date(Date.now() - 60_000).toISOString() },
  }, { 'idempotency-key': `e2e-${version}` });
  expect(created.status).toBe(201);
  const num = created.body.number as string;
  const scheduled = await call(release, USERS.rm, 'POST', `/api/v1/releases/${num}/schedule`, undefined, { 'if-match': created.etag });
  expect(scheduled.status).toBe(200);
  const deploy = await call(release, USERS.rm, 'POST', `/api/v1/releases/${num}/deploy`, undefined, { 'if-match': scheduled.etag });
  expect(deploy.status).toBe(202);
  return num;
}

async function releaseEvents(num: string) {
  const rows = await release.ctx.knex('outbox').where({ partition_key: num }).orderBy('seq').select('type', 'envelope', 'sent_at');
  return rows.map((r) => ({ type: (r.type as string).replace(/^itsm\.release\.|\.v1$/g, ''), data: r.envelope.data, sent: r.sent_at !== null }));
}

const summary = (events: Awaited<ReturnType<typeof releaseEvents>>) => events.map((e) => (e.data.stage ? `${e.type}:${e.data.stage}` : e.type));

it('deploys a release with two approved changes through test, staging and production (gate approved through the API), and the changes become implemented', async () => {
  const changes = [await scheduledChange(), await scheduledChange()];
  const num = await deployRelease(changes, '3.0.0');

  const atGate = await waitFor(async () => {
    const r = await call(release, USERS.agent, 'GET', `/api/v1/releases/${num}/deployment`);
    return r.body.progress?.waitingFor?.kind === 'gate-approval' ? r.body : undefined;
  }, { what: 'the production gate', timeoutMs: 60_000 });
  expect(atGate.progress).toMatchObject({ state: 'awaiting-gate', currentStage: 'production', completedStages: ['test', 'staging'] });
  expect(atGate.workflowUrl).toContain('/namespaces/default/workflows/');
  expect((await call(release, USERS.agent, 'POST', `/api/v1/releases/${num}/stages/production/gate/approve`, {})).status).toBe(403);
  const approved = await call(release, USERS.rm2, 'POST', `/api/v1/releases/${num}/stages/production/gate/approve`, { comment: 'CAB window confirmed' });
  expect(approved.status).toBe(200);

  const deployed = await waitFor(async () => {
    const r = await call(release, USERS.agent, 'GET', `/api/v1/releases/${num}`);
    return r.body.state === 'deployed' ? r.body : undefined;
  }, { what: `${num} deployed`, timeoutMs: 60_000 });
  expect(deployed.stages.map((s: { status: string }) => s.status)).toEqual(['completed', 'completed', 'completed']);
  expect(target.calls.filter((c) => c.release === num)).toEqual(['test', 'staging', 'production'].map((stage) => expect.objectContaining({ action: 'deploy', stage })));
  expect(target.callbackStatuses.every((s) => s === 202)).toBe(true);

  const events = await waitFor(async () => {
    const e = await releaseEvents(num);
    return e.every((x) => x.sent) && e.some((x) => x.type === 'deployed') ? e : undefined;
  }, { what: 'the release events published' });
  expect(summary(events)).toEqual([
    'created',
    'deployment_started',
    'stage_started:test',
    'stage_completed:test',
    'stage_started:staging',
    'stage_completed:staging',
    'stage_started:production',
    'gate_approved:production',
    'stage_completed:production',
    'deployed',
  ]);
  expect(events.every((e) => JSON.stringify(e.data.release.changeIds) === JSON.stringify(changes.map((c) => c.id)))).toBe(true);

  for (const c of changes) {
    const done = await changeState(c.number, (b) => b.state === 'review', 'implemented');
    expect(done.outcome).toBe('successful');
  }
}, 180_000);

it('fails in staging when its health check stays unhealthy, rolls back staging then test, and the changes are backed out', async () => {
  const changes = [await scheduledChange(), await scheduledChange()];
  target.unhealthy.add('staging');
  const num = await deployRelease(changes, '3.0.1');

  const rolledBack = await waitFor(async () => {
    const r = await call(release, USERS.agent, 'GET', `/api/v1/releases/${num}`);
    return r.body.state === 'rolled_back' ? r.body : undefined;
  }, { what: `${num} rolled back`, timeoutMs: 90_000 });
  expect(rolledBack).toMatchObject({ failure: { code: 'VERIFICATION_FAILED', stage: 'staging' }, rolledBackStages: ['staging', 'test'] });
  expect(rolledBack.stages.map((s: { status: string }) => s.status)).toEqual(['rolled_back', 'rolled_back', 'pending']);
  const calls = target.calls.filter((c) => c.release === num).map((c) => `${c.action}:${c.stage}`);
  expect(calls).toEqual(['deploy:test', 'deploy:staging', 'rollback:staging', 'rollback:test']);

  const events = await waitFor(async () => {
    const e = await releaseEvents(num);
    return e.every((x) => x.sent) && e.some((x) => x.type === 'rolled_back') ? e : undefined;
  }, { what: 'the release events published' });
  expect(summary(events)).toEqual(['created', 'deployment_started', 'stage_started:test', 'stage_completed:test', 'stage_started:staging', 'failed:staging', 'rolled_back']);
  const failed = events.find((e) => e.type === 'failed')!;
  expect(failed.data).toMatchObject({ code: 'VERIFICATION_FAILED', stagesToRollBack: ['staging', 'test'], release: { changeIds: changes.map((c) => c.id) } });
  expect(events.find((e) => e.type === 'rolled_back')!.data.stages).toEqual(['staging', 'test']);

  for (const c of changes) {
    const done = await changeState(c.number, (b) => b.state === 'review' && b.outcome === 'backed_out', 'backed out');
    expect(done.outcome).toBe('backed_out');
  }
}, 180_000);
