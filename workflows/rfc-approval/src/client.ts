/**
 * What the change service calls: idempotent start, votes (as updates, the
 * answer is the new tally), revisions, cancellation and the status query.
 * Refusals come back as `RfcApprovalError` with an HTTP status to answer.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type {
  ApprovalStatusView,
  CancelInput,
  RfcApprovalInput,
  RfcApprovalResult,
  ReviseInput,
  VoteInput,
  VoteTally,
} from './definitions';
import { cancelSignal, inputIssues, reviseSignal, statusQuery, TASK_QUEUE, voteUpdate, WORKFLOW_TYPE, workflowIdFor } from './definitions';
import type { VoteRefusal } from './policy';
import { VOTE_REFUSAL_STATUS } from './policy';
import { startOptionsFor } from './start-options';
import type { rfcApprovalWorkflow } from './workflows/rfc-approval.workflow';

export type RfcApprovalHandle = WorkflowHandle<typeof rfcApprovalWorkflow>;

export type RfcApprovalErrorCode =
  | VoteRefusal
  | 'INVALID_APPROVAL_INPUT'
  | 'APPROVAL_NOT_FOUND'
  | 'APPROVAL_CANCELLED'
  | 'VOTE_NOT_RECORDED';

const STATUS: Record<RfcApprovalErrorCode, 403 | 404 | 409 | 422 | 503> = {
  ...VOTE_REFUSAL_STATUS,
  INVALID_APPROVAL_INPUT: 422,
  APPROVAL_NOT_FOUND: 404,
  APPROVAL_CANCELLED: 409,
  VOTE_NOT_RECORDED: 503,
};

/** A refused approval command; `status` is the HTTP status to answer. */
export class RfcApprovalError extends Error {
  readonly status: 403 | 404 | 409 | 422 | 503;
  constructor(readonly code: RfcApprovalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RfcApprovalError';
    this.status = STATUS[code];
  }
}

export interface RfcApprovalClientOptions {
  /** Task queue of the change service's worker (default TASK_QUEUE). */
  taskQueue?: string;
  /** Prefix of the workflow id (a platform instance's prefix; default none). */
  workflowIdPrefix?: string;
}

/**
 * Starts the approval of an RfC; starting it again while it runs or after it
 * completed is harmless and returns the existing handle. A failed or
 * terminated run may be started again.
 */
