/**
 * Replays the stored histories against the current workflow code: a change
 * that would break running deployments (a non-determinism) fails here, and
 * must go behind `patched()`.
 *
 * `RECORD_HISTORIES=1 npx jest workflows/release-deployment/test/replay`
 * records the histories again (on the time-skipping server) before replaying.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { testEnv } from '@itsm/testing';
import {
  approveGate,
  getDeploymentResult,
  pauseDeployment,
  resumeDeployment,
  sendDeployCallback,
  startReleaseDeployment,
} from '../src/client';
import { workflowIdFor } from '../src/definitions';
import { mockActivities, progressWhen, registerSearchAttributes, releaseInput, threeStages, waitingAt, workflowsSrc } from './helpers';

const dir = path.join(__dirname, 'histories');

/**
 * Histories are stored as protobufjs objects (`History.toObject`, int64 as
 * strings, bytes as base64) and read back with `History.fromObject`.
 */
const History = temporal.api.history.v1.History;

/** Three stages; pause and resume on test; staging approved, then its deploy fails and both stages roll back. */
async function recordStagingFailure(): Promise<void> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testEnv.temporalTestServerPath } } });
  try {
    await registerSearchAttributes(env.connection);
    const taskQueue = `release-record-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: workflowsSrc, activities: mockActivities().activities });
    const input = releaseInput(threeStages(), { releaseNumber: 'REL0000042' });
    const rel = input.releaseNumber;
    await worker.runUntil(async () => {
      await startReleaseDeployment(env.client, input, { taskQueue });
      await progressWhen(env.client, rel, waitingAt('deploy-callback', 'test'), 'test callback wait');
      await progressWhen(env.client, rel, (p) => p.waitingFor?.until !== undefined, 'test webhook accepted');
      await pauseDeployment(env.client, rel, { by: 'ops-erin', reason: 'recording' });
      await sendDeployCallback(env.client, rel, { stage: 'test', outcome: 'succeeded' });
      await progressWhen(env.client, rel, (p) => p.state === 'paused', 'held');
      await resumeDeployment(env.client, rel, { by: 'ops-erin' });
      await progressWhen(env.client, rel, waitingAt('gate-approval', 'staging'), 'staging gate');
      await approveGate(env.client, rel, { stage: 'staging', approver: 'rm-bob', roles: ['release_manager'] });
      await progressWhen(env.client, rel, (p) => p.waitingFor?.kind === 'deploy-callback' && p.waitingFor.until !== undefined, 'staging callback wait');
      await sendDeployCallback(env.client, rel, { stage: 'staging', outcome: 'failed', detail: 'pods crash-looping' });
      await getDeploymentResult(env.client, rel);
    });
    const history = await env.client.workflow.getHandle(workflowIdFor(rel)).fetchHistory();
    const json = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
    writeFileSync(path.join(dir, 'staging-failure-rollback.json'), `${JSON.stringify(json, null, 1)}\n`);
  } finally {
    await env.teardown();
  }
}

describe('release deployment replay', () => {
  beforeAll(async () => {
    if (process.env.RECORD_HISTORIES === '1') await recordStagingFailure();
  }, 120_000);

  it('replays every stored history without non-determinism', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const { code } = await bundleWorkflowCode({ workflowsPath: workflowsSrc, logger: new DefaultLogger('WARN') });
    for (const file of files) {
      const history = History.fromObject(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: { code }, replayName: file }, history);
    }
  });
});
