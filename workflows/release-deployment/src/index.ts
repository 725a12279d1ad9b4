import * as path from 'node:path';

/** The compiled workflow bundle entry, for `Worker.create({ workflowsPath })` or `bundleWorkflowCode`. */
export const workflowsPath = path.join(__dirname, 'workflows', 'index.js');

export {
  TASK_QUEUE,
  WORKFLOW_ID_PREFIX,
  workflowIdFor,
  RECORD_TYPE,
  searchAttributes,
  approveGateUpdate,
  rejectGateUpdate,
  confirmManualStepUpdate,
  deployCallbackSignal,
  pauseSignal,
  resumeSignal,
  abortSignal,
  progressQuery,
} from './definitions';
export type {
  StageName,
  GateDefinition,
  WebhookDeployStep,
  ManualDeployStep,
  DeployStep,
  VerifyStep,
  StageDefinition,
  ReleaseChangeRef,
  DeploymentWindow,
  ReleaseDeploymentInput,
  DeploymentOutcome,
  FailureCode,
  DeploymentFailure,
  RollbackFailure,
  ReleaseDeploymentResult,
  DeploymentState,
  DeploymentStep,
  WaitKind,
  WaitingFor,
  HistoryEntryType,
  HistoryEntry,
  DeploymentProgress,
  ApproveGateInput,
  RejectGateInput,
  StepOutcome,
  DeployCallbackInput,
  ConfirmManualStepInput,
  PauseInput,
  ResumeInput,
  AbortInput,
  RejectionCode,
} from './definitions';
export { validateDeploymentInput, durationMs } from './validation';
export type { InputIssue } from './validation';
export {
  WORKFLOW_TYPE,
  DeploymentCommandRejectedError,
  DeploymentNotFoundError,
  InvalidDeploymentInputError,
  describeDeployment,
  startReleaseDeployment,
  approveGate,
  rejectGate,
  confirmManualStep,
  sendDeployCallback,
  pauseDeployment,
  resumeDeployment,
  abortDeployment,
  getProgress,
  getDeploymentResult,
} from './client';
export type { CommandRejectionCode, DeploymentClientOptions, StartReleaseDeploymentOptions, StartedDeployment } from './client';
export type {
  ReleaseRef,
  DeploymentEvent,
  DeploymentEventType,
  DeploymentStartedEvent,
  StageStartedEvent,
  GateApprovedEvent,
  StageCompletedEvent,
  DeployedEvent,
  DeploymentFailedEvent,
  RolledBackEvent,
  TriggerWebhookDeployInput,
  TriggerWebhookDeployResult,
  VerifyHealthInput,
  VerifyHealthResult,
  RollbackStageInput,
  ReleaseDeploymentActivities,
} from './activities';
export { createHttpStepActivities, HttpStepFailureType } from './activities/http-steps';
export type { HttpStepOptions, HttpStepActivities } from './activities/http-steps';
