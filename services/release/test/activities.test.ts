import { createLogger, systemClock } from '@itsm/core';
import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import type { DeploymentEvent, ReleaseDeploymentActivities } from '@itsm/wf-release-deployment';
import { ApplicationFailure } from '@temporalio/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReleaseService } from '../src';
import { createActivities } from '../src/service/activities';
import { clientsFor, type Client, type UserKey } from './helpers';

let svc: RunningService;
let as: Record<UserKey, Client>;
let activities: ReleaseDeploymentActivities;
let cd: Server;
let cdUrl: string;
const hits: string[] = [];
let answer = 200;

beforeAll(async () => {
  // API, database and relay only: the activities are called directly here
  svc = await startTestService(createReleaseService(), { instance: newInstance(), env: { ITSM_ROLES: 'api,relay' } });
  as = await clientsFor(svc);
  activities = createActivities({ knex: svc.ctx.knex, source: svc.ctx.source, clock: systemClock, logger: createLogger('release-test', 'silent') });
  cd = createServer((req, res) => {
    hits.push(String(req.headers['idempotency-key']));
    res.writeHead(answer).end('{}');
  });
  await new Promise<void>((r) => cd.listen(0, '127.0.0.1', r));
  cdUrl = `http://127.0.0.1:${(cd.address() as AddressInfo).port}/hook`;
}, 120_000);

afterAll(async () => {
  cd?.close();
  await svc?.stop();
});

async function scheduledRelease() {
  const c = await as.rm.post('/api/v1/releases').send({
    name: 'Activities',
    version: '1.0.0',
    stages: [{ name: 'test', deploy: { kind: 'webhook', url: cdUrl, callbackTimeout: '1m' } }, { name: 'production', deploy: { kind: 'manual' } }],
    window: { start: new Date().toISOString() },
  });
  const s = await as.rm.post(`/api/v1/releases/${c.body.number}/schedule`).set('If-Match', `"${c.body.recordVersion}"`);
  return s.body as { id: string; number: string };
}

const event = (r: { id: string; number: string }, e: Record<string, unknown>) =>
  ({
    releaseId: r.id,
    releaseNumber: r.number,
    occurredAt: new Date().toISOString(),
    workflowId: `release-deployment:${r.number}`,
    runId: 'run-1',
    eventId: `release-deployment:${r.number}:${String(e.type)}${e.stage ? `:${String(e.stage)}` : ''}`,
    ...e,
  }) as DeploymentEvent;

it('records a deployment event once: a retried activity writes no second state change or outbox row', async () => {
  const r = await scheduledRelease();
  const started = event(r, { type: 'deployment_started', stages: ['test', 'production'], window: { start: new Date().toISOString() }, requestedBy: 'rm1' });
  await activities.recordDeploymentEvent(started);
  await activities.recordDeploymentEvent(started);
  await activities.recordDeploymentEvent(event(r, { type: 'stage_started', stage: 'test' }));
  const rows = await svc.ctx.knex('outbox').where({ partition_key: r.number }).orderBy('seq');
  expect(rows.map((x) => x.type)).toEqual(['itsm.release.created.v1', 'itsm.release.deployment_started.v1', 'itsm.release.stage_started.v1']);
  expect(rows[1].envelope).toMatchObject({ correlationid: `release-deployment:${r.number}`, data: { release: { state: 'deploying' }, by: { id: 'rm1' } } });
  const body = (await as.agent.get(`/api/v1/releases/${r.number}`)).body;
  expect(body).toMatchObject({ state: 'deploying', currentStage: 'test', recordVersion: 4 });
});

it('keeps an event the release cannot take as ignored, with a history row, instead of failing the workflow', async () => {
  const r = await scheduledRelease();
  await activities.recordDeploymentEvent(event(r, { type: 'deployed', stages: [] }));
  expect((await svc.ctx.knex('deployment_event').where({ release_id: r.id }).first()).outcome).toBe('ignored');
  expect((await as.agent.get(`/api/v1/releases/${r.number}`)).body.state).toBe('scheduled');
  const h = (await as.agent.get(`/api/v1/releases/${r.number}/history`)).body.items;
  expect(h.map((x: { action: string }) => x.action)).toContain('ignored_deployed');
});

it('rolls a webhook stage back once per idempotency key; a refused rollback is not retried', async () => {
  const r = await scheduledRelease();
  const release = { releaseId: r.id, releaseNumber: r.number, name: 'Activities', version: '1.0.0', changes: [] };
  const input = {
    release,
    stage: { name: 'test', deploy: { kind: 'webhook' as const, url: cdUrl, callbackTimeout: '1m' } },
    failure: { code: 'VERIFICATION_FAILED' as const, message: 'unhealthy', stage: 'test' },
    idempotencyKey: `release-deployment:${r.number}:rollback:test`,
  };
  await activities.rollbackStage(input);
  await activities.rollbackStage(input);
  expect(hits.filter((h) => h === input.idempotencyKey)).toHaveLength(1);
  await activities.rollbackStage({ ...input, stage: { name: 'production', deploy: { kind: 'manual' } }, idempotencyKey: `${input.idempotencyKey}-manual` });
  const rows = await svc.ctx.knex('stage_rollback').where({ release_id: r.id }).orderBy('done_at');
  expect(rows.map((x) => [x.stage, x.method])).toEqual([
    ['test', 'webhook'],
    ['production', 'manual'],
  ]);

  answer = 400;
  const refused = await activities.rollbackStage({ ...input, idempotencyKey: `${input.idempotencyKey}-again` }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ApplicationFailure);
  expect(refused).toMatchObject({ nonRetryable: true, type: 'WebhookRejected' });
  answer = 503;
  const unavailable = await activities.rollbackStage({ ...input, idempotencyKey: `${input.idempotencyKey}-later` }).catch((e: unknown) => e);
  expect(unavailable).toMatchObject({ nonRetryable: false, type: 'WebhookUnavailable' });
  answer = 200;
});
