/**
 * Contract of the RfC approval workflow: task queue, workflow id, input and
 * result, messages (vote update, revise and cancel signals, status query) and
 * the search attributes operators filter on in the Temporal UI.
 * Everything here is plain JSON, safe for workflow code and for clients.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { ApprovalPolicy, ApprovalStatus, RoundTally, VoteDecision } from './policy';
import { policyIssues } from './policy';

export const TASK_QUEUE = 'change';
export const WORKFLOW_TYPE = 'rfcApprovalWorkflow';
const WORKFLOW_ID_PREFIX = 'rfc-approval:';

/** Stable workflow id of an RfC's approval: `rfc-approval:CHG0000001`. */
export function workflowIdFor(rfcNumber: string): string {
  return WORKFLOW_ID_PREFIX + rfcNumber;
}

export type ChangeType = 'standard' | 'normal' | 'emergency';
export type RiskLevel = 'low' | 'medium' | 'high';
export type Level = 'low' | 'medium' | 'high';

/** What the risk assessment looks at; the service may add its own facts. */
export interface RiskInputs {
  impact: Level;
  /** Affected configuration items (ids). */
  ciIds: string[];
  /** Highest business criticality of the affected CIs, when known. */
  ciCriticality?: Level;
  hasTestPlan: boolean;
  hasBackoutPlan: boolean;
  /** Planned window, ISO-8601 (half-open [start, end)). */
  plannedStart?: string;
  plannedEnd?: string;
}

export interface RiskAssessment {
  risk: RiskLevel;
  reasons: string[];
}

export interface ApproverGroup {
  /** e.g. "CAB", "ECAB", "Network CAB". */
  name: string;
  members: string[];
  policy: ApprovalPolicy;
}

/**
 * Voting periods and reminder intervals (Temporal durations: '5 days', '4h'
 * or milliseconds). Each round gets its own deadline from when it opens.
 */
export interface ApprovalTiming {
  votingPeriod: Duration;
  emergencyVotingPeriod: Duration;
  reminderInterval: Duration;
  emergencyReminderInterval: Duration;
}

export const DEFAULT_TIMING: ApprovalTiming = {
  votingPeriod: '5 days',
  emergencyVotingPeriod: '4 hours',
  reminderInterval: '1 day',
  emergencyReminderInterval: '1 hour',
};

/**
 * What happens when a round's deadline passes undecided. Both escalate to the
 * change managers once per round:
 * - 'escalate': keep waiting for the votes (the default);
 * - 'escalate-and-reject': reject the revision (reason 'deadline').
 */
export type DeadlineOutcome = 'escalate' | 'escalate-and-reject';

export interface RfcApprovalInput {
  rfcId: string;
  /** Business number, e.g. CHG0000001; the workflow id derives from it. */
  rfcNumber: string;
  title: string;
  /** Revision submitted for approval (raised by every material edit). */
  revision: number;
  changeType: ChangeType;
  riskInputs: RiskInputs;
  /** Approvers of low-risk normal changes (policy ANY) and escalation targets. */
  changeManagers: string[];
  /** Approvers of medium- and high-risk normal changes. */
  cab: ApproverGroup;
  /** Approvers of emergency changes (required for type emergency). */
  ecab?: ApproverGroup;
  timing?: Partial<ApprovalTiming>;
  onDeadline?: DeadlineOutcome;
  /** Number of the first round of this run (default 1); see `reviseRfc`. */
  firstRound?: number;
}

export type ApprovalRoute = 'pre-approved' | 'change-manager' | 'cab' | 'ecab';
export type ApprovalPhase =
  | 'assessing'
  | 'requesting-approval'
  | 'awaiting-votes'
  | 'escalated'
  | 'recording-decision'
  | 'approved'
  | 'rejected'
  | 'cancelled';
export type ApprovalOutcome = 'approved' | 'rejected' | 'cancelled';
/** Why the decision was taken. */
export type DecisionReason = 'pre-approved' | 'votes' | 'deadline' | 'cancelled';

export interface VoteInput {
  voter: string;
  decision: VoteDecision;
  comment?: string;
  /** The revision the voter has seen; must be the round's revision. */
  revision: number;
}

export interface VoteRecord extends VoteInput {
  round: number;
  castAt: string;
}

/** Answer of the vote update: the round's tally after the vote. */
export interface VoteTally extends RoundTally {
  round: number;
  revision: number;
  policy: ApprovalPolicy;
  /** True when a newer round replaced this one while the vote was recorded. */
  superseded: boolean;
}

export interface ReviseInput {
  /** New revision; ignored unless greater than the current one. */
  revision: number;
  /** Risk inputs of the new revision (the risk is assessed again). */
  riskInputs?: RiskInputs;
  /** Approvers for the new round, when they changed. */
  changeManagers?: string[];
  cab?: ApproverGroup;
  ecab?: ApproverGroup;
  reason?: string;
}

export interface CancelInput {
  reason?: string;
  by?: string;
}

export interface RoundSummary {
  round: number;
  revision: number;
  route: ApprovalRoute;
  group: string;
  approvers: string[];
  policy: ApprovalPolicy;
  openedAt: string;
  deadline: string;
  votes: VoteRecord[];
  tally: RoundTally;
  remindersSent: number;
  escalatedAt?: string;
  /** Why the round closed: decided, superseded by a revision, cancelled. */
  closed?: 'decided' | 'superseded' | 'cancelled';
}

