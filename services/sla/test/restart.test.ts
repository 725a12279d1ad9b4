/**
 * A restart of the SLA worker in the middle of a clock loses nothing and
 * fires nothing twice: the API, relay and consumers run in one process, the
 * Temporal worker in another (same instance and database); the worker stops
 * before the breach is due and starts again after it.
 */
import { createLogger } from '@itsm/core';
import { incidentService } from '@itsm/incident-service';
import { newInstance, startService, startTestService, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { slaService } from '../src/definition';
import { calendarAndDefinition, clientFor, clockById, clockOf, expectStatus, tokenFor, unique, USERS, type Platform } from './helpers';

jest.setTimeout(180_000);

const instance = newInstance();
const database = `itsm_test_sla_${instance.replace(/[^a-z0-9]/g, '')}`;
let incident: RunningService;
let slaApi: RunningService;
let worker: RunningService | undefined;
let p: Platform;

function startWorker(): Promise<RunningService> {
  return startService(slaService, {
    env: { ...process.env, PORT: '0', DATABASE_NAME: database, ITSM_INSTANCE: instance, NODE_ENV: 'test', ITSM_ROLES: 'workers' },
    logger: createLogger('sla-service', process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
}

beforeAll(async () => {
  [incident, slaApi] = await Promise.all([
    startTestService(incidentService, { instance }),
    startTestService(slaService, { instance, env: { ITSM_ROLES: 'api,relay,consumers,jobs' } }),
  ]);
  worker = await startWorker();
  const inc = {} as Platform['inc'];
  const slaAs = {} as Platform['slaAs'];
  for (const [k, u] of Object.entries(USERS)) {
    const t = await tokenFor(u);
    inc[k as keyof typeof USERS] = clientFor(incident, t);
    slaAs[k as keyof typeof USERS] = clientFor(slaApi, t);
  }
  p = { instance, incident, sla: slaApi, inc, slaAs, stop: async () => undefined };
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await Promise.all([slaApi?.stop(), incident?.stop()]);
});

const kinds = async (id: string) => ((await clockById(p, id)).history as Array<{ kind: string }>).map((h) => h.kind);

it('keeps the clock across a worker restart: the breach fires once, at its due time, after the worker is back', async () => {
  const category = unique('restart');
  await calendarAndDefinition(p, { timeZone: 'UTC', mode: '24x7' }, { category, resolution: 'PT15S' });
  const created = await p.inc.agent.post('/api/v1/incidents').send({ title: 'VPN down', category, callerId: 'ra1' });
  await expectStatus(created, 201);
  const number = created.body.number as string;
  const clock = await clockOf(p, number, 'resolution');
  const wf = slaApi.ctx.temporal.workflow.getHandle(clock.workflowId);
  await waitFor(async () => (await wf.describe()).status.name === 'RUNNING', { what: 'the clock workflow to run' });

  await worker!.stop();
  worker = undefined;
  await waitFor(() => Date.now() > Date.parse(clock.dueAt) + 1500, { timeoutMs: 60_000, what: 'the due time to pass' });
  expect(await kinds(clock.id)).not.toContain('breached'); // nobody ran the timer yet

  worker = await startWorker();
  await waitFor(async () => (await kinds(clock.id)).includes('breached'), { timeoutMs: 60_000, what: 'the breach after the restart' });
  const history = (await clockById(p, clock.id)).history as Array<{ kind: string; at: string; historical: boolean }>;
  expect(history.filter((h) => h.kind === 'breached')).toEqual([expect.objectContaining({ at: clock.dueAt, historical: false })]);
  expect(history.filter((h) => h.kind === 'warning')).toHaveLength(3);

  // a second restart replays the workflow without firing anything again
  await worker.stop();
  worker = await startWorker();
  await wf.query('status');
  await new Promise((r) => setTimeout(r, 2000));
  const again = await kinds(clock.id);
  expect(again.filter((k) => k === 'breached')).toHaveLength(1);
  expect(again.filter((k) => k === 'warning')).toHaveLength(3);
  const events = await slaApi.ctx.knex('outbox').whereIn('type', ['itsm.sla.breached.v1', 'itsm.sla.warning.v1']).whereRaw("envelope->'data'->>'clockId' = ?", [clock.id]);
  expect(events).toHaveLength(4);
  const escalated = await waitFor(async () => {
    const res = await p.inc.agent.get(`/api/v1/incidents/${number}`);
    return res.body.escalationLevel === 1 && res.body;
  });
  expect(escalated.slaNotices.filter((n: { kind: string }) => n.kind === 'breached')).toHaveLength(1);
});
