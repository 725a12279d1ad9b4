/**
 * Approval aggregation for requests for change: pure functions, integer
 * arithmetic only (acceptance case C12). Shared by the approval workflow and
 * the change service, so both compute the same status from the same votes.
 *
 * With N approvers in the round, a approvals and r rejections:
 * - ALL = PERCENT(100); PERCENT(P): approved when 100·a ≥ P·N; rejected when
 *   100·r > (100−P)·N, i.e. the threshold can no longer be reached.
 * - MAJORITY (strictly more than half): approved when 2·a > N; rejected when
 *   2·r ≥ N, i.e. a majority can no longer be reached.
 * - ANY: approved when a ≥ 1; rejected when r = N.
 * Only the latest round counts; each approver votes once per round, and only
 * the round's approvers count.
 */

export type ApprovalPolicy =
  | { mode: 'ALL' }
  | { mode: 'ANY' }
  | { mode: 'MAJORITY' }
  | { mode: 'PERCENT'; percent: number };

export type ApprovalMode = ApprovalPolicy['mode'];
export type VoteDecision = 'approve' | 'reject';
export type ApprovalStatus = 'waiting' | 'approved' | 'rejected';

export interface VoteCounts {
  /** N: number of approvers in the round (at least 1). */
  approvers: number;
  approvals: number;
  rejections: number;
}

export interface CastVote {
  voter: string;
  decision: VoteDecision;
}

export interface RoundTally extends VoteCounts {
  status: ApprovalStatus;
  /** Approvers of the round who have not voted, in the round's order. */
  awaiting: string[];
}

/** One voting round, as the workflow and the service both keep it. */
export interface ApprovalRound {
  round: number;
  revision: number;
  approvers: string[];
  policy: ApprovalPolicy;
  votes: CastVote[];
}

/** Problems with a policy, empty when it is valid. */
export function policyIssues(policy: ApprovalPolicy): string[] {
  switch (policy?.mode) {
    case 'ALL':
    case 'ANY':
    case 'MAJORITY':
      return [];
    case 'PERCENT':
      return Number.isInteger(policy.percent) && policy.percent >= 1 && policy.percent <= 100
        ? []
        : ['percent must be an integer from 1 to 100'];
    default:
      return ['mode must be one of ALL, ANY, MAJORITY, PERCENT'];
  }
}

/** Status of one round from its counts. Throws RangeError on impossible counts. */
export function evaluateApproval(policy: ApprovalPolicy, counts: VoteCounts): ApprovalStatus {
  const { approvers: n, approvals: a, rejections: r } = counts;
  if (!Number.isInteger(n) || n < 1) throw new RangeError('a round needs at least one approver');
  if (!Number.isInteger(a) || !Number.isInteger(r) || a < 0 || r < 0 || a + r > n) {
    throw new RangeError(`impossible vote counts: ${a} approvals + ${r} rejections of ${n}`);
  }
  const issues = policyIssues(policy);
  if (issues.length > 0) throw new RangeError(`invalid approval policy: ${issues.join('; ')}`);
  switch (policy.mode) {
    case 'ANY':
      if (a >= 1) return 'approved';
      return r === n ? 'rejected' : 'waiting';
    case 'MAJORITY':
      if (2 * a > n) return 'approved';
      return 2 * r >= n ? 'rejected' : 'waiting';
    case 'ALL':
    case 'PERCENT': {
      const p = policy.mode === 'ALL' ? 100 : policy.percent;
      if (100 * a >= p * n) return 'approved';
      return 100 * r > (100 - p) * n ? 'rejected' : 'waiting';
    }
  }
}

/**
 * Tally of a round: counts the first vote of each approver; votes of
 * non-members and repeated votes are ignored (the workflow refuses them
 * before they get here).
 */