export interface DecisionRecord {
  outcome: ApprovalOutcome;
  reason: DecisionReason;
  revision: number;
  /** Absent for pre-approved (standard) changes and cancellations before voting. */
  round?: number;
  decidedAt: string;
  comment?: string;
}

export interface ApprovalStatusView {
  rfcNumber: string;
  revision: number;
  phase: ApprovalPhase;
  risk?: RiskAssessment;
  route?: ApprovalRoute;
  /** Latest round (the one that counts), if any. */
  current?: RoundSummary;
  /** Status of the latest round, or the decision when there is no round. */
  status: ApprovalStatus | 'cancelled';
  waitingFor: string[];
  deadline?: string;
  decision?: DecisionRecord;
  rounds: RoundSummary[];
}

export interface RfcApprovalResult {
  rfcNumber: string;
  outcome: ApprovalOutcome;
  reason: DecisionReason;
  revision: number;
  risk?: RiskAssessment;
  route?: ApprovalRoute;
  round?: number;
  decidedAt: string;
  rounds: RoundSummary[];
}

export const voteUpdate = defineUpdate<VoteTally, [VoteInput]>('vote');
export const reviseSignal = defineSignal<[ReviseInput]>('revise');
export const cancelSignal = defineSignal<[CancelInput]>('cancel');
export const statusQuery = defineQuery<ApprovalStatusView>('status');

/** Search attributes (registered by infra/temporal/search-attributes.json). */
export const searchAttributes = {
  recordId: defineSearchAttributeKey('ItsmRecordId', SearchAttributeType.KEYWORD),
  recordType: defineSearchAttributeKey('ItsmRecordType', SearchAttributeType.KEYWORD),
  changeType: defineSearchAttributeKey('ItsmChangeType', SearchAttributeType.KEYWORD),
  risk: defineSearchAttributeKey('ItsmRisk', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('ItsmState', SearchAttributeType.KEYWORD),
  waitingFor: defineSearchAttributeKey('ItsmWaitingFor', SearchAttributeType.KEYWORD),
  dueAt: defineSearchAttributeKey('ItsmDueAt', SearchAttributeType.DATETIME),
} as const;

/** Value of ItsmRecordType for changes. */
export const RECORD_TYPE = 'change';

/** Problems with an input, empty when it can start. */
export function inputIssues(input: RfcApprovalInput): string[] {
  const issues: string[] = [];
  if (typeof input?.rfcNumber !== 'string' || input.rfcNumber === '') issues.push('rfcNumber is required');
  if (typeof input?.rfcId !== 'string' || input.rfcId === '') issues.push('rfcId is required');
  if (!Number.isInteger(input?.revision) || input.revision < 1) issues.push('revision must be a positive integer');
  if (!['standard', 'normal', 'emergency'].includes(input?.changeType)) {
    issues.push('changeType must be standard, normal or emergency');
  }
  if (!Array.isArray(input?.changeManagers) || input.changeManagers.length === 0) {
    issues.push('changeManagers needs at least one member');
  }
  issues.push(...groupIssues('cab', input?.cab));
  if (input?.changeType === 'emergency' || input?.ecab !== undefined) issues.push(...groupIssues('ecab', input?.ecab));
  for (const [name, value] of Object.entries(input?.timing ?? {})) {
    if (!isPositiveDuration(value)) issues.push(`timing.${name} must be a positive duration ('5 days', '4h' or milliseconds)`);
  }
  if (input?.onDeadline !== undefined && !['escalate', 'escalate-and-reject'].includes(input.onDeadline)) {
    issues.push('onDeadline must be escalate or escalate-and-reject');
  }
  if (input?.firstRound !== undefined && (!Number.isInteger(input.firstRound) || input.firstRound < 1)) {
    issues.push('firstRound must be a positive integer');
  }
  return issues;
}

/** Problems with a revise signal, empty when it can apply. */
export function reviseIssues(revise: ReviseInput): string[] {
  const issues: string[] = [];
  if (!Number.isInteger(revise?.revision) || revise.revision < 1) issues.push('revision must be a positive integer');
  if (revise?.changeManagers !== undefined && (!Array.isArray(revise.changeManagers) || revise.changeManagers.length === 0)) {
    issues.push('changeManagers needs at least one member');
  }
  if (revise?.cab !== undefined) issues.push(...groupIssues('cab', revise.cab));
  if (revise?.ecab !== undefined) issues.push(...groupIssues('ecab', revise.ecab));
  return issues;
}

function isPositiveDuration(value: unknown): boolean {
  try {
    return msToNumber(value as Duration) > 0;
  } catch {
    return false;
  }
}

function groupIssues(field: string, group: ApproverGroup | undefined): string[] {
  if (group === undefined || group === null) return [`${field} is required`];
  const issues: string[] = [];
  if (!Array.isArray(group.members) || group.members.length === 0) issues.push(`${field}.members needs at least one member`);
  issues.push(...policyIssues(group.policy).map((m) => `${field}.policy: ${m}`));
  return issues;
}
