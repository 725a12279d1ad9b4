import type { ApprovalPolicy, ApprovalRound, ApprovalStatus, VoteDecision } from '../src/policy';
import { checkVote, evaluateApproval, overallStatus, policyIssues, tallyRound } from '../src/policy';

const ALL: ApprovalPolicy = { mode: 'ALL' };
const ANY: ApprovalPolicy = { mode: 'ANY' };
const MAJORITY: ApprovalPolicy = { mode: 'MAJORITY' };
const pct = (percent: number): ApprovalPolicy => ({ mode: 'PERCENT', percent });

/** Status after each vote, voters a1..aN voting in order. */
function statusesAfterEachVote(n: number, policy: ApprovalPolicy, votes: VoteDecision[]): ApprovalStatus[] {
  const approvers = Array.from({ length: n }, (_, i) => `a${i + 1}`);
  return votes.map((_, i) =>
    tallyRound(policy, approvers, votes.slice(0, i + 1).map((decision, j) => ({ voter: approvers[j], decision }))).status,
  );
}

describe('approval aggregation (C12)', () => {
  it.each<[string, number, ApprovalPolicy, VoteDecision[], ApprovalStatus[]]>([
    ['A: ALL of 4, one refusal rejects at once', 4, ALL, ['reject'], ['rejected']],
    ['B: 50% of 4, two refusals still wait, two approvals approve', 4, pct(50), ['reject', 'reject', 'approve', 'approve'], ['waiting', 'waiting', 'waiting', 'approved']],
    ["B': 50% of 4, the third refusal rejects", 4, pct(50), ['reject', 'reject', 'reject'], ['waiting', 'waiting', 'rejected']],
    ['C: ALL of 3, two approvals and one pending wait (not rejected)', 3, ALL, ['approve', 'approve', 'approve'], ['waiting', 'waiting', 'approved']],
    ['D: 50% of 3, two approvals approve', 3, pct(50), ['approve', 'approve'], ['waiting', 'approved']],
    ['E: ANY of 3, refusals wait until an approval', 3, ANY, ['reject', 'reject', 'approve'], ['waiting', 'waiting', 'approved']],
    ['ANY of 3, three refusals reject', 3, ANY, ['reject', 'reject', 'reject'], ['waiting', 'waiting', 'rejected']],
    ['MAJORITY of 4 needs three approvals', 4, MAJORITY, ['approve', 'approve', 'approve'], ['waiting', 'waiting', 'approved']],
    ['MAJORITY of 4 is out of reach after two refusals', 4, MAJORITY, ['approve', 'reject', 'reject'], ['waiting', 'waiting', 'rejected']],
    ['MAJORITY of 3: two approvals approve', 3, MAJORITY, ['reject', 'approve', 'approve'], ['waiting', 'waiting', 'approved']],
    ['MAJORITY of 3: two refusals reject', 3, MAJORITY, ['approve', 'reject', 'reject'], ['waiting', 'waiting', 'rejected']],
    ['PERCENT 66 of 3: two approvals (66.67%) approve', 3, pct(66), ['approve', 'approve'], ['waiting', 'approved']],
    ['PERCENT 67 of 3: two approvals (66.67%) do not approve, the third refusal rejects', 3, pct(67), ['approve', 'approve', 'reject'], ['waiting', 'waiting', 'rejected']],
    ['PERCENT 100 of 10: one refusal rejects (never stuck waiting)', 10, pct(100), ['approve', 'reject'], ['waiting', 'rejected']],
  ])('%s', (_name, n, policy, votes, expected) => {
    expect(statusesAfterEachVote(n, policy, votes)).toEqual(expected);
  });

  it('F: a new round supersedes the earlier decision; only the latest round counts', () => {
    const rounds: ApprovalRound[] = [];
    rounds.push({ round: 1, revision: 1, approvers: ['x'], policy: ALL, votes: [] });
    expect(overallStatus(rounds)).toBe('waiting');
    rounds[0].votes.push({ voter: 'x', decision: 'approve' });
    expect(overallStatus(rounds)).toBe('approved');
    rounds.push({ round: 2, revision: 2, approvers: ['y'], policy: ALL, votes: [] });
    expect(overallStatus(rounds)).toBe('waiting');
    rounds[1].votes.push({ voter: 'y', decision: 'reject' });
    expect(overallStatus(rounds)).toBe('rejected');
    rounds.push({ round: 3, revision: 3, approvers: ['z'], policy: ALL, votes: [] });
    expect(overallStatus(rounds)).toBe('waiting');
    rounds[2].votes.push({ voter: 'z', decision: 'approve' });
    expect(overallStatus(rounds)).toBe('approved');
  });

  it('is waiting before any round', () => {
    expect(overallStatus([])).toBe('waiting');
  });

  it('counts only the first vote of each member and ignores non-members', () => {
    const t = tallyRound(ALL, ['a', 'b'], [
      { voter: 'a', decision: 'approve' },
      { voter: 'a', decision: 'reject' },
      { voter: 'mallory', decision: 'reject' },
    ]);
    expect(t).toEqual({ approvers: 2, approvals: 1, rejections: 0, status: 'waiting', awaiting: ['b'] });
  });

  it('counts a member listed twice once', () => {
    expect(tallyRound(ALL, ['a', 'a', 'b'], [{ voter: 'a', decision: 'approve' }]).approvers).toBe(2);
  });

  it('refuses impossible counts and invalid policies', () => {
    expect(() => evaluateApproval(ALL, { approvers: 0, approvals: 0, rejections: 0 })).toThrow(RangeError);
    expect(() => evaluateApproval(ALL, { approvers: 2, approvals: 2, rejections: 1 })).toThrow(RangeError);
    expect(() => evaluateApproval(pct(0), { approvers: 2, approvals: 0, rejections: 0 })).toThrow(RangeError);
    expect(policyIssues(pct(50.5))).toHaveLength(1);
    expect(policyIssues(pct(101))).toHaveLength(1);
    expect(policyIssues({ mode: 'SOME' } as unknown as ApprovalPolicy)).toHaveLength(1);
    expect(policyIssues(pct(1))).toEqual([]);
  });
});

