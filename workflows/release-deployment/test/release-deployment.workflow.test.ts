import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { testEnv } from '@itsm/testing';
import type { ReleaseDeploymentActivities } from '../src/activities';
import {
  abortDeployment,
  approveGate,
  confirmManualStep,
  DeploymentCommandRejectedError,
  DeploymentNotFoundError,
  InvalidDeploymentInputError,
  getDeploymentResult,
  getProgress,
  pauseDeployment,
  rejectGate,
  resumeDeployment,
  sendDeployCallback,
  startReleaseDeployment,
} from '../src/client';
import type { DeploymentProgress, ReleaseDeploymentInput, ReleaseDeploymentResult } from '../src/definitions';
import {
  manual,
  mockActivities,
  progressWhen,
  registerSearchAttributes,
  releaseInput,
  threeStages,
  verify,
  waitingAt,
  webhook,
  workflowsSrc,
  type Recorded,
} from './helpers';

let env: TestWorkflowEnvironment;
let workflowBundle: { code: string };

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testEnv.temporalTestServerPath } },
  });
  await registerSearchAttributes(env.connection);
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsSrc, logger: new DefaultLogger('WARN') });
  workflowBundle = { code };
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

interface Run {
  input: ReleaseDeploymentInput;
  recorded: Recorded;
  result: ReleaseDeploymentResult;
  /** Progress query answer after the end (queried while the worker still runs). */
  progress: DeploymentProgress;
}

/**
 * Starts the deployment on a fresh task queue with mocked activities, lets
 * `drive` act on it (updates, signals, env.sleep), then awaits the result
 * (which lets the test server skip time).
 */
