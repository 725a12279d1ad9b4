/**
 * Release deployment workflow: the contract shared by the workflow, the
 * release service (which starts it, implements its recording activities and
 * forwards human and CD-system input) and the tests.
 *
 * Everything here is plain JSON and safe to import from workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType, type Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Task queue the release service's worker polls. */
export const TASK_QUEUE = 'release';

export const WORKFLOW_ID_PREFIX = 'release-deployment:';

/** Stable workflow id of a release's deployment (`release-deployment:REL0000001`): starting is idempotent. */
export function workflowIdFor(releaseNumber: string): string {
  return `${WORKFLOW_ID_PREFIX}${releaseNumber}`;
}

// ---------------------------------------------------------------------------
// Input

/** Well-known environments; any other name is allowed. */
export type StageName = 'test' | 'staging' | 'production' | (string & {});

/**
 * Approval gate before a stage's deploy step. One approval opens it; one
 * rejection fails the stage. The service checks the caller's role on the
 * HTTP side and passes the caller's roles along; the workflow checks them
 * again against the gate so the rule also holds for other callers.
 */
export interface GateDefinition {
  /** Role a caller must hold to approve or reject (e.g. `release_manager`). */
  role?: string;
  /** User ids allowed to approve or reject; when set, only these may decide. */
  approvers?: string[];
  /** How long the gate waits (`'4h'`, or milliseconds); no timeout when absent. */
  timeout?: Duration;
}

/** Deploy by webhook: POST to the CD system, then wait for its callback. */
export interface WebhookDeployStep {
  kind: 'webhook';
  url: string;
  /** How long to wait for the CD system's callback after the POST was accepted. */
  callbackTimeout: Duration;
}

/** Deploy by hand: an engineer deploys and confirms through the API. */
export interface ManualDeployStep {
  kind: 'manual';
  /** What the engineer should do (shown in the UI and the progress). */
  instructions?: string;
  /** How long to wait for the confirmation; no timeout when absent. */
  timeout?: Duration;
}

export type DeployStep = WebhookDeployStep | ManualDeployStep;

/** Health verification after the deploy: poll the URL until it answers 2xx or the timeout passes. */
export interface VerifyStep {
  healthUrl: string;
  timeout: Duration;
  /** Pause between two polls. */
  interval: Duration;
}

export interface StageDefinition {
  name: StageName;
  gate?: GateDefinition;
  deploy: DeployStep;
  verify?: VerifyStep;
}

export interface ReleaseChangeRef {
  /** Change (RfC) id in the change service. */
  id: string;
  /** Human number, e.g. CHG0001234. */
  number: string;
}

export interface DeploymentWindow {
  /** ISO-8601 instant the deployment may begin. */
  start: string;
  /** ISO-8601 instant after which no deploy step may begin. */
  end?: string;
}

export interface ReleaseDeploymentInput {
  releaseId: string;
  /** REL0000001: also the business key of the workflow id. */
  releaseNumber: string;
  name: string;
  version: string;
  changes: ReleaseChangeRef[];
  window: DeploymentWindow;
  /** Stages in deployment order (e.g. test, staging, production); names are unique. */
  stages: StageDefinition[];
  /**
   * URL the CD system calls back with the outcome of a webhook deploy (the
   * release service's callback endpoint). Sent in the webhook body.
   */
  callbackUrl?: string;
  /** Who asked for the deployment (user id), for the record. */
  requestedBy?: string;
}

// ---------------------------------------------------------------------------
// Result

export type DeploymentOutcome = 'deployed' | 'failed' | 'aborted';

export type FailureCode =
  | 'WINDOW_MISSED' // the window ended before the deployment could start
  | 'WINDOW_CLOSED' // the window ended before a stage's deploy step could begin
  | 'GATE_REJECTED'
  | 'GATE_TIMEOUT'
  | 'DEPLOY_REJECTED' // the CD system refused the webhook (4xx)
  | 'DEPLOY_TRIGGER_FAILED' // the webhook could not be delivered after retries
  | 'DEPLOY_FAILED' // the CD system or the engineer reported a failed deploy
  | 'CALLBACK_TIMEOUT'
  | 'MANUAL_TIMEOUT'
  | 'VERIFICATION_FAILED'
  | 'ABORTED';

export interface DeploymentFailure {
  code: FailureCode;
  message: string;
  /** Stage that failed; absent when the deployment failed before any stage. */
  stage?: string;
  /** Who caused it (rejecting approver, aborting operator, confirming engineer). */
  by?: string;
}

export interface RollbackFailure {
  stage: string;
  message: string;
}

export interface ReleaseDeploymentResult {
  releaseNumber: string;
  outcome: DeploymentOutcome;
  /** Stages deployed (and verified) in order. Rolled-back stages stay listed here. */
  completedStages: string[];
  failedStage?: string;
  failure?: DeploymentFailure;
  /** Stages rolled back, in the order the rollbacks ran (reverse deployment order). */
  rolledBackStages: string[];
  /** Rollbacks that failed after their retries; the others still ran. */
  rollbackFailures: RollbackFailure[];
}

