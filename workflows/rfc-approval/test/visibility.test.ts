/**
 * What operators see in the Temporal UI, checked on the real dev server
 * (TEMPORAL_ADDRESS, default 127.0.0.1:7233, which registers the platform's
 * search attributes): search attributes, static summary and details, and the
 * current details that follow the tally.
 */
import { Client, Connection } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { waitFor } from '@itsm/testing';
import { quietRuntime } from '@itsm/testing/temporal';
import type { ApprovalStatusView } from '../src/definitions';
import { searchAttributes as sa, statusQuery } from '../src/definitions';
import type { RfcApprovalHandle } from '../src/client';
import { castVote, startRfcApproval } from '../src/client';
import { shortTime } from '../src/workflows/approval-state';
import { workflowsPath } from '../src/index';
import { cab, mockActivities, rfcInput } from './helpers';

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';

let connection: Connection;
let nativeConnection: NativeConnection;
let client: Client;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  quietRuntime();
  connection = await Connection.connect({ address });
  nativeConnection = await NativeConnection.connect({ address });
  client = new Client({ connection, namespace });
  bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await nativeConnection?.close();
});

async function currentDetails(handle: RfcApprovalHandle): Promise<string | undefined> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? undefined;
}

async function attributes(handle: RfcApprovalHandle) {
  const { typedSearchAttributes: t } = await handle.describe();
  return {
    recordId: t.get(sa.recordId),
    recordType: t.get(sa.recordType),
    changeType: t.get(sa.changeType),
    risk: t.get(sa.risk),
    state: t.get(sa.state),
    waitingFor: t.get(sa.waitingFor),
    dueAt: t.get(sa.dueAt)?.toISOString(),
  };
}

it('shows the RfC, type, risk, state, whom it waits for and until when, and follows the tally', async () => {
  const mock = mockActivities('medium');
  const input = rfcInput({ title: 'Replace   the\ncore switch', cab: cab(['alice', 'bob', 'carol'], { mode: 'MAJORITY' }) });
  const taskQueue = `rfc-approval-visibility-${process.pid}-${Date.now()}`;
  const worker = await Worker.create({ connection: nativeConnection, namespace, taskQueue, workflowBundle: bundle, activities: mock.activities });
  await worker.runUntil(async () => {
    const handle = await startRfcApproval(client, input, { taskQueue });
    const open = await waitFor(async () => {
      const s: ApprovalStatusView = await handle.query(statusQuery);
      return s.phase === 'awaiting-votes' ? s : undefined;
    });
    const until = shortTime(open.deadline!);

    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`${input.rfcNumber} · normal change · revision 1 · Replace the core switch`);
    const details = await description.staticDetails();
    expect(details).toContain('CAB (medium/high risk): alice, bob, carol; policy MAJORITY');
    expect(details).toContain('Voting period: 5 days');

    expect(await attributes(handle)).toEqual({
      recordId: input.rfcNumber,
      recordType: 'change',
      changeType: 'normal',
      risk: 'medium',
      state: 'awaiting-votes',
      waitingFor: `votes from alice, bob, carol until ${until}`,
      dueAt: open.deadline,
    });
    expect(await currentDetails(handle)).toBe(
      [
        `**${input.rfcNumber}** revision 1 · awaiting-votes`,
        'Risk: medium (impact medium)',
        'Round 1 · CAB · policy MAJORITY · 0 approve, 0 reject of 3 → waiting',
        `Waiting for votes from alice, bob, carol until ${until}`,
      ].join('\n'),
    );

    await castVote(client, input.rfcNumber, { voter: 'bob', decision: 'reject', revision: 1 });
    expect((await attributes(handle)).waitingFor).toBe(`votes from alice, carol until ${until}`);
    expect(await currentDetails(handle)).toContain('Round 1 · CAB · policy MAJORITY · 0 approve, 1 reject of 3 → waiting');

    await castVote(client, input.rfcNumber, { voter: 'carol', decision: 'reject', revision: 1 });
    expect(await handle.result()).toMatchObject({ outcome: 'rejected' });
    const final = await attributes(handle);
    expect(final).toMatchObject({ state: 'rejected', risk: 'medium', recordId: input.rfcNumber });
    expect(final.waitingFor).toBeUndefined();
    expect(final.dueAt).toBeUndefined();
    expect(await currentDetails(handle)).toMatch(/Decision: rejected \(votes\)/);
  });
}, 60_000);
