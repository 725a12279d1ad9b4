/**
 * Replays stored histories of the RfC approval workflow against the current
 * code, so a change that breaks running workflows (one that needs
 * `patched()`) fails here. Each test/histories/*.json is one recorded run.
 *
 * To record the reference history again (after a deliberate, patched change):
 *   RECORD_HISTORIES=1 npx jest workflows/rfc-approval/test/replay
 *
 * Files hold the history as protobufjs JSON (`JSON.stringify(await
 * handle.fetchHistory())`: enums by name, int64 as strings, bytes as base64)
 * and load with `History.fromObject`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { testEnv, waitFor } from '@itsm/testing';
import { quietRuntime, registerSearchAttributes } from '@itsm/testing/temporal';
import { statusQuery } from '../src/definitions';
import { castVote, reviseRfc, startRfcApproval } from '../src/client';
import { workflowsPath } from '../src/index';
import { mockActivities, rfcInput } from './helpers';

const HISTORIES = path.join(__dirname, 'histories');
const REFERENCE = path.join(HISTORIES, 'revise-remind-escalate-approve.json');

let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  quietRuntime();
  bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  if (process.env.RECORD_HISTORIES === '1' || !fs.existsSync(REFERENCE)) await recordReference();
}, 180_000);

/** One run through most branches: a vote, a revision, reminders, the escalation and the approval. */
async function recordReference(): Promise<void> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testEnv.temporalTestServerPath } },
  });
  try {
    await registerSearchAttributes(env.connection);
    const mock = mockActivities('medium');
    const input = rfcInput({ rfcNumber: 'CHG0000042', rfcId: 'rfc-42' });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'rfc-approval-record',
      workflowBundle: bundle,
      activities: mock.activities,
    });
    await worker.runUntil(async () => {
      const handle = await startRfcApproval(env.client, input, { taskQueue: 'rfc-approval-record' });
      const atRevision = (revision: number) =>
        waitFor(async () => {
          const s = await handle.query(statusQuery);
          return s.phase === 'awaiting-votes' && s.current?.revision === revision;
        });
      await atRevision(1);
      await castVote(env.client, input.rfcNumber, { voter: 'alice', decision: 'approve', revision: 1 });
      await reviseRfc(env.client, { ...input, revision: 2 }, { taskQueue: 'rfc-approval-record', reason: 'window moved' });
      await atRevision(2);
      await castVote(env.client, input.rfcNumber, { voter: 'alice', decision: 'approve', revision: 2 });
      await env.sleep('6 days');
      await waitFor(() => mock.of('escalate').length === 1 && mock.of('remindApprovers').length === 5);
      await castVote(env.client, input.rfcNumber, { voter: 'bob', decision: 'approve', revision: 2 });
      await castVote(env.client, input.rfcNumber, { voter: 'carol', decision: 'approve', comment: 'fine', revision: 2 });
      await handle.result();
      const history = await handle.fetchHistory();
      fs.mkdirSync(HISTORIES, { recursive: true });
      fs.writeFileSync(REFERENCE, JSON.stringify(history, null, 2) + '\n');
    });
  } finally {
    await env.teardown();
  }
}

const files = () => fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

it('has at least one stored history', () => {
  expect(files().length).toBeGreaterThan(0);
});

it('replays every stored history without nondeterminism', async () => {
  for (const file of files()) {
    const history = temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')));
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, history, `rfc-approval:${file}`),
    ).resolves.toBeUndefined();
  }
}, 60_000);