// ---------------------------------------------------------------------------
// Progress (query result, update result)

/** Value of the ItsmState search attribute and of `progress.state`. */
export type DeploymentState =
  | 'waiting-window'
  | 'deploying'
  | 'awaiting-gate'
  | 'paused'
  | 'rolling-back'
  | 'deployed'
  | 'failed'
  | 'aborted';

export type DeploymentStep = 'window' | 'gate' | 'deploy' | 'verify' | 'rollback' | 'done';

export type WaitKind = 'window' | 'gate-approval' | 'deploy-callback' | 'manual-confirmation' | 'health' | 'resume';

export interface WaitingFor {
  kind: WaitKind;
  /** Human text, also in ItsmWaitingFor: 'approval of gate staging by a release manager'. */
  description: string;
  stage?: string;
  /** ISO instant the wait ends (timeout or window start); absent when it waits without limit. */
  until?: string;
}

export type HistoryEntryType =
  | 'deployment_started'
  | 'window_opened'
  | 'stage_started'
  | 'gate_approved'
  | 'gate_rejected'
  | 'gate_timed_out'
  | 'deploy_triggered'
  | 'deploy_callback'
  | 'deploy_callback_ignored'
  | 'manual_confirmed'
  | 'verified'
  | 'stage_completed'
  | 'stage_failed'
  | 'paused'
  | 'resumed'
  | 'abort_requested'
  | 'stage_rolled_back'
  | 'stage_rollback_failed'
  | 'deployed'
  | 'failed'
  | 'aborted';

export interface HistoryEntry {
  /** ISO instant (workflow time). */
  at: string;
  type: HistoryEntryType;
  stage?: string;
  by?: string;
  detail?: string;
}

export interface DeploymentProgress {
  releaseNumber: string;
  state: DeploymentState;
  currentStage?: string;
  currentStep?: DeploymentStep;
  waitingFor?: WaitingFor;
  paused: boolean;
  pausedBy?: string;
  completedStages: string[];
  rolledBackStages: string[];
  failure?: DeploymentFailure;
  history: HistoryEntry[];
}

// ---------------------------------------------------------------------------
// Messages

export interface ApproveGateInput {
  stage: string;
  /** User id of the approver. */
  approver: string;
  /** The approver's roles, checked against the gate's role. */
  roles?: string[];
  comment?: string;
}

export interface RejectGateInput {
  stage: string;
  /** User id of the rejecting approver. */
  by: string;
  roles?: string[];
  reason: string;
}

export type StepOutcome = 'succeeded' | 'failed';

/** The CD system's report on a webhook deploy (forwarded by the service). */
export interface DeployCallbackInput {
  stage: string;
  outcome: StepOutcome;
  detail?: string;
}

export interface ConfirmManualStepInput {
  stage: string;
  outcome: StepOutcome;
  /** User id of the engineer. */
  by: string;
  detail?: string;
}

export interface PauseInput {
  by: string;
  reason?: string;
}

export interface ResumeInput {
  by: string;
}

export interface AbortInput {
  reason: string;
  by: string;
}

/**
 * Codes of update rejections (validator failures). They reach the client as
 * the `type` of an ApplicationFailure; `client.ts` turns them into
 * `DeploymentCommandRejectedError`.
 */
export type RejectionCode =
  | 'INVALID_INPUT' // malformed input (422)
  | 'UNKNOWN_STAGE' // no stage of that name (422)
  | 'NOT_AWAITING_GATE' // the workflow does not wait at that stage's gate now (409)
  | 'NOT_AWAITING_CONFIRMATION' // the workflow does not wait for that stage's manual confirmation (409)
  | 'NOT_AN_APPROVER'; // caller is not allowed to decide this gate (403)

export const approveGateUpdate = defineUpdate<DeploymentProgress, [ApproveGateInput]>('approveGate');
export const rejectGateUpdate = defineUpdate<DeploymentProgress, [RejectGateInput]>('rejectGate');
export const confirmManualStepUpdate = defineUpdate<DeploymentProgress, [ConfirmManualStepInput]>('confirmManualStep');
export const deployCallbackSignal = defineSignal<[DeployCallbackInput]>('deployCallback');
export const pauseSignal = defineSignal<[PauseInput]>('pause');
export const resumeSignal = defineSignal<[ResumeInput]>('resume');
export const abortSignal = defineSignal<[AbortInput]>('abort');
export const progressQuery = defineQuery<DeploymentProgress>('progress');

// ---------------------------------------------------------------------------
// Search attributes (registered from infra/temporal/search-attributes.json)

export const RECORD_TYPE = 'release';

export const searchAttributes = {
  recordId: defineSearchAttributeKey('ItsmRecordId', SearchAttributeType.KEYWORD),
  recordType: defineSearchAttributeKey('ItsmRecordType', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('ItsmState', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('ItsmStage', SearchAttributeType.KEYWORD),
  waitingFor: defineSearchAttributeKey('ItsmWaitingFor', SearchAttributeType.KEYWORD),
  dueAt: defineSearchAttributeKey('ItsmDueAt', SearchAttributeType.DATETIME),
} as const;
