/**
 * Activities the RfC approval workflow needs. The change service implements
 * them with its own service layer: each writes its state and its outbox row
 * (the event) in one transaction, exactly like an HTTP request does, and never
 * publishes to Kafka itself.
 *
 * Idempotency: Temporal retries activities, so each one must be safe to run
 * twice. Use the business keys given in the input (rfcNumber + round for a
 * round, rfcNumber + round + voter for a vote, rfcNumber + round + reminder for
 * a reminder, rfcNumber + revision + outcome for a decision), or
 * `${workflowId}:${activityId}` from the activity context.
 *
 * A business refusal (the RfC no longer exists, was cancelled, ...) is thrown
 * as `ApplicationFailure.nonRetryable(message, 'RFC_NOT_FOUND' | ...)`; any
 * other error is retried.
 */
import type { ApprovalPolicy, RoundTally } from './policy';
import type {
  ApprovalRoute,
  ChangeType,
  DecisionReason,
  RiskAssessment,
  RiskInputs,
  VoteRecord,
} from './definitions';

/** Identifies the RfC and the revision every activity works on. */
export interface RfcRef {
  rfcId: string;
  rfcNumber: string;
  revision: number;
}

export interface AssessRiskInput extends RfcRef {
  changeType: ChangeType;
  riskInputs: RiskInputs;
}

/** A round is opened: record it (approval_requested) and notify the approvers. */
export interface RequestApprovalInput extends RfcRef {
  round: number;
  route: Exclude<ApprovalRoute, 'pre-approved'>;
  group: string;
  approvers: string[];
  policy: ApprovalPolicy;
  risk: RiskAssessment;
  /** ISO-8601 time the round opened and its voting deadline. */
  openedAt: string;
  deadline: string;
}

/** Remind the approvers who have not voted yet. */
export interface RemindApproversInput extends RfcRef {
  round: number;
  /** 1 for the first reminder of the round, 2 for the second, ... */
  reminder: number;
  approvers: string[];
  deadline: string;
}

/** The round's deadline passed undecided: tell the change managers (once per round). */
export interface EscalateInput extends RfcRef {
  round: number;
  changeManagers: string[];
  awaiting: string[];
  tally: RoundTally;
  deadline: string;
}

/** Record a vote (vote_cast). */
export interface RecordVoteInput extends RfcRef {
  round: number;
  vote: VoteRecord;
  /** Tally of the round including this vote and the votes recorded before it. */
  tally: RoundTally;
}

/** Record the decision on a revision (approved / rejected). */
export interface RecordDecisionInput extends RfcRef {
  outcome: 'approved' | 'rejected';
  reason: Exclude<DecisionReason, 'cancelled'>;
  route: ApprovalRoute;
  risk: RiskAssessment;
  /** Absent for pre-approved (standard) changes. */
  round?: number;
  tally?: RoundTally;
  decidedAt: string;
}

export interface RfcApprovalActivities {
  assessRisk(input: AssessRiskInput): Promise<RiskAssessment>;
  requestApproval(input: RequestApprovalInput): Promise<void>;
  remindApprovers(input: RemindApproversInput): Promise<void>;
  escalate(input: EscalateInput): Promise<void>;
  recordVote(input: RecordVoteInput): Promise<void>;
  recordDecision(input: RecordDecisionInput): Promise<void>;
}