export async function startRfcApproval(
  client: Client,
  input: RfcApprovalInput,
  options: RfcApprovalClientOptions = {},
): Promise<RfcApprovalHandle> {
  assertValidInput(input);
  const start = startOptionsFor(input, options.taskQueue ?? TASK_QUEUE, options.workflowIdPrefix);
  try {
    return await client.workflow.start<typeof rfcApprovalWorkflow>(WORKFLOW_TYPE, {
      ...start,
      args: [input],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return approvalHandle(client, input.rfcNumber, options);
    throw err;
  }
}

/** Casts a vote; resolves to the round's new tally, or throws RfcApprovalError. */
export async function castVote(
  client: Client,
  rfcNumber: string,
  vote: VoteInput,
  options: RfcApprovalClientOptions = {},
): Promise<VoteTally> {
  const handle = approvalHandle(client, rfcNumber, options);
  try {
    return await handle.executeUpdate(voteUpdate, { args: [vote] });
  } catch (err) {
    const failure = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
    if (failure instanceof ApplicationFailure && failure.type && failure.type in STATUS) {
      throw new RfcApprovalError(failure.type as RfcApprovalErrorCode, failure.message, { cause: err });
    }
    throw (await notRunningError(handle, err)) ?? err;
  }
}

/**
 * A material edit raised the revision: opens a new voting round. While the
 * approval runs, the running workflow gets a `revise` signal (new revision,
 * risk inputs and approvers); after it has decided, a new run starts for
 * `input`, its rounds numbered on from the previous run's (unless
 * `input.firstRound` says otherwise). Repeating a revision already decided is
 * a no-op; revising a cancelled approval is refused (APPROVAL_CANCELLED).
 */
export async function reviseRfc(
  client: Client,
  input: RfcApprovalInput,
  options: RfcApprovalClientOptions & { reason?: string } = {},
): Promise<RfcApprovalHandle> {
  assertValidInput(input);
  const handle = approvalHandle(client, input.rfcNumber, options);
  const previous = await closedRunResult(handle);
  if (previous?.outcome === 'cancelled') {
    throw new RfcApprovalError('APPROVAL_CANCELLED', `the approval of ${input.rfcNumber} was cancelled`);
  }
  if (previous !== undefined && previous.revision >= input.revision) return handle;
  const lastRound = Math.max(0, ...(previous?.rounds ?? []).map((r) => r.round));
  const args: RfcApprovalInput = { ...input, firstRound: input.firstRound ?? lastRound + 1 };
  const start = startOptionsFor(args, options.taskQueue ?? TASK_QUEUE, options.workflowIdPrefix);
  const revise: ReviseInput = {
    revision: input.revision,
    riskInputs: input.riskInputs,
    changeManagers: input.changeManagers,
    cab: input.cab,
    ...(input.ecab ? { ecab: input.ecab } : {}),
    ...(options.reason ? { reason: options.reason } : {}),
  };
  await client.workflow.signalWithStart<typeof rfcApprovalWorkflow, [ReviseInput]>(WORKFLOW_TYPE, {
    ...start,
    args: [args],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    signal: reviseSignal,
    signalArgs: [revise],
  });
  return handle;
}

/** Cancels the approval (the RfC was cancelled). Harmless when it has already ended. */
export async function cancelRfcApproval(
  client: Client,
  rfcNumber: string,
  cancel: CancelInput = {},
  options: RfcApprovalClientOptions = {},
): Promise<void> {
  try {
    await approvalHandle(client, rfcNumber, options).signal(cancelSignal, cancel);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw err;
  }
}

/** Round, revision, tally, votes, who is awaited, deadline and decision. */
export async function getApprovalStatus(
  client: Client,
  rfcNumber: string,
  options: RfcApprovalClientOptions = {},
): Promise<ApprovalStatusView> {
  try {
    return await approvalHandle(client, rfcNumber, options).query(statusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new RfcApprovalError('APPROVAL_NOT_FOUND', `no approval workflow for ${rfcNumber}`, { cause: err });
    }
    throw err;
  }
}

export function approvalHandle(client: Client, rfcNumber: string, options: RfcApprovalClientOptions = {}): RfcApprovalHandle {
  return client.workflow.getHandle<typeof rfcApprovalWorkflow>((options.workflowIdPrefix ?? '') + workflowIdFor(rfcNumber));
}

function assertValidInput(input: RfcApprovalInput): void {
  const issues = inputIssues(input);
  if (issues.length > 0) throw new RfcApprovalError('INVALID_APPROVAL_INPUT', issues.join('; '));
}

/** The result of the latest run when it has completed; undefined when it runs, failed or does not exist. */
async function closedRunResult(handle: RfcApprovalHandle): Promise<RfcApprovalResult | undefined> {
  try {
    const description = await handle.describe();
    if (description.status.name !== 'COMPLETED') return undefined;
    return await handle.result();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Maps an update sent to a missing or finished workflow to RfcApprovalError. */
async function notRunningError(handle: RfcApprovalHandle, err: unknown): Promise<RfcApprovalError | undefined> {
  try {
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') return undefined;
    return new RfcApprovalError('VOTING_CLOSED', `the approval of ${handle.workflowId} has ended`, { cause: err });
  } catch (describeErr) {
    if (describeErr instanceof WorkflowNotFoundError) {
      return new RfcApprovalError('APPROVAL_NOT_FOUND', `no approval workflow ${handle.workflowId}`, { cause: err });
    }
    return undefined;
  }
}