export function tallyRound(policy: ApprovalPolicy, approvers: readonly string[], votes: readonly CastVote[]): RoundTally {
  const members = unique(approvers);
  const first = new Map<string, VoteDecision>();
  for (const v of votes) {
    if (members.includes(v.voter) && !first.has(v.voter)) first.set(v.voter, v.decision);
  }
  let approvals = 0;
  let rejections = 0;
  for (const d of first.values()) {
    if (d === 'approve') approvals += 1;
    else rejections += 1;
  }
  const counts = { approvers: members.length, approvals, rejections };
  return {
    ...counts,
    status: evaluateApproval(policy, counts),
    awaiting: members.filter((m) => !first.has(m)),
  };
}

/** Overall status: the latest round only ('waiting' before the first round). */
export function overallStatus(rounds: readonly ApprovalRound[]): ApprovalStatus {
  const latest = rounds.reduce<ApprovalRound | undefined>(
    (acc, r) => (acc === undefined || r.round >= acc.round ? r : acc),
    undefined,
  );
  return latest === undefined ? 'waiting' : tallyRound(latest.policy, latest.approvers, latest.votes).status;
}

/** Why a vote is refused. */
export type VoteRefusal =
  | 'INVALID_VOTE'
  | 'NO_OPEN_ROUND'
  | 'NOT_AN_APPROVER'
  | 'STALE_REVISION'
  | 'ALREADY_VOTED'
  | 'VOTING_CLOSED';

/** The HTTP status a service answers for each refusal. */
export const VOTE_REFUSAL_STATUS: Readonly<Record<VoteRefusal, 403 | 409 | 422>> = {
  INVALID_VOTE: 422,
  NO_OPEN_ROUND: 409,
  NOT_AN_APPROVER: 403,
  STALE_REVISION: 409,
  ALREADY_VOTED: 409,
  VOTING_CLOSED: 409,
};

export interface VoteToCheck {
  voter: string;
  decision: VoteDecision;
  revision: number;
}

export interface CheckVoteOptions {
  /** The round no longer takes votes (decided, superseded or cancelled). */
  closed?: boolean;
  /** Voters whose vote is being recorded right now (count as voted). */
  pendingVoters?: readonly string[];
}

/** Refusal for a vote on `round`, or undefined when the vote is acceptable. */
export function checkVote(
  round: ApprovalRound | undefined,
  vote: VoteToCheck,
  options: CheckVoteOptions = {},
): { code: VoteRefusal; message: string } | undefined {
  if (
    typeof vote?.voter !== 'string' ||
    vote.voter.trim() === '' ||
    (vote.decision !== 'approve' && vote.decision !== 'reject') ||
    !Number.isInteger(vote.revision)
  ) {
    return { code: 'INVALID_VOTE', message: 'a vote needs voter, decision (approve|reject) and an integer revision' };
  }
  if (round === undefined) return { code: 'NO_OPEN_ROUND', message: 'no voting round is open' };
  if (!round.approvers.includes(vote.voter)) {
    return { code: 'NOT_AN_APPROVER', message: `${vote.voter} is not an approver of round ${round.round}` };
  }
  if (vote.revision !== round.revision) {
    return {
      code: 'STALE_REVISION',
      message: `round ${round.round} votes on revision ${round.revision}, not revision ${vote.revision}`,
    };
  }
  if (round.votes.some((v) => v.voter === vote.voter) || options.pendingVoters?.includes(vote.voter)) {
    return { code: 'ALREADY_VOTED', message: `${vote.voter} has already voted in round ${round.round}` };
  }
  if (options.closed || tallyRound(round.policy, round.approvers, round.votes).status !== 'waiting') {
    return { code: 'VOTING_CLOSED', message: `round ${round.round} is closed` };
  }
  return undefined;
}

/** Short human text for a policy: "ALL", "MAJORITY", "60%". */
export function describePolicy(policy: ApprovalPolicy): string {
  return policy.mode === 'PERCENT' ? `${policy.percent}%` : policy.mode;
}

function unique(values: readonly string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) === i);
}
