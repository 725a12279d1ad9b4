export type {
  ApprovalOutcome,
  ApprovalPhase,
  ApprovalRoute,
  ApprovalStatusView,
  ApprovalTiming,
  ApproverGroup,
  CancelInput,
  ChangeType,
  DeadlineOutcome,
  DecisionReason,
  DecisionRecord,
  Level,
  ReviseInput,
  RfcApprovalInput,
  RfcApprovalResult,
  RiskAssessment,
  RiskInputs,
  RiskLevel,
  RoundSummary,
  VoteInput,
  VoteRecord,
  VoteTally,
} from './definitions';
export {
  cancelSignal,
  DEFAULT_TIMING,
  inputIssues,
  RECORD_TYPE,
  reviseIssues,
  reviseSignal,
  searchAttributes,
  statusQuery,
  TASK_QUEUE,
  voteUpdate,
  WORKFLOW_TYPE,
  workflowIdFor,
} from './definitions';
export type {
  ApprovalMode,
  ApprovalPolicy,
  ApprovalRound,
  ApprovalStatus,
  CastVote,
  CheckVoteOptions,
  RoundTally,
  VoteCounts,
  VoteDecision,
  VoteRefusal,
  VoteToCheck,
} from './policy';
export { checkVote, describePolicy, evaluateApproval, overallStatus, policyIssues, tallyRound, VOTE_REFUSAL_STATUS } from './policy';
export type {
  AssessRiskInput,
  EscalateInput,
  RecordDecisionInput,
  RecordVoteInput,
  RemindApproversInput,
  RequestApprovalInput,
  RfcApprovalActivities,
  RfcRef,
} from './activities';
export type { RfcApprovalClientOptions, RfcApprovalErrorCode, RfcApprovalHandle } from './client';
export {
  approvalHandle,
  cancelRfcApproval,
  castVote,
  getApprovalStatus,
  reviseRfc,
  RfcApprovalError,
  startRfcApproval,
} from './client';
export type { RfcApprovalStartOptions } from './start-options';
export { startOptionsFor, staticDetailsFor, staticSummaryFor } from './start-options';

/** Path of the workflow bundle entry, for `Worker.create({ workflowsPath })` or `bundleWorkflowCode`. */
export const workflowsPath: string = require.resolve('./workflows');
