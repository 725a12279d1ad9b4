/**
 * The activities the release deployment workflow calls. The workflow imports
 * this file only as a type. `triggerWebhookDeploy` and `verifyHealth` have
 * generic implementations in `activities/http-steps.ts`; the release service
 * implements `recordDeploymentEvent` (release state + outbox row in one
 * transaction) and `rollbackStage`.
 */
import type {
  DeploymentFailure,
  DeploymentWindow,
  ReleaseChangeRef,
  RollbackFailure,
  StageDefinition,
} from './definitions';

/** The release as the activities see it. */
export interface ReleaseRef {
  releaseId: string;
  releaseNumber: string;
  name: string;
  version: string;
  changes: ReleaseChangeRef[];
}

// ---------------------------------------------------------------------------
// recordDeploymentEvent

interface DeploymentEventBase {
  /**
   * Deterministic business key, `<workflowId>:<type>[:<stage>]`: the same
   * event recorded twice (activity retry, workflow reset) has the same id, so
   * the service stores it (and its outbox row) once.
   */
  eventId: string;
  releaseId: string;
  releaseNumber: string;
  /** Workflow time of the event, ISO-8601. */
  occurredAt: string;
  workflowId: string;
  runId: string;
}

export interface DeploymentStartedEvent extends DeploymentEventBase {
  type: 'deployment_started';
  stages: string[];
  window: DeploymentWindow;
  requestedBy?: string;
}

export interface StageStartedEvent extends DeploymentEventBase {
  type: 'stage_started';
  stage: string;
}

export interface GateApprovedEvent extends DeploymentEventBase {
  type: 'gate_approved';
  stage: string;
  approver: string;
  comment?: string;
}

export interface StageCompletedEvent extends DeploymentEventBase {
  type: 'stage_completed';
  stage: string;
}

export interface DeployedEvent extends DeploymentEventBase {
  type: 'deployed';
  stages: string[];
}

/**
 * The deployment failed or was aborted. Recorded before the rollback starts;
 * `stagesToRollBack` lists what the rollback will undo, in order.
 */
export interface DeploymentFailedEvent extends DeploymentEventBase {
  type: 'failed';
  outcome: 'failed' | 'aborted';
  failure: DeploymentFailure;
  completedStages: string[];
  stagesToRollBack: string[];
}

/** The rollback finished (recorded only when there was something to roll back). */
export interface RolledBackEvent extends DeploymentEventBase {
  type: 'rolled_back';
  /** Stages rolled back, in the order the rollbacks ran. */
  stages: string[];
  failures: RollbackFailure[];
}

export type DeploymentEvent =
  | DeploymentStartedEvent
  | StageStartedEvent
  | GateApprovedEvent
  | StageCompletedEvent
  | DeployedEvent
  | DeploymentFailedEvent
  | RolledBackEvent;

export type DeploymentEventType = DeploymentEvent['type'];

// ---------------------------------------------------------------------------
// triggerWebhookDeploy

export interface TriggerWebhookDeployInput {
  /** The CD system's webhook. */
  url: string;
  release: ReleaseRef;
  stage: string;
  callback: {
    /** Where the CD system reports the outcome (absent when the service gave none). */
    url?: string;
    workflowId: string;
    stage: string;
    /** ISO instant after which the workflow stops waiting for the callback. */
    deadline: string;
  };
  /** Sent as the Idempotency-Key header: the CD system can drop a repeated POST. */
  idempotencyKey: string;
}

export interface TriggerWebhookDeployResult {
  status: number;
  /** The CD system's id for the deployment, when its JSON answer has `id` or `deploymentId`. */
  externalId?: string;
}

// ---------------------------------------------------------------------------
// verifyHealth

export interface VerifyHealthInput {
  url: string;
  /** Give up after this long (measured from the first attempt, across activity retries). */
  timeoutMs: number;
  intervalMs: number;
  releaseNumber: string;
  stage: string;
}

export interface VerifyHealthResult {
  healthy: boolean;
  /** Number of polls made. */
  checks: number;
  lastStatus?: number;
  lastError?: string;
}

// ---------------------------------------------------------------------------
// rollbackStage

export interface RollbackStageInput {
  release: ReleaseRef;
  stage: StageDefinition;
  /** Why the deployment is being rolled back. */
  failure: DeploymentFailure;
  /** `<workflowId>:rollback:<stage>`. */
  idempotencyKey: string;
}

// ---------------------------------------------------------------------------

export interface ReleaseDeploymentActivities {
  /** Record a deployment event: release state + outbox row in one transaction, idempotent by `eventId`. */
  recordDeploymentEvent(event: DeploymentEvent): Promise<void>;
  /** POST the deploy request to the CD system. Non-retryable failure on 4xx (the CD system refused). */
  triggerWebhookDeploy(input: TriggerWebhookDeployInput): Promise<TriggerWebhookDeployResult>;
  /** Poll the health URL until it answers 2xx (healthy) or the timeout passes (not healthy). */
  verifyHealth(input: VerifyHealthInput): Promise<VerifyHealthResult>;
  /** Undo one stage's deployment. Idempotent by `idempotencyKey`. Throws when it cannot. */
  rollbackStage(input: RollbackStageInput): Promise<void>;
}