async function deploy(
  input: ReleaseDeploymentInput,
  drive: (releaseNumber: string, recorded: Recorded) => Promise<void> = async () => {},
  overrides: Partial<ReleaseDeploymentActivities> = {},
): Promise<Run> {
  const { activities, recorded } = mockActivities(overrides);
  const taskQueue = `release-test-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(async () => {
    await startReleaseDeployment(env.client, input, { taskQueue });
    try {
      await drive(input.releaseNumber, recorded);
    } catch (err) {
      // A workflow left running would hold timers on the shared test server and stall later tests.
      await env.client.workflow.getHandle(`release-deployment:${input.releaseNumber}`).terminate('test failed').catch(() => undefined);
      throw err;
    }
    const result = await getDeploymentResult(env.client, input.releaseNumber);
    const progress = await getProgress(env.client, input.releaseNumber);
    return { input, recorded, result, progress };
  });
}

const eventTypes = (r: Recorded) => r.events.map((e) => ('stage' in e ? `${e.type}:${e.stage}` : e.type));

/** Sends the CD callback once the workflow waits for it. */
async function callback(releaseNumber: string, stage: string, outcome: 'succeeded' | 'failed' = 'succeeded', detail?: string) {
  await progressWhen(env.client, releaseNumber, waitingAt('deploy-callback', stage), `callback wait of ${stage}`);
  await progressWhen(env.client, releaseNumber, (p) => p.waitingFor?.until !== undefined, `webhook of ${stage} accepted`);
  await sendDeployCallback(env.client, releaseNumber, { stage, outcome, detail });
}

async function approve(releaseNumber: string, stage: string, approver = 'rm-bob') {
  await progressWhen(env.client, releaseNumber, waitingAt('gate-approval', stage), `gate ${stage}`);
  return approveGate(env.client, releaseNumber, { stage, approver, roles: ['release_manager'] });
}

async function rejection(p: Promise<unknown>): Promise<DeploymentCommandRejectedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeploymentCommandRejectedError);
  return err as DeploymentCommandRejectedError;
}

describe('release deployment workflow', () => {
  it('waits for the deployment window with a durable timer and deploys nothing before it opens', async () => {
    const now = await env.currentTimeMs();
    const opens = now + 6 * 3600_000;
    const input = releaseInput([manual('test')], { window: { start: new Date(opens).toISOString() } });
    const { recorded, result } = await deploy(input, async (rel, rec) => {
      const waiting = await progressWhen(env.client, rel, waitingAt('window'), 'window wait');
      expect(waiting.waitingFor).toEqual({
        kind: 'window',
        description: `deployment window opening ${new Date(opens).toISOString().slice(0, 19)}Z`.replace(/:00Z$/, 'Z'),
        until: new Date(opens).toISOString(),
      });
      await env.sleep(6 * 3600_000 - 60_000); // one minute shy of the window
      const still = await getProgress(env.client, rel);
      expect(still.state).toBe('waiting-window');
      expect(rec.log).toEqual(['record:deployment_started']);
      await env.sleep(120_000);
      await progressWhen(env.client, rel, waitingAt('manual-confirmation', 'test'), 'manual step');
      expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(opens);
      await confirmManualStep(env.client, rel, { stage: 'test', outcome: 'succeeded', by: 'eng-dave' });
    });
    expect(result.outcome).toBe('deployed');
    expect(eventTypes(recorded)).toEqual(['deployment_started', 'stage_started:test', 'stage_completed:test', 'deployed']);
    const stageStarted = recorded.events.find((e) => e.type === 'stage_started')!;
    expect(Date.parse(stageStarted.occurredAt)).toBeGreaterThanOrEqual(opens);
  });

  it('fails with a reason when the window ended before the deployment could start', async () => {
    const now = await env.currentTimeMs();
    const input = releaseInput([webhook('test')], {
      window: { start: new Date(now - 3 * 3600_000).toISOString(), end: new Date(now - 3600_000).toISOString() },
    });
    const { recorded, result } = await deploy(input);
    expect(result).toMatchObject({ outcome: 'failed', completedStages: [], rolledBackStages: [], failure: { code: 'WINDOW_MISSED' } });
    expect(result.failure!.message).toMatch(/window ended at .* before the deployment could start/);
    expect(recorded.triggers).toHaveLength(0);
    expect(eventTypes(recorded)).toEqual(['deployment_started', 'failed']);
  });

  it('deploys three stages in order through callbacks, gate approvals and a manual confirmation', async () => {
    const input = releaseInput(threeStages());
    const { recorded, result, progress } = await deploy(input, async (rel) => {
      await callback(rel, 'test');
      const afterApproval = await approve(rel, 'staging');
      expect(afterApproval.history.at(-1)).toBeDefined();
      await callback(rel, 'staging');
      await progressWhen(env.client, rel, waitingAt('gate-approval', 'production'), 'production gate');
      await approveGate(env.client, rel, { stage: 'production', approver: 'rm-carol' });
      await progressWhen(env.client, rel, waitingAt('manual-confirmation', 'production'), 'manual step');
      const confirmed = await confirmManualStep(env.client, rel, { stage: 'production', outcome: 'succeeded', by: 'eng-dave', detail: 'helm upgrade done' });
      expect(confirmed.currentStage).toBe('production');
    });
    expect(result).toEqual({
      releaseNumber: input.releaseNumber,
      outcome: 'deployed',
      completedStages: ['test', 'staging', 'production'],
      rolledBackStages: [],
      rollbackFailures: [],
    });
    expect(recorded.log).toEqual([
      'record:deployment_started',
      'record:stage_started:test',
      'trigger:test',
      'verify:test',
      'record:stage_completed:test',
      'record:stage_started:staging',
      'record:gate_approved:staging',
      'trigger:staging',
      'verify:staging',
      'record:stage_completed:staging',
      'record:stage_started:production',
      'record:gate_approved:production',
      'record:stage_completed:production',
      'record:deployed',
    ]);
    const workflowId = `release-deployment:${input.releaseNumber}`;
    expect(recorded.events[0]).toMatchObject({
      type: 'deployment_started',
      eventId: `${workflowId}:deployment_started`,
      releaseId: input.releaseId,
      releaseNumber: input.releaseNumber,
      workflowId,
      stages: ['test', 'staging', 'production'],
      requestedBy: 'rm-alice',
      occurredAt: expect.any(String),
    });
    expect(recorded.events.find((e) => e.type === 'gate_approved')).toMatchObject({ stage: 'staging', approver: 'rm-bob', eventId: `${workflowId}:gate_approved:staging` });
    expect(recorded.events.at(-1)).toMatchObject({ type: 'deployed', stages: ['test', 'staging', 'production'] });
    expect(recorded.triggers[1]).toEqual({
      url: 'http://cd.example.test/deploy/staging',
      release: { releaseId: input.releaseId, releaseNumber: input.releaseNumber, name: 'Payments', version: '2.3.0', changes: input.changes },
      stage: 'staging',
      callback: { url: input.callbackUrl, workflowId, stage: 'staging', deadline: expect.any(String) },
      idempotencyKey: `${workflowId}:deploy:staging`,
    });
    expect(recorded.verifies[0]).toEqual({ url: 'http://test.example.test/healthz', timeoutMs: 600_000, intervalMs: 15_000, releaseNumber: input.releaseNumber, stage: 'test' });
    expect(progress.state).toBe('deployed');
    expect(progress.waitingFor).toBeUndefined();
  });

  it('keeps the gate closed until approved and refuses approvals out of place', async () => {
    const input = releaseInput([webhook('test'), webhook('staging', { gate: { role: 'release_manager', approvers: ['rm-bob'] } })]);
    const { recorded, result } = await deploy(input, async (rel, rec) => {
      // not at the gate yet
      const early = await rejection(approveGate(env.client, rel, { stage: 'staging', approver: 'rm-bob', roles: ['release_manager'] }));
      expect(early).toMatchObject({ code: 'NOT_AWAITING_GATE', httpStatus: 409 });
      await callback(rel, 'test');
      await progressWhen(env.client, rel, waitingAt('gate-approval', 'staging'), 'staging gate');
      await env.sleep(3 * 24 * 3600_000); // no timeout on this gate: it keeps waiting
      expect((await getProgress(env.client, rel)).state).toBe('awaiting-gate');
      expect(rec.triggers.map((t) => t.stage)).toEqual(['test']);

      expect(await rejection(approveGate(env.client, rel, { stage: 'prod', approver: 'rm-bob', roles: ['release_manager'] }))).toMatchObject({ code: 'UNKNOWN_STAGE', httpStatus: 422 });
      expect(await rejection(approveGate(env.client, rel, { stage: 'test', approver: 'rm-bob', roles: ['release_manager'] }))).toMatchObject({ code: 'NOT_AWAITING_GATE' });
      expect(await rejection(approveGate(env.client, rel, { stage: 'staging', approver: 'mallory', roles: ['release_manager'] }))).toMatchObject({ code: 'NOT_AN_APPROVER', httpStatus: 403 });
      expect(await rejection(approveGate(env.client, rel, { stage: 'staging', approver: 'rm-bob', roles: ['agent'] }))).toMatchObject({ code: 'NOT_AN_APPROVER' });
      expect(await rejection(rejectGate(env.client, rel, { stage: 'staging', by: 'rm-bob', roles: ['release_manager'], reason: ' ' }))).toMatchObject({ code: 'INVALID_INPUT', httpStatus: 422 });

      const approved = await approveGate(env.client, rel, { stage: 'staging', approver: 'rm-bob', roles: ['release_manager'], comment: 'go' });
      expect(approved.history.some((h) => h.type === 'gate_approved')).toBe(false); // recorded once the workflow moves on
      expect(await rejection(approveGate(env.client, rel, { stage: 'staging', approver: 'rm-bob', roles: ['release_manager'] }))).toMatchObject({ code: 'NOT_AWAITING_GATE' });
      await callback(rel, 'staging');
    });
    expect(result.outcome).toBe('deployed');
    expect(recorded.events.find((e) => e.type === 'gate_approved')).toMatchObject({ approver: 'rm-bob', comment: 'go' });
  });

  it('fails the stage on a gate rejection without deploying it, and rolls back the completed stages', async () => {
    const input = releaseInput(threeStages());
    const { recorded, result } = await deploy(input, async (rel) => {
      await callback(rel, 'test');
      await progressWhen(env.client, rel, waitingAt('gate-approval', 'staging'), 'staging gate');
      const p = await rejectGate(env.client, rel, { stage: 'staging', by: 'rm-bob', roles: ['release_manager'], reason: 'load test not signed off' });
      expect(p.currentStage).toBe('staging');
    });
    expect(result).toMatchObject({
      outcome: 'failed',
      failedStage: 'staging',
      completedStages: ['test'],
      rolledBackStages: ['test'],
      failure: { code: 'GATE_REJECTED', stage: 'staging', by: 'rm-bob', message: 'gate staging rejected by rm-bob: load test not signed off' },
    });
    expect(recorded.triggers.map((t) => t.stage)).toEqual(['test']);
    expect(recorded.log.slice(-3)).toEqual(['record:failed', 'rollback:test', 'record:rolled_back']);
  });

  it('fails the stage when nobody decides the gate before its timeout', async () => {
    const input = releaseInput([webhook('staging', { gate: { role: 'release_manager', timeout: '4 hours' } })]);
    const { recorded, result } = await deploy(input, async (rel) => {
      const p = await progressWhen(env.client, rel, waitingAt('gate-approval', 'staging'), 'gate');
      expect(p.waitingFor!.description).toMatch(/^approval of gate staging by a release manager until \d{4}-\d\d-\d\dT\d\d:\d\d/);
    });
    expect(result).toMatchObject({ outcome: 'failed', failedStage: 'staging', failure: { code: 'GATE_TIMEOUT' }, rolledBackStages: [] });
    expect(recorded.triggers).toHaveLength(0);
    expect(recorded.rollbacks).toHaveLength(0);
    expect(eventTypes(recorded)).toEqual(['deployment_started', 'stage_started:staging', 'failed']);
  });

  it('fails the stage when the CD callback does not come in time, and rolls that stage back', async () => {
    const input = releaseInput([webhook('test')]);
    const { recorded, result } = await deploy(input);
    expect(result).toMatchObject({ outcome: 'failed', failedStage: 'test', failure: { code: 'CALLBACK_TIMEOUT' }, rolledBackStages: ['test'] });
    expect(recorded.triggers).toHaveLength(1);
    expect(recorded.rollbacks[0]).toMatchObject({ stage: { name: 'test' }, idempotencyKey: `release-deployment:${input.releaseNumber}:rollback:test`, failure: { code: 'CALLBACK_TIMEOUT' } });
  });

  it('rolls back staging then test, in reverse order, when staging fails, and records failed and rolled back', async () => {
    const input = releaseInput(threeStages());
    const { recorded, result, progress } = await deploy(input, async (rel) => {
      await callback(rel, 'test');
      await approve(rel, 'staging');
      await callback(rel, 'staging', 'failed', 'pods crash-looping');
    });
    expect(result).toEqual({
      releaseNumber: input.releaseNumber,
      outcome: 'failed',
      completedStages: ['test'],
      failedStage: 'staging',
      failure: { code: 'DEPLOY_FAILED', stage: 'staging', message: 'the CD system reported a failed deployment of staging: pods crash-looping' },
      rolledBackStages: ['staging', 'test'],
      rollbackFailures: [],
    });
    expect(recorded.log.slice(-4)).toEqual(['record:failed', 'rollback:staging', 'rollback:test', 'record:rolled_back']);
    expect(recorded.events.find((e) => e.type === 'failed')).toMatchObject({
      outcome: 'failed',
      failure: { code: 'DEPLOY_FAILED', stage: 'staging' },
      completedStages: ['test'],
      stagesToRollBack: ['staging', 'test'],
    });
    expect(recorded.events.at(-1)).toMatchObject({ type: 'rolled_back', stages: ['staging', 'test'], failures: [] });
    expect(progress).toMatchObject({ state: 'failed', rolledBackStages: ['staging', 'test'] });
    expect(progress.history.map((h) => h.type).slice(-4)).toEqual(['stage_failed', 'stage_rolled_back', 'stage_rolled_back', 'failed']);
  });

  it('rolls back when the health verification fails', async () => {
    const input = releaseInput([webhook('test', { verify: verify('test') }), webhook('staging', { verify: verify('staging') })]);
    const { recorded, result } = await deploy(
      input,
      async (rel) => {
        await callback(rel, 'test');
        await callback(rel, 'staging');
      },
      {
        verifyHealth: async (i) => (i.stage === 'staging' ? { healthy: false, checks: 40, lastStatus: 503 } : { healthy: true, checks: 1, lastStatus: 200 }),
      },
    );
    expect(result).toMatchObject({ outcome: 'failed', failedStage: 'staging', failure: { code: 'VERIFICATION_FAILED' }, rolledBackStages: ['staging', 'test'] });
    expect(result.failure!.message).toBe('staging (http://staging.example.test/healthz) not healthy after 40 check(s), last status 503');
    expect(recorded.log.filter((l) => l.startsWith('rollback'))).toEqual(['rollback:staging', 'rollback:test']);
  });

  it('does not roll back a stage whose webhook the CD system refused', async () => {
    const input = releaseInput([webhook('test'), webhook('staging')]);
    const { recorded, result } = await deploy(input, (rel) => callback(rel, 'test'), {
      triggerWebhookDeploy: async (i) => {
        if (i.stage === 'staging') throw ApplicationFailure.nonRetryable('CD webhook answered 400: unknown environment', 'WebhookRejected');
        return { status: 202 };
      },
    });
    expect(result).toMatchObject({ outcome: 'failed', failedStage: 'staging', failure: { code: 'DEPLOY_REJECTED' }, rolledBackStages: ['test'] });
    expect(recorded.rollbacks.map((r) => r.stage.name)).toEqual(['test']);
  });

  it('keeps rolling back the other stages when one rollback fails, and reports it', async () => {
    const input = releaseInput([manual('test'), manual('staging')]);
    const { result, recorded } = await deploy(
      input,
      async (rel) => {
        await progressWhen(env.client, rel, waitingAt('manual-confirmation', 'test'), 'test');
        await confirmManualStep(env.client, rel, { stage: 'test', outcome: 'succeeded', by: 'eng-dave' });
        await progressWhen(env.client, rel, waitingAt('manual-confirmation', 'staging'), 'staging');
        await confirmManualStep(env.client, rel, { stage: 'staging', outcome: 'failed', by: 'eng-dave', detail: 'migration failed' });
      },
      {
        rollbackStage: async (i) => {
          if (i.stage.name === 'staging') throw ApplicationFailure.nonRetryable('snapshot missing', 'RollbackImpossible');
        },
      },
    );
    expect(result).toMatchObject({
      outcome: 'failed',
      failure: { code: 'DEPLOY_FAILED', by: 'eng-dave' },
      rolledBackStages: ['test'],
      rollbackFailures: [{ stage: 'staging', message: 'snapshot missing' }],
    });
    expect(recorded.events.at(-1)).toMatchObject({ type: 'rolled_back', stages: ['test'], failures: [{ stage: 'staging' }] });
  });

  it('holds at the next step boundary while paused and continues on resume', async () => {
    const input = releaseInput([webhook('test', { verify: verify('test') }), webhook('staging')]);
    const { recorded, result } = await deploy(input, async (rel, rec) => {
      await progressWhen(env.client, rel, waitingAt('deploy-callback', 'test'), 'callback wait');
      await pauseDeployment(env.client, rel, { by: 'ops-erin', reason: 'incident on the load balancer' });
      const pausedWhileWaiting = await progressWhen(env.client, rel, (p) => p.paused, 'paused flag');
      expect(pausedWhileWaiting.state).toBe('deploying'); // the wait in progress is not interrupted
      await callback(rel, 'test');
      const held = await progressWhen(env.client, rel, (p) => p.state === 'paused', 'held');
      expect(held).toMatchObject({ currentStage: 'test', currentStep: 'deploy', pausedBy: 'ops-erin', waitingFor: { kind: 'resume' } });
      await env.sleep(2 * 3600_000);
      expect((await getProgress(env.client, rel)).state).toBe('paused');
      expect(rec.verifies).toHaveLength(0);
      await resumeDeployment(env.client, rel, { by: 'ops-erin' });
      await callback(rel, 'staging');
    });
    expect(result.outcome).toBe('deployed');
    expect(recorded.log).toEqual([
      'record:deployment_started',
      'record:stage_started:test',
      'trigger:test',
      'verify:test',
      'record:stage_completed:test',
      'record:stage_started:staging',
      'trigger:staging',
      'record:stage_completed:staging',
      'record:deployed',
    ]);
  });

  it('aborts during a gate and rolls back the completed stages', async () => {
    const input = releaseInput(threeStages());
    const { recorded, result } = await deploy(input, async (rel) => {
      await callback(rel, 'test');
      await progressWhen(env.client, rel, waitingAt('gate-approval', 'staging'), 'staging gate');
      await abortDeployment(env.client, rel, { reason: 'customer freeze', by: 'rm-bob' });
    });
    expect(result).toMatchObject({
      outcome: 'aborted',
      failedStage: 'staging',
      completedStages: ['test'],
      failure: { code: 'ABORTED', by: 'rm-bob', message: 'aborted by rm-bob: customer freeze' },
      rolledBackStages: ['test'],
    });
    expect(recorded.triggers.map((t) => t.stage)).toEqual(['test']);
    expect(recorded.events.find((e) => e.type === 'failed')).toMatchObject({ outcome: 'aborted', stagesToRollBack: ['test'] });
    expect(recorded.log.slice(-3)).toEqual(['record:failed', 'rollback:test', 'record:rolled_back']);
    const closed = await rejection(approveGate(env.client, input.releaseNumber, { stage: 'staging', approver: 'rm-bob', roles: ['release_manager'] }));
    expect(closed).toMatchObject({ code: 'DEPLOYMENT_CLOSED', httpStatus: 409 });
  });

  it('aborts while waiting for the window without deploying anything', async () => {
    const now = await env.currentTimeMs();
    const input = releaseInput([webhook('test')], { window: { start: new Date(now + 24 * 3600_000).toISOString() } });
    const { recorded, result } = await deploy(input, async (rel) => {
      await progressWhen(env.client, rel, waitingAt('window'), 'window wait');
      await abortDeployment(env.client, rel, { reason: 'release withdrawn', by: 'rm-bob' });
    });
    expect(result).toMatchObject({ outcome: 'aborted', completedStages: [], rolledBackStages: [], failure: { code: 'ABORTED' } });
    expect(result.failedStage).toBeUndefined();
    expect(eventTypes(recorded)).toEqual(['deployment_started', 'failed']);
  });

  it('reports progress: state, stage, step, what it waits for, completed stages and history', async () => {
    const input = releaseInput(threeStages());
    await deploy(input, async (rel) => {
      await callback(rel, 'test');
      const p = await progressWhen(env.client, rel, waitingAt('gate-approval', 'staging'), 'staging gate');
      expect(p).toMatchObject({
        releaseNumber: rel,
        state: 'awaiting-gate',
        currentStage: 'staging',
        currentStep: 'gate',
        paused: false,
        completedStages: ['test'],
        rolledBackStages: [],
        waitingFor: { kind: 'gate-approval', stage: 'staging', until: expect.any(String) },
      });
      expect(p.waitingFor!.description).toBe(`approval of gate staging by a release manager until ${p.waitingFor!.until!.slice(0, 19).replace(/:00$/, '')}Z`);
      const gateTimeout = Date.parse(p.waitingFor!.until!) - Date.parse(p.history.at(-1)!.at);
      expect(gateTimeout).toBeGreaterThanOrEqual(4 * 3600_000);
      expect(gateTimeout).toBeLessThan(4 * 3600_000 + 60_000);
      expect(p.history.map((h) => [h.type, h.stage])).toEqual([
        ['deployment_started', undefined],
        ['stage_started', 'test'],
        ['deploy_triggered', 'test'],
        ['deploy_callback', 'test'],
        ['verified', 'test'],
        ['stage_completed', 'test'],
        ['stage_started', 'staging'],
      ]);
      expect(p.history.every((h) => typeof h.at === 'string')).toBe(true);
      await sendDeployCallback(env.client, rel, { stage: 'production', outcome: 'succeeded' });
      const ignored = await progressWhen(env.client, rel, (q) => q.history.at(-1)?.type === 'deploy_callback_ignored', 'ignored callback');
      expect(ignored.history.at(-1)).toMatchObject({ stage: 'production', detail: 'succeeded: not awaited' });
      await abortDeployment(env.client, rel, { reason: 'test over', by: 'rm-bob' });
    });
  });

  it('holds a deployment paused during the window wait until it is resumed', async () => {
    const now = await env.currentTimeMs();
    const input = releaseInput([manual('test')], { window: { start: new Date(now + 3600_000).toISOString() } });
    const { recorded, result } = await deploy(input, async (rel, rec) => {
      await progressWhen(env.client, rel, waitingAt('window'), 'window wait');
      await pauseDeployment(env.client, rel, { by: 'ops-erin' });
      await progressWhen(env.client, rel, (p) => p.paused, 'paused flag');
      await env.sleep(2 * 3600_000);
      const held = await progressWhen(env.client, rel, (p) => p.state === 'paused', 'held after the window opened');
      expect(held.waitingFor).toMatchObject({ kind: 'resume', description: 'resume by an operator (paused by ops-erin)' });
      expect(rec.log).toEqual(['record:deployment_started']);
      await resumeDeployment(env.client, rel, { by: 'ops-erin' });
      await progressWhen(env.client, rel, waitingAt('manual-confirmation', 'test'), 'manual step');
      await confirmManualStep(env.client, rel, { stage: 'test', outcome: 'succeeded', by: 'eng-dave' });
    });
    expect(result.outcome).toBe('deployed');
    expect(eventTypes(recorded)).toEqual(['deployment_started', 'stage_started:test', 'stage_completed:test', 'deployed']);
  });

  it('fails a manual step that is not confirmed in time and rolls that stage back', async () => {
    const input = releaseInput([manual('test')]);
    const { recorded, result, progress } = await deploy(input);
    expect(result).toMatchObject({ outcome: 'failed', failedStage: 'test', failure: { code: 'MANUAL_TIMEOUT' }, rolledBackStages: ['test'] });
    expect(recorded.rollbacks.map((r) => r.stage.name)).toEqual(['test']);
    expect(progress).toMatchObject({ state: 'failed', failure: { code: 'MANUAL_TIMEOUT' } });
  });

  it('refuses commands for a release that has no deployment, and refuses an invalid start', async () => {
    await expect(pauseDeployment(env.client, 'REL-NOPE-1', { by: 'ops-erin' })).rejects.toBeInstanceOf(DeploymentNotFoundError);
    await expect(approveGate(env.client, 'REL-NOPE-1', { stage: 'test', approver: 'rm-bob' })).rejects.toMatchObject({ httpStatus: 404 });
    const invalid = releaseInput([webhook('test', { deploy: { kind: 'webhook', url: 'ftp://cd', callbackTimeout: 'soon' } })]);
    const err = await startReleaseDeployment(env.client, invalid).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidDeploymentInputError);
    expect((err as InvalidDeploymentInputError).issues).toEqual([
      { path: 'stages.0.deploy.url', message: 'must be an http(s) URL' },
      { path: 'stages.0.deploy.callbackTimeout', message: 'must be a positive duration' },
    ]);
  });

  it('treats a second start of the same release as already started', async () => {
    const input = releaseInput([manual('test', { deploy: { kind: 'manual' } })]);
    const { activities } = mockActivities();
    const taskQueue = `release-test-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
    await worker.runUntil(async () => {
      const first = await startReleaseDeployment(env.client, input, { taskQueue });
      expect(first).toMatchObject({ alreadyStarted: false, workflowId: `release-deployment:${input.releaseNumber}`, runId: expect.any(String) });
      const again = await startReleaseDeployment(env.client, input, { taskQueue });
      expect(again).toEqual({ alreadyStarted: true, workflowId: first.workflowId });
      await progressWhen(env.client, input.releaseNumber, waitingAt('manual-confirmation', 'test'), 'manual step');
      await confirmManualStep(env.client, input.releaseNumber, { stage: 'test', outcome: 'succeeded', by: 'eng-dave' });
      await getDeploymentResult(env.client, input.releaseNumber);
      const afterEnd = await startReleaseDeployment(env.client, input, { taskQueue });
      expect(afterEnd.alreadyStarted).toBe(true);
    });
  });
});
