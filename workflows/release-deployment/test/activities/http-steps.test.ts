import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment as BaseMockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { TriggerWebhookDeployInput } from '../../src/activities';
import { createHttpStepActivities, HttpStepFailureType } from '../../src/activities/http-steps';

/** Activity failures are expected here: keep the log quiet. */
class MockActivityEnvironment extends BaseMockActivityEnvironment {
  constructor(info?: ConstructorParameters<typeof BaseMockActivityEnvironment>[0]) {
    super(info, { logger: new DefaultLogger('ERROR') });
  }
}

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];
let healthCalls = 0;
/** Number of 503 answers /health/flaky gives before it turns healthy. */
let unhealthyFor = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const send = (status: number, payload?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      switch (req.url) {
        case '/deploy/ok':
          return send(202, { deploymentId: 'cd-4711', status: 'queued' });
        case '/deploy/bad':
          return send(400, { error: 'unknown environment' });
        case '/deploy/down':
          return send(503, { error: 'maintenance' });
        case '/deploy/throttled':
          return send(429);
        case '/health/flaky':
          healthCalls += 1;
          return healthCalls > unhealthyFor ? send(200, { status: 'UP' }) : send(503, { status: 'DOWN' });
        case '/health/down':
          healthCalls += 1;
          return send(503, { status: 'DOWN' });
        default:
          return send(404);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
  healthCalls = 0;
  unhealthyFor = 0;
});

const activities = createHttpStepActivities({ requestTimeoutMs: 2_000, heartbeatEveryMs: 20, webhookHeaders: { authorization: 'Bearer cd-token' } });

const webhookInput = (path: string): TriggerWebhookDeployInput => ({
  url: `${base}${path}`,
  release: { releaseId: 'r-1', releaseNumber: 'REL0000007', name: 'Payments', version: '2.3.0', changes: [{ id: 'c-1', number: 'CHG0000101' }] },
  stage: 'staging',
  callback: { url: 'http://release.example.test/api/v1/releases/REL0000007/deploy-callback', workflowId: 'release-deployment:REL0000007', stage: 'staging', deadline: '2026-12-05T23:00:00.000Z' },
  idempotencyKey: 'release-deployment:REL0000007:deploy:staging',
});

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('triggerWebhookDeploy', () => {
  it('POSTs the release, stage and callback to the CD system and returns its deployment id', async () => {
    const result = await new MockActivityEnvironment().run(activities.triggerWebhookDeploy, webhookInput('/deploy/ok'));
    expect(result).toEqual({ status: 202, externalId: 'cd-4711' });
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req!.method).toBe('POST');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['idempotency-key']).toBe('release-deployment:REL0000007:deploy:staging');
    expect(req!.headers.authorization).toBe('Bearer cd-token');
    expect(JSON.parse(req!.body)).toEqual({
      action: 'deploy',
      release: webhookInput('').release,
      stage: 'staging',
      callback: webhookInput('').callback,
      idempotencyKey: 'release-deployment:REL0000007:deploy:staging',
    });
  });

  it('fails without retry when the CD system refuses the request (4xx)', async () => {
    const failure = await failureOf(new MockActivityEnvironment().run(activities.triggerWebhookDeploy, webhookInput('/deploy/bad')));
    expect(failure).toMatchObject({ type: HttpStepFailureType.webhookRejected, nonRetryable: true });
    expect(failure.message).toContain('answered 400');
    expect(failure.message).toContain('unknown environment');
  });

  it.each([
    ['a 5xx answer', '/deploy/down', HttpStepFailureType.webhookUnavailable],
    ['429 Too Many Requests', '/deploy/throttled', HttpStepFailureType.webhookUnavailable],
  ])('fails retryably on %s', async (_what, path, type) => {
    const failure = await failureOf(new MockActivityEnvironment().run(activities.triggerWebhookDeploy, webhookInput(path)));
    expect(failure).toMatchObject({ type, nonRetryable: false });
  });

  it('fails retryably when the CD system cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failure = await failureOf(new MockActivityEnvironment().run(activities.triggerWebhookDeploy, { ...webhookInput(''), url: `http://127.0.0.1:${port}/deploy` }));
    expect(failure).toMatchObject({ type: HttpStepFailureType.webhookUnreachable, nonRetryable: false });
  });

  it('refuses a URL that is not http(s) without retry', async () => {
    const failure = await failureOf(new MockActivityEnvironment().run(activities.triggerWebhookDeploy, { ...webhookInput(''), url: 'file:///etc/passwd' }));
    expect(failure).toMatchObject({ type: HttpStepFailureType.invalidUrl, nonRetryable: true });
  });
});

describe('verifyHealth', () => {
  it('polls until the health URL answers 2xx, heartbeating its progress', async () => {
    unhealthyFor = 3;
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const result = await env.run(activities.verifyHealth, { url: `${base}/health/flaky`, timeoutMs: 5_000, intervalMs: 30, releaseNumber: 'REL0000007', stage: 'staging' });
    expect(result).toEqual({ healthy: true, checks: 4, lastStatus: 200 });
    expect(healthCalls).toBe(4);
    expect(beats.length).toBeGreaterThanOrEqual(4);
    expect(beats.at(-1)).toEqual({ startedAt: expect.any(Number), checks: 4 });
  });

  it('answers not healthy once the timeout passes', async () => {
    const started = Date.now();
    const result = await new MockActivityEnvironment().run(activities.verifyHealth, { url: `${base}/health/down`, timeoutMs: 300, intervalMs: 50, releaseNumber: 'REL0000007', stage: 'staging' });
    expect(result).toMatchObject({ healthy: false, lastStatus: 503, lastError: 'answered 503' });
    expect(result.checks).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('keeps the original deadline when retried after a lost worker (heartbeat details)', async () => {
    const env = new MockActivityEnvironment({ heartbeatDetails: { startedAt: Date.now() - 10_000, checks: 7 } });
    const result = await env.run(activities.verifyHealth, { url: `${base}/health/down`, timeoutMs: 5_000, intervalMs: 50, releaseNumber: 'REL0000007', stage: 'staging' });
    expect(result).toMatchObject({ healthy: false, checks: 8 });
    expect(healthCalls).toBe(1);
  });

  it('stops polling when the activity is cancelled', async () => {
    const env = new MockActivityEnvironment();
    const running = env.run(activities.verifyHealth, { url: `${base}/health/down`, timeoutMs: 60_000, intervalMs: 50, releaseNumber: 'REL0000007', stage: 'staging' });
    await new Promise((r) => setTimeout(r, 120));
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    const calls = healthCalls;
    await new Promise((r) => setTimeout(r, 150));
    expect(healthCalls).toBe(calls);
  });
});