describe('vote check', () => {
  const round: ApprovalRound = { round: 2, revision: 3, approvers: ['alice', 'bob', 'carol'], policy: ALL, votes: [{ voter: 'alice', decision: 'approve' }] };
  const vote = (voter: string, revision = 3) => ({ voter, decision: 'approve' as const, revision });

  it('accepts a member voting on the round revision', () => {
    expect(checkVote(round, vote('bob'))).toBeUndefined();
  });
  it('rejects approval from a non-CAB member', () => {
    expect(checkVote(round, vote('mallory'))?.code).toBe('NOT_AN_APPROVER');
  });
  it('rejects a second vote of the same approver in the round', () => {
    expect(checkVote(round, vote('alice'))?.code).toBe('ALREADY_VOTED');
  });
  it('rejects a vote whose recording is still in flight', () => {
    expect(checkVote(round, vote('bob'), { pendingVoters: ['bob'] })?.code).toBe('ALREADY_VOTED');
  });
  it('rejects a vote on a stale revision', () => {
    expect(checkVote(round, vote('bob', 2))?.code).toBe('STALE_REVISION');
  });
  it('rejects votes on a closed or decided round', () => {
    expect(checkVote(round, vote('bob'), { closed: true })?.code).toBe('VOTING_CLOSED');
    const decided = { ...round, votes: [{ voter: 'alice', decision: 'reject' as const }] };
    expect(checkVote(decided, vote('bob'))?.code).toBe('VOTING_CLOSED');
  });
  it('rejects a vote when no round is open, and malformed votes', () => {
    expect(checkVote(undefined, vote('bob'))?.code).toBe('NO_OPEN_ROUND');
    expect(checkVote(round, { voter: 'bob', decision: 'maybe' as 'approve', revision: 3 })?.code).toBe('INVALID_VOTE');
    expect(checkVote(round, { voter: '', decision: 'approve', revision: 3 })?.code).toBe('INVALID_VOTE');
  });
});
