/**
 * What operators see in the Temporal UI: search attributes, the static
 * summary and details, the current details. Runs against the real dev server
 * (infra/local), since that is where the UI reads them; a unique task queue
 * keeps it apart from other suites.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { abortDeployment, getDeploymentResult, getProgress, startReleaseDeployment } from '../src/client';
import { searchAttributes, workflowIdFor } from '../src/definitions';
import { manual, mockActivities, progressWhen, releaseInput, waitingAt, webhook, workflowsSrc } from './helpers';

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';

let connection: Connection;
let nativeConnection: NativeConnection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `release-visibility-${randomUUID()}`;
/** Workflows this suite started: terminated at the end if a failed test left them running. */
const started: string[] = [];

beforeAll(async () => {
  connection = await Connection.connect({ address });
  nativeConnection = await NativeConnection.connect({ address });
  client = new Client({ connection, namespace });
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsSrc, logger: new DefaultLogger('WARN') });
  worker = await Worker.create({ connection: nativeConnection, namespace, taskQueue, workflowBundle: { code }, activities: mockActivities().activities });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  for (const rel of started) {
    await client.workflow
      .getHandle(workflowIdFor(rel))
      .terminate('visibility test cleanup')
      .catch(() => undefined);
  }
  worker?.shutdown();
  await running;
  await nativeConnection?.close();
  await connection?.close();
});

async function describe_(handle: WorkflowHandle) {
  const d = await handle.describe();
  const sa = d.typedSearchAttributes;
  return {
    recordId: sa.get(searchAttributes.recordId),
    recordType: sa.get(searchAttributes.recordType),
    state: sa.get(searchAttributes.state),
    stage: sa.get(searchAttributes.stage),
    waitingFor: sa.get(searchAttributes.waitingFor),
    dueAt: sa.get(searchAttributes.dueAt),
    summary: await d.staticSummary(),
    details: await d.staticDetails(),
  };
}

const currentDetails = async (handle: WorkflowHandle): Promise<string | undefined> =>
  (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails;

describe('operator visibility', () => {
  it('uses the search attribute names and types registered for the platform', () => {
    const file = path.resolve(__dirname, '../../../infra/temporal/search-attributes.json');
    if (!existsSync(file)) return;
    const registered = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    for (const key of Object.values(searchAttributes)) {
      expect(registered[key.name]?.toUpperCase()).toBe(key.type);
    }
  });

  it('shows the release, what the deployment waits for and until when, and a summary', async () => {
    const opens = Date.now() + 3 * 3600_000;
    const input = releaseInput([webhook('test'), manual('production', { gate: { role: 'release_manager', timeout: '2 hours' } })], {
      window: { start: new Date(opens).toISOString() },
    });
    const rel = input.releaseNumber;
    started.push(rel);
    await startReleaseDeployment(client, input, { taskQueue });
    const handle = client.workflow.getHandle(workflowIdFor(rel));
    await progressWhen(client, rel, waitingAt('window'), 'window wait');

    const waiting = await describe_(handle);
    expect(waiting).toMatchObject({
      recordId: rel,
      recordType: 'release',
      state: 'waiting-window',
      stage: undefined,
      waitingFor: expect.stringMatching(/^deployment window opening \d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?Z$/),
      summary: `Deploy ${rel} Payments 2.3.0 (test → production)`,
    });
    expect(waiting.dueAt?.getTime()).toBe(opens);
    expect(waiting.details).toContain('Changes: CHG0000101, CHG0000102');
    expect(waiting.details).toContain('2. **production**: gate (release_manager, 2 hours) → manual deploy (within 2 hours)');
    const details = await currentDetails(handle);
    expect(details).toContain(`**${rel}** Payments 2.3.0: **waiting-window**`);
    expect(details).toContain('Waiting for: deployment window opening');

    await abortDeployment(client, rel, { reason: 'visibility test over', by: 'ops-erin' });
    const result = await getDeploymentResult(client, rel);
    expect(result.outcome).toBe('aborted');
    const ended = await describe_(handle);
    expect(ended).toMatchObject({ state: 'aborted', waitingFor: undefined, dueAt: undefined });
  });

  it('shows the stage and the gate it waits at, with the gate deadline', async () => {
    const input = releaseInput([manual('staging', { gate: { role: 'release_manager', timeout: '4 hours' } })]);
    const rel = input.releaseNumber;
    started.push(rel);
    await startReleaseDeployment(client, input, { taskQueue });
    const handle = client.workflow.getHandle(workflowIdFor(rel));
    const progress = await progressWhen(client, rel, waitingAt('gate-approval', 'staging'), 'gate');

    const atGate = await describe_(handle);
    expect(atGate).toMatchObject({
      recordId: rel,
      state: 'awaiting-gate',
      stage: 'staging',
      waitingFor: progress.waitingFor!.description,
    });
    expect(atGate.waitingFor).toMatch(/^approval of gate staging by a release manager until \d{4}-/);
    expect(atGate.dueAt?.toISOString()).toBe(progress.waitingFor!.until);
    const details = await currentDetails(handle);
    expect(details).toContain('Stage: staging (1 of 1), step: gate');
    expect(details).toContain('Waiting for: approval of gate staging by a release manager');

    await abortDeployment(client, rel, { reason: 'visibility test over', by: 'ops-erin' });
    await getDeploymentResult(client, rel);
    expect((await getProgress(client, rel)).state).toBe('aborted');
  });
});
