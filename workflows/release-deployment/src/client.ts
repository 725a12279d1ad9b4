/**
 * What the release service calls: start a deployment (idempotent by release
 * number) and forward human and CD-system input. Update rejections come back
 * as `DeploymentCommandRejectedError` (with the HTTP status to answer), a
 * missing workflow as `DeploymentNotFoundError`.
 */
import { instanceAttribute } from '@itsm/temporal/search-attributes';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  abortSignal,
  approveGateUpdate,
  confirmManualStepUpdate,
  deployCallbackSignal,
  pauseSignal,
  progressQuery,
  RECORD_TYPE,
  rejectGateUpdate,
  resumeSignal,
  searchAttributes,
  TASK_QUEUE,
  workflowIdFor,
  type AbortInput,
  type ApproveGateInput,
  type ConfirmManualStepInput,
  type DeployCallbackInput,
  type DeploymentProgress,
  type PauseInput,
  type RejectGateInput,
  type RejectionCode,
  type ReleaseDeploymentInput,
  type ReleaseDeploymentResult,
  type ResumeInput,
} from './definitions';
import { validateDeploymentInput, type InputIssue } from './validation';

/** Workflow type name, as registered by the worker. */
export const WORKFLOW_TYPE = 'releaseDeploymentWorkflow';

type ReleaseDeploymentWorkflow = (input: ReleaseDeploymentInput) => Promise<ReleaseDeploymentResult>;

export type CommandRejectionCode = RejectionCode | 'DEPLOYMENT_CLOSED';

const HTTP_STATUS: Record<CommandRejectionCode, 403 | 409 | 422> = {
  INVALID_INPUT: 422,
  UNKNOWN_STAGE: 422,
  NOT_AN_APPROVER: 403,
  NOT_AWAITING_GATE: 409,
  NOT_AWAITING_CONFIRMATION: 409,
  DEPLOYMENT_CLOSED: 409,
};

/** The workflow refused a command (update validator) or the deployment is already over. */
export class DeploymentCommandRejectedError extends Error {
  override readonly name = 'DeploymentCommandRejectedError';
  readonly httpStatus: 403 | 409 | 422;
  constructor(
    readonly code: CommandRejectionCode,
    message: string,
  ) {
    super(message);
    this.httpStatus = HTTP_STATUS[code];
  }
}

/** No deployment workflow for this release. */
export class DeploymentNotFoundError extends Error {
  override readonly name = 'DeploymentNotFoundError';
  readonly httpStatus = 404 as const;
  constructor(readonly releaseNumber: string) {
    super(`no deployment of release ${releaseNumber}`);
  }
}

