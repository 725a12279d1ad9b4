import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { testEnv, waitFor } from '@itsm/testing';
import { quietRuntime, registerSearchAttributes } from '@itsm/testing/temporal';
import type { RfcApprovalActivities } from '../src/activities';
import type { ApprovalStatusView, RfcApprovalInput, VoteInput } from '../src/definitions';
import { statusQuery, workflowIdFor } from '../src/definitions';
import type { RfcApprovalHandle } from '../src/client';
import {
  approvalHandle,
  cancelRfcApproval,
  castVote,
  getApprovalStatus,
  reviseRfc,
  RfcApprovalError,
  startRfcApproval,
} from '../src/client';
import { workflowsPath } from '../src/index';
import { cab, mockActivities, rfcInput } from './helpers';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let queue = 0;

beforeAll(async () => {
  quietRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testEnv.temporalTestServerPath } },
  });
  await registerSearchAttributes(env.connection);
  bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}, 180_000);

afterAll(async () => {
  await env?.teardown();
});

/** Runs `fn` with a worker on a fresh task queue serving `activities`. */
async function withWorker<T>(activities: RfcApprovalActivities, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  queue += 1;
  const taskQueue = `rfc-approval-test-${process.pid}-${queue}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  return worker.runUntil(fn(taskQueue));
}

async function start(input: RfcApprovalInput, taskQueue: string): Promise<RfcApprovalHandle> {
  return startRfcApproval(env.client, input, { taskQueue });
}

async function status(handle: RfcApprovalHandle): Promise<ApprovalStatusView> {
  return handle.query(statusQuery);
}

/** Waits until the workflow takes votes in a round of `revision`. */
async function votingOpen(handle: RfcApprovalHandle, revision = 1): Promise<ApprovalStatusView> {
  return waitFor(async () => {
    const s = await status(handle);
    return s.phase === 'awaiting-votes' && s.current?.revision === revision ? s : undefined;
  });
}

const vote = (voter: string, decision: VoteInput['decision'], revision = 1): VoteInput => ({ voter, decision, revision });

async function refusal(p: Promise<unknown>): Promise<RfcApprovalError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RfcApprovalError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('rfcApprovalWorkflow', () => {
  it('approves a standard change at once, without a voting round', async () => {
    const mock = mockActivities('low');
    const result = await withWorker(mock.activities, async (tq) => {
      const handle = await start(rfcInput({ changeType: 'standard' }), tq);
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'approved', reason: 'pre-approved', route: 'pre-approved', revision: 1, rounds: [] });
    expect(mock.calls.map((c) => c.name)).toEqual(['assessRisk', 'recordDecision']);
    expect(mock.of('recordDecision')[0]).toMatchObject({ outcome: 'approved', reason: 'pre-approved', revision: 1 });
    expect(mock.of('recordDecision')[0].round).toBeUndefined();
  });

  it('routes a low-risk normal change to the change manager, who approves it', async () => {
    const mock = mockActivities('low');
    const input = rfcInput();
    const result = await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      const open = await votingOpen(handle);
      expect(open).toMatchObject({ route: 'change-manager', waitingFor: ['cm-maria'] });
      expect(await refusal(castVote(env.client, input.rfcNumber, vote('alice', 'approve')))).toMatchObject({ code: 'NOT_AN_APPROVER', status: 403 });
      const tally = await castVote(env.client, input.rfcNumber, vote('cm-maria', 'approve'));
      expect(tally).toMatchObject({ round: 1, revision: 1, status: 'approved', approvals: 1, approvers: 1 });
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'approved', reason: 'votes', route: 'change-manager', round: 1 });
    expect(mock.of('requestApproval')[0]).toMatchObject({ round: 1, approvers: ['cm-maria'], policy: { mode: 'ANY' }, route: 'change-manager' });
    expect(mock.calls.map((c) => c.name)).toEqual(['assessRisk', 'requestApproval', 'recordVote', 'recordDecision']);
  });

  it('rejects at once when one CAB member rejects under policy ALL (C12 A)', async () => {
    const mock = mockActivities('high');
    const input = rfcInput({ cab: cab(['alice', 'bob', 'carol', 'dave']) });
    const result = await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      await votingOpen(handle);
      const tally = await castVote(env.client, input.rfcNumber, vote('bob', 'reject'));
      expect(tally).toMatchObject({ status: 'rejected', rejections: 1, awaiting: ['alice', 'carol', 'dave'] });
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'rejected', reason: 'votes', route: 'cab', round: 1 });
    expect(mock.of('recordDecision')).toEqual([expect.objectContaining({ outcome: 'rejected', revision: 1, round: 1 })]);
  });

  it('approves by majority once more than half approve, and answers each vote with the tally', async () => {
    const mock = mockActivities('medium');
    const input = rfcInput({ cab: cab(['alice', 'bob', 'carol', 'dave'], { mode: 'MAJORITY' }) });
    const result = await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      await votingOpen(handle);
      expect(await castVote(env.client, input.rfcNumber, vote('alice', 'approve'))).toMatchObject({ status: 'waiting', approvals: 1 });
      expect(await castVote(env.client, input.rfcNumber, vote('bob', 'reject'))).toMatchObject({ status: 'waiting', rejections: 1 });
      expect(await castVote(env.client, input.rfcNumber, vote('carol', 'approve'))).toMatchObject({ status: 'waiting', approvals: 2 });
      expect(await castVote(env.client, input.rfcNumber, vote('dave', 'approve'))).toMatchObject({ status: 'approved', approvals: 3 });
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'approved', reason: 'votes' });
    expect(mock.of('recordVote').map((v) => [v.vote.voter, v.tally.status])).toEqual([
      ['alice', 'waiting'],
      ['bob', 'waiting'],
      ['carol', 'waiting'],
      ['dave', 'approved'],
    ]);
  });

  it('opens a new round for each revision; only the latest revision can end approved (C12 F)', async () => {
    // Rounds of one approver each (ALL): X approves revision 1, the RfC is revised; Y rejects
    // revision 2, the RfC is revised; Z approves revision 3.
    const mock = mockActivities('medium');
    const byRevision: Record<number, string> = { 1: 'x', 2: 'y', 3: 'z' };
    const input = rfcInput({ cab: cab(['x']) });
    const results = await withWorker(mock.activities, async (tq) => {
      const first = await start(input, tq);
      await votingOpen(first, 1);
      expect(await castVote(env.client, input.rfcNumber, vote(byRevision[1], 'approve', 1))).toMatchObject({ status: 'approved' });
      const r1 = await first.result();

      const rev2 = { ...input, revision: 2, cab: cab(['y']) }; // rounds numbered on from the decided run
      const second = await reviseRfc(env.client, rev2, { taskQueue: tq, reason: 'backout plan changed' });
      expect((await votingOpen(second, 2)).status).toBe('waiting');
      expect(await castVote(env.client, input.rfcNumber, vote('y', 'reject', 2))).toMatchObject({ status: 'rejected', round: 2 });
      const r2 = await second.result();

      const rev3 = { ...input, revision: 3, cab: cab(['z']) };
      const third = await reviseRfc(env.client, rev3, { taskQueue: tq });
      expect((await votingOpen(third, 3)).status).toBe('waiting');
      expect(await castVote(env.client, input.rfcNumber, vote('z', 'approve', 3))).toMatchObject({ status: 'approved', round: 3 });
      const r3 = await third.result();
      // repeating a decided revision is a no-op
      await reviseRfc(env.client, rev3, { taskQueue: tq });
      return [r1, r2, r3];
    });
    expect(results.map((r) => [r.outcome, r.revision, r.round])).toEqual([
      ['approved', 1, 1],
      ['rejected', 2, 2],
      ['approved', 3, 3],
    ]);
    expect(mock.of('recordDecision').map((d) => [d.outcome, d.revision, d.round])).toEqual([
      ['approved', 1, 1],
      ['rejected', 2, 2],
      ['approved', 3, 3],
    ]);
  });

  it('revises a running approval: votes of the old revision stay in its round, the new round starts empty', async () => {
    const mock = mockActivities((revision) => (revision === 1 ? 'medium' : 'high'));
    const input = rfcInput();
    const result = await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      await votingOpen(handle, 1);
      await castVote(env.client, input.rfcNumber, vote('alice', 'approve', 1));
      await castVote(env.client, input.rfcNumber, vote('bob', 'approve', 1));
      const revised = { ...input, revision: 2, riskInputs: { ...input.riskInputs, impact: 'high' as const }, cab: cab(['alice', 'bob', 'carol', 'dave']) };
      await reviseRfc(env.client, revised, { taskQueue: tq });
      const s = await votingOpen(handle, 2);
      expect(s).toMatchObject({ revision: 2, status: 'waiting', waitingFor: ['alice', 'bob', 'carol', 'dave'], risk: { risk: 'high' } });
      expect(s.rounds.map((r) => [r.round, r.revision, r.closed, r.votes.length])).toEqual([
        [1, 1, 'superseded', 2],
        [2, 2, undefined, 0],
      ]);
      expect(await refusal(castVote(env.client, input.rfcNumber, vote('carol', 'approve', 1)))).toMatchObject({ code: 'STALE_REVISION', status: 409 });
      for (const voter of ['alice', 'bob', 'carol', 'dave']) await castVote(env.client, input.rfcNumber, vote(voter, 'approve', 2));
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'approved', revision: 2, round: 2 });
    expect(mock.of('assessRisk').map((a) => [a.revision, a.riskInputs.impact])).toEqual([
      [1, 'medium'],
      [2, 'high'],
    ]);
    expect(mock.of('recordDecision')).toHaveLength(1);
  });

  it('opens a new round when a revision arrives while the decision is being recorded', async () => {
    const mock = mockActivities('medium');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let recording = 0;
    const activities: RfcApprovalActivities = {
      ...mock.activities,
      async recordDecision(input) {
        recording += 1;
        if (recording === 1) await gate;
        return mock.activities.recordDecision(input);
      },
    };
    const input = rfcInput({ cab: cab(['alice']) });
    const result = await withWorker(activities, async (tq) => {
      const handle = await start(input, tq);
      await votingOpen(handle, 1);
      await castVote(env.client, input.rfcNumber, vote('alice', 'approve', 1));
      await waitFor(() => recording === 1);
      await reviseRfc(env.client, { ...input, revision: 2 }, { taskQueue: tq });
      release();
      await votingOpen(handle, 2);
      await castVote(env.client, input.rfcNumber, vote('alice', 'approve', 2));
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'approved', revision: 2, round: 2 });
    expect(mock.of('recordDecision').map((d) => [d.outcome, d.revision])).toEqual([
      ['approved', 1],
      ['approved', 2],
    ]);
  });

  it('refuses votes from non-members, repeated votes, stale revisions and votes after the decision', async () => {
    const mock = mockActivities('medium');
    const input = rfcInput({ cab: cab(['alice', 'bob'], { mode: 'ALL' }) });
    await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      await votingOpen(handle);
      expect(await refusal(castVote(env.client, input.rfcNumber, vote('mallory', 'approve')))).toMatchObject({ code: 'NOT_AN_APPROVER', status: 403 });
      await castVote(env.client, input.rfcNumber, vote('alice', 'approve'));
      expect(await refusal(castVote(env.client, input.rfcNumber, vote('alice', 'reject')))).toMatchObject({ code: 'ALREADY_VOTED', status: 409 });
      expect(await refusal(castVote(env.client, input.rfcNumber, vote('bob', 'approve', 7)))).toMatchObject({ code: 'STALE_REVISION', status: 409 });
      expect(await refusal(castVote(env.client, input.rfcNumber, { voter: 'bob', decision: 'perhaps', revision: 1 } as unknown as VoteInput))).toMatchObject({ code: 'INVALID_VOTE', status: 422 });
      await castVote(env.client, input.rfcNumber, vote('bob', 'reject'));
      await handle.result();
      expect(await refusal(castVote(env.client, input.rfcNumber, vote('bob', 'approve')))).toMatchObject({ code: 'VOTING_CLOSED', status: 409 });
    });
    expect(mock.of('recordVote').map((v) => v.vote.voter)).toEqual(['alice', 'bob']);
    expect(await refusal(castVote(env.client, 'CHG-NO-SUCH', vote('bob', 'approve')))).toMatchObject({ code: 'APPROVAL_NOT_FOUND', status: 404 });
  });

  it('reminds only the approvers who have not voted, at each reminder interval', async () => {
    const mock = mockActivities('medium');
    const input = rfcInput();
    await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      await votingOpen(handle);
      await castVote(env.client, input.rfcNumber, vote('alice', 'approve'));
      await env.sleep('1 day');
      await waitFor(() => mock.of('remindApprovers').length === 1);
      await castVote(env.client, input.rfcNumber, vote('bob', 'approve'));
      await env.sleep('1 day');
      await waitFor(() => mock.of('remindApprovers').length === 2);
      await castVote(env.client, input.rfcNumber, vote('carol', 'approve'));
      await handle.result();
    });
    expect(mock.of('remindApprovers').map((r) => [r.reminder, r.approvers])).toEqual([
      [1, ['bob', 'carol']],
      [2, ['carol']],
    ]);
    expect(mock.of('escalate')).toHaveLength(0);
  });

  it('escalates to the change manager exactly once when the deadline passes, then keeps waiting', async () => {
    const mock = mockActivities('medium');
    const input = rfcInput();
    await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      const open = await votingOpen(handle);
      await castVote(env.client, input.rfcNumber, vote('alice', 'approve'));
      await env.sleep('5 days');
      await waitFor(() => mock.of('escalate').length === 1);
      await env.sleep('3 days');
      await waitFor(() => mock.of('remindApprovers').length >= 7);
      const s = await status(handle);
      expect(s).toMatchObject({ phase: 'escalated', status: 'waiting', waitingFor: ['bob', 'carol'], deadline: open.deadline });
      expect(s.current?.escalatedAt).toEqual(expect.any(String));
      await castVote(env.client, input.rfcNumber, vote('bob', 'approve'));
      await castVote(env.client, input.rfcNumber, vote('carol', 'approve'));
      expect(await handle.result()).toMatchObject({ outcome: 'approved', reason: 'votes' });
    });
    expect(mock.of('escalate')).toEqual([
      expect.objectContaining({ round: 1, changeManagers: ['cm-maria'], awaiting: ['bob', 'carol'], tally: expect.objectContaining({ approvals: 1 }) }),
    ]);
    // reminders on days 1-4, none on day 5 (the escalation), then days 6-8
    expect(mock.of('remindApprovers').map((r) => r.reminder)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('rejects on the deadline after escalating when so configured', async () => {
    const mock = mockActivities('high');
    const input = rfcInput({ changeType: 'emergency', onDeadline: 'escalate-and-reject' });
    const result = await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      const open = await votingOpen(handle);
      expect(open).toMatchObject({ route: 'ecab', waitingFor: ['erin', 'frank'] });
      expect(Date.parse(open.deadline!) - Date.parse(open.current!.openedAt)).toBe(4 * 3600_000);
      await env.sleep('4 hours');
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'rejected', reason: 'deadline', route: 'ecab' });
    expect(mock.of('escalate')).toHaveLength(1);
    expect(mock.of('remindApprovers').map((r) => r.reminder)).toEqual([1, 2, 3]);
    expect(mock.of('recordDecision')).toEqual([expect.objectContaining({ outcome: 'rejected', reason: 'deadline' })]);
  });

  it('ends when cancelled, without recording a decision', async () => {
    const mock = mockActivities('medium');
    const input = rfcInput();
    const result = await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      await votingOpen(handle);
      await cancelRfcApproval(env.client, input.rfcNumber, { reason: 'withdrawn by requester', by: 'req-rita' });
      const r = await handle.result();
      await cancelRfcApproval(env.client, input.rfcNumber); // harmless afterwards
      return r;
    });
    expect(result).toMatchObject({ outcome: 'cancelled', reason: 'cancelled', rounds: [expect.objectContaining({ closed: 'cancelled' })] });
    expect(mock.of('recordDecision')).toHaveLength(0);
  });

  it('shows the tally, the votes, who is awaited and the deadline in the status query', async () => {
    const mock = mockActivities('medium');
    const input = rfcInput({ cab: cab(['alice', 'bob', 'carol'], { mode: 'PERCENT', percent: 60 }) });
    await withWorker(mock.activities, async (tq) => {
      const handle = await start(input, tq);
      await votingOpen(handle);
      await castVote(env.client, input.rfcNumber, { ...vote('bob', 'approve'), comment: 'tested in staging' });
      const s = await getApprovalStatus(env.client, input.rfcNumber);
      expect(s).toMatchObject({
        rfcNumber: input.rfcNumber,
        revision: 1,
        phase: 'awaiting-votes',
        route: 'cab',
        risk: { risk: 'medium' },
        status: 'waiting',
        waitingFor: ['alice', 'carol'],
        deadline: expect.any(String),
        current: {
          round: 1,
          policy: { mode: 'PERCENT', percent: 60 },
          tally: { approvers: 3, approvals: 1, rejections: 0, status: 'waiting', awaiting: ['alice', 'carol'] },
          votes: [expect.objectContaining({ voter: 'bob', decision: 'approve', comment: 'tested in staging', revision: 1 })],
        },
      });
      expect(s.decision).toBeUndefined();
      await cancelRfcApproval(env.client, input.rfcNumber);
      await handle.result();
    });
  });

  it('loses nothing when the worker restarts in the middle of voting', async () => {
    const mock = mockActivities('medium');
    const input = rfcInput();
    queue += 1;
    const taskQueue = `rfc-approval-restart-${process.pid}-${queue}`;
    const runWorker = async <T>(fn: () => Promise<T>) =>
      (await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: mock.activities, maxCachedWorkflows: 0 })).runUntil(fn());
    const handle = await runWorker(async () => {
      const h = await start(input, taskQueue);
      await votingOpen(h);
      await castVote(env.client, input.rfcNumber, vote('alice', 'approve'));
      return h;
    });
    const result = await runWorker(async () => {
      expect(await status(handle)).toMatchObject({ waitingFor: ['bob', 'carol'], current: { tally: { approvals: 1 } } });
      await castVote(env.client, input.rfcNumber, vote('bob', 'approve'));
      await castVote(env.client, input.rfcNumber, vote('carol', 'approve'));
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'approved', rounds: [expect.objectContaining({ votes: [expect.anything(), expect.anything(), expect.anything()] })] });
    expect(mock.of('requestApproval')).toHaveLength(1);
  });

  it('answers VOTE_NOT_RECORDED when the service refuses to record a vote, and the approver may vote again', async () => {
    const mock = mockActivities('medium');
    let refuse = true;
    const activities: RfcApprovalActivities = {
      ...mock.activities,
      async recordVote(input) {
        if (refuse) {
          refuse = false;
          throw ApplicationFailure.nonRetryable('change is locked', 'RFC_LOCKED');
        }
        return mock.activities.recordVote(input);
      },
    };
    const input = rfcInput({ cab: cab(['alice']) });
    const result = await withWorker(activities, async (tq) => {
      const handle = await start(input, tq);
      await votingOpen(handle);
      expect(await refusal(castVote(env.client, input.rfcNumber, vote('alice', 'approve')))).toMatchObject({ code: 'VOTE_NOT_RECORDED', status: 503 });
      expect(await status(handle)).toMatchObject({ status: 'waiting', waitingFor: ['alice'] });
      expect(await castVote(env.client, input.rfcNumber, vote('alice', 'approve'))).toMatchObject({ status: 'approved' });
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'approved' });
  });

  it('treats a second start of the same RfC as success and keeps one run', async () => {
    const mock = mockActivities('medium');
    const input = rfcInput();
    await withWorker(mock.activities, async (tq) => {
      const first = await start(input, tq);
      const firstRunId = (await first.describe()).runId;
      const again = await start(input, tq);
      expect(again.workflowId).toBe(workflowIdFor(input.rfcNumber));
      await votingOpen(first);
      await cancelRfcApproval(env.client, input.rfcNumber);
      await first.result();
      const afterwards = await start(input, tq); // completed: not started again
      expect((await afterwards.describe()).runId).toBe(firstRunId);
    });
    expect(mock.of('assessRisk')).toHaveLength(1);
    expect(approvalHandle(env.client, input.rfcNumber).workflowId).toBe(`rfc-approval:${input.rfcNumber}`);
  });
});