/** The start input is malformed (the service should have caught it: 422). */
export class InvalidDeploymentInputError extends Error {
  override readonly name = 'InvalidDeploymentInputError';
  readonly httpStatus = 422 as const;
  constructor(readonly issues: InputIssue[]) {
    super(`invalid release deployment input: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  }
}

export interface DeploymentClientOptions {
  /** Prefix of the workflow id (a platform instance's prefix; default none). */
  workflowIdPrefix?: string;
}

export interface StartReleaseDeploymentOptions extends DeploymentClientOptions {
  /** Defaults to TASK_QUEUE ('release'). */
  taskQueue?: string;
}

export interface StartedDeployment {
  workflowId: string;
  /** Run id of the new run; absent when the deployment had been started before. */
  runId?: string;
  /** True when a deployment of this release already existed (running or finished): nothing was started. */
  alreadyStarted: boolean;
}

/** The one-line summary and the details shown in the Temporal UI for the whole run. */
export function describeDeployment(input: ReleaseDeploymentInput): { summary: string; details: string } {
  const summary = `Deploy ${input.releaseNumber} ${input.name} ${input.version} (${input.stages.map((s) => s.name).join(' → ')})`;
  const stageLines = input.stages.map((s, i) => {
    const parts = [
      s.gate ? `gate (${s.gate.approvers ? s.gate.approvers.join(', ') : (s.gate.role ?? 'approver')}${s.gate.timeout ? `, ${String(s.gate.timeout)}` : ''})` : undefined,
      s.deploy.kind === 'webhook' ? `webhook deploy ${s.deploy.url} (callback within ${String(s.deploy.callbackTimeout)})` : `manual deploy${s.deploy.timeout ? ` (within ${String(s.deploy.timeout)})` : ''}`,
      s.verify ? `verify ${s.verify.healthUrl} (within ${String(s.verify.timeout)})` : undefined,
    ].filter(Boolean);
    return `${i + 1}. **${s.name}**: ${parts.join(' → ')}`;
  });
  const details = [
    `**Release ${input.releaseNumber}**: ${input.name} ${input.version}`,
    `Window: ${input.window.start}${input.window.end ? ` to ${input.window.end}` : ' (no end)'}`,
    `Changes: ${input.changes.map((c) => c.number).join(', ') || 'none'}`,
    `Stages:\n${stageLines.join('\n')}`,
    input.requestedBy ? `Requested by ${input.requestedBy}` : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
  return { summary, details };
}

/**
 * Starts the deployment of a release. Idempotent: when a deployment of this
 * release exists already (running or finished), nothing starts and the call
 * succeeds with `alreadyStarted: true`.
 */
export async function startReleaseDeployment(
  client: Client,
  input: ReleaseDeploymentInput,
  options: StartReleaseDeploymentOptions = {},
): Promise<StartedDeployment> {
  const issues = validateDeploymentInput(input);
  if (issues.length) throw new InvalidDeploymentInputError(issues);
  const workflowId = `${options.workflowIdPrefix ?? ''}${workflowIdFor(input.releaseNumber)}`;
  const { summary, details } = describeDeployment(input);
  try {
    const handle = await client.workflow.start<ReleaseDeploymentWorkflow>(WORKFLOW_TYPE, {
      workflowId,
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      args: [input],
      // One deployment per release: a finished run is never repeated by a retried start.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: summary,
      staticDetails: details,
      typedSearchAttributes: [
        { key: searchAttributes.recordId, value: input.releaseNumber },
        { key: searchAttributes.recordType, value: RECORD_TYPE },
        { key: searchAttributes.state, value: 'waiting-window' },
        instanceAttribute(options.workflowIdPrefix),
      ],
    });
    return { workflowId, runId: handle.firstExecutionRunId, alreadyStarted: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, alreadyStarted: true };
    throw err;
  }
}

function handleFor(client: Client, releaseNumber: string, options: DeploymentClientOptions): WorkflowHandle<ReleaseDeploymentWorkflow> {
  return client.workflow.getHandle<ReleaseDeploymentWorkflow>(`${options.workflowIdPrefix ?? ''}${workflowIdFor(releaseNumber)}`);
}

const REJECTION_CODES = new Set<string>(Object.keys(HTTP_STATUS));

/** Runs a command against the release's workflow and maps Temporal errors to the typed ones. */
async function command<T>(
  client: Client,
  releaseNumber: string,
  options: DeploymentClientOptions,
  run: (h: WorkflowHandle<ReleaseDeploymentWorkflow>) => Promise<T>,
): Promise<T> {
  const handle = handleFor(client, releaseNumber, options);
  try {
    return await run(handle);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type && REJECTION_CODES.has(err.cause.type)) {
      throw new DeploymentCommandRejectedError(err.cause.type as CommandRejectionCode, err.cause.message);
    }
    if (err instanceof WorkflowNotFoundError) {
      // Also thrown for a finished run: tell the two apart.
      const exists = await handle.describe().then(
        () => true,
        () => false,
      );
      if (exists) throw new DeploymentCommandRejectedError('DEPLOYMENT_CLOSED', `the deployment of ${releaseNumber} is over`);
      throw new DeploymentNotFoundError(releaseNumber);
    }
    throw err;
  }
}

/** Approves the gate the deployment waits at. Resolves with the progress after the approval. */
export function approveGate(client: Client, releaseNumber: string, input: ApproveGateInput, options: DeploymentClientOptions = {}): Promise<DeploymentProgress> {
  return command(client, releaseNumber, options, (h) => h.executeUpdate(approveGateUpdate, { args: [input] }));
}

/** Rejects the gate the deployment waits at: the stage fails and what was deployed is rolled back. */
export function rejectGate(client: Client, releaseNumber: string, input: RejectGateInput, options: DeploymentClientOptions = {}): Promise<DeploymentProgress> {
  return command(client, releaseNumber, options, (h) => h.executeUpdate(rejectGateUpdate, { args: [input] }));
}

/** Confirms (or reports as failed) the manual deploy step the deployment waits for. */
export function confirmManualStep(client: Client, releaseNumber: string, input: ConfirmManualStepInput, options: DeploymentClientOptions = {}): Promise<DeploymentProgress> {
  return command(client, releaseNumber, options, (h) => h.executeUpdate(confirmManualStepUpdate, { args: [input] }));
}

/**
 * Forwards the CD system's callback. Fire-and-forget: a callback for a stage
 * the workflow does not wait for is kept in the history as ignored.
 */
export function sendDeployCallback(client: Client, releaseNumber: string, input: DeployCallbackInput, options: DeploymentClientOptions = {}): Promise<void> {
  return command(client, releaseNumber, options, (h) => h.signal(deployCallbackSignal, input));
}

/** Holds the deployment at the next step boundary. */
export function pauseDeployment(client: Client, releaseNumber: string, input: PauseInput, options: DeploymentClientOptions = {}): Promise<void> {
  return command(client, releaseNumber, options, (h) => h.signal(pauseSignal, input));
}

export function resumeDeployment(client: Client, releaseNumber: string, input: ResumeInput, options: DeploymentClientOptions = {}): Promise<void> {
  return command(client, releaseNumber, options, (h) => h.signal(resumeSignal, input));
}

/** Stops any wait and rolls back what was deployed. Ignored once the deployment is rolling back or over. */
export function abortDeployment(client: Client, releaseNumber: string, input: AbortInput, options: DeploymentClientOptions = {}): Promise<void> {
  return command(client, releaseNumber, options, (h) => h.signal(abortSignal, input));
}

/** Progress of a running or finished deployment (needs a worker on the task queue). */
export function getProgress(client: Client, releaseNumber: string, options: DeploymentClientOptions = {}): Promise<DeploymentProgress> {
  return command(client, releaseNumber, options, (h) => h.query(progressQuery));
}

/** Waits for the deployment to end and returns its result. */
export function getDeploymentResult(client: Client, releaseNumber: string, options: DeploymentClientOptions = {}): Promise<ReleaseDeploymentResult> {
  return command(client, releaseNumber, options, (h) => h.result());
}
