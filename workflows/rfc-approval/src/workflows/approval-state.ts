/**
 * The workflow's state (plain JSON) and the pure functions that read it:
 * routing, tallies, the vote check, the status view and the texts operators
 * see in the Temporal UI. No Temporal calls here.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import type {
  ApprovalPhase,
  ApprovalRoute,
  ApprovalStatusView,
  CancelInput,
  ChangeType,
  DecisionRecord,
  RfcApprovalInput,
  RiskAssessment,
  RiskInputs,
  RoundSummary,
  VoteInput,
  VoteRecord,
  VoteTally,
} from '../definitions';
import { DEFAULT_TIMING } from '../definitions';
import type { ApprovalPolicy, RoundTally, VoteRefusal } from '../policy';
import { checkVote, describePolicy, tallyRound } from '../policy';

export interface RoundState {
  round: number;
  revision: number;
  route: Exclude<ApprovalRoute, 'pre-approved'>;
  group: string;
  approvers: string[];
  policy: ApprovalPolicy;
  openedAt: string;
  deadline: string;
  /** requesting: the approval request is being recorded; open: takes votes. */
  status: 'requesting' | 'open' | 'closed';
  closed?: RoundSummary['closed'];
  votes: VoteRecord[];
  /** Voters whose vote is being recorded right now. */
  pendingVoters: string[];
  nextReminderAt: string;
  remindersSent: number;
  escalatedAt?: string;
}

export interface ApprovalState {
  input: RfcApprovalInput;
  revision: number;
  riskInputs: RiskInputs;
  phase: ApprovalPhase;
  risk?: RiskAssessment;
  route?: ApprovalRoute;
  rounds: RoundState[];
  nextRound: number;
  decision?: DecisionRecord;
  cancel?: CancelInput;
  /** Search attribute values last upserted (ISO text for times). */
  published: Record<string, string | null>;
}

export function newState(input: RfcApprovalInput): ApprovalState {
  return {
    input: { ...input },
    revision: input.revision,
    riskInputs: input.riskInputs,
    phase: 'assessing',
    rounds: [],
    nextRound: input.firstRound ?? 1,
    published: {},
  };
}

export interface RoutePlan {
  route: Exclude<ApprovalRoute, 'pre-approved'>;
  group: string;
  approvers: string[];
  policy: ApprovalPolicy;
  votingPeriodMs: number;
  reminderIntervalMs: number;
}

/** standard: pre-approved; normal: change manager (low risk) or CAB; emergency: ECAB. */
export function planRoute(input: RfcApprovalInput, changeType: ChangeType, risk: RiskAssessment): RoutePlan | 'pre-approved' {
  const timing = { ...DEFAULT_TIMING, ...input.timing };
  const normal = { votingPeriodMs: msToNumber(timing.votingPeriod), reminderIntervalMs: msToNumber(timing.reminderInterval) };
  switch (changeType) {
    case 'standard':
      return 'pre-approved';
    case 'emergency': {
      const ecab = input.ecab ?? input.cab;
      return {
        route: 'ecab',
        group: ecab.name,
        approvers: unique(ecab.members),
        policy: ecab.policy,
        votingPeriodMs: msToNumber(timing.emergencyVotingPeriod),
        reminderIntervalMs: msToNumber(timing.emergencyReminderInterval),
      };
    }
    case 'normal':
      return risk.risk === 'low'
        ? { route: 'change-manager', group: 'Change management', approvers: unique(input.changeManagers), policy: { mode: 'ANY' }, ...normal }
        : { route: 'cab', group: input.cab.name, approvers: unique(input.cab.members), policy: input.cab.policy, ...normal };
  }
}

export function latestRound(state: ApprovalState): RoundState | undefined {
  return state.rounds[state.rounds.length - 1];
}

export function roundTally(round: RoundState): RoundTally {
  return tallyRound(round.policy, round.approvers, round.votes);
}

/** Approvers who have neither voted nor a vote being recorded. */
export function notYetVoted(round: RoundState): string[] {
  return roundTally(round).awaiting.filter((a) => !round.pendingVoters.includes(a));
}

export function voteTally(state: ApprovalState, round: RoundState): VoteTally {
  return {
    round: round.round,
    revision: round.revision,
    policy: round.policy,
    ...roundTally(round),
    superseded: latestRound(state) !== round || state.revision !== round.revision,
  };
}

/** Why the workflow refuses a vote right now, or undefined. */
export function refuseVote(state: ApprovalState, vote: VoteInput): { code: VoteRefusal; message: string } | undefined {
  const latest = latestRound(state);
  const votable = latest !== undefined && latest.status !== 'requesting' && latest.revision === state.revision;
  return checkVote(votable ? latest : undefined, vote, {
    closed: latest?.status === 'closed' || state.decision !== undefined || state.cancel !== undefined,
    pendingVoters: latest?.pendingVoters,
  });
}

export function summarizeRound(round: RoundState): RoundSummary {
  const { status: _status, pendingVoters: _pending, nextReminderAt: _next, ...rest } = round;
  return { ...rest, votes: [...round.votes], tally: roundTally(round) };
}

export function statusView(state: ApprovalState): ApprovalStatusView {
  const latest = latestRound(state);
  const open = latest?.status === 'open' ? latest : undefined;
  const status = state.decision?.outcome ?? (latest ? roundTally(latest).status : 'waiting');
  return {
    rfcNumber: state.input.rfcNumber,
    revision: state.revision,
    phase: state.phase,
    risk: state.risk,
    route: state.route,
    current: latest && summarizeRound(latest),
    status: status === 'cancelled' ? 'cancelled' : status,
    waitingFor: open ? notYetVoted(open) : [],
    deadline: open?.deadline,
    decision: state.decision,
    rounds: state.rounds.map(summarizeRound),
  };
}

/** "2026-12-05T10:00Z" */
export function shortTime(iso: string): string {
  return iso.slice(0, 16) + 'Z';
}

const WAITING_FOR_MAX = 250;

/** ItsmWaitingFor: "votes from alice, bob until 2026-12-05T10:00Z", or undefined when not waiting. */
export function waitingForText(state: ApprovalState): string | undefined {
  if (state.decision !== undefined) return undefined;
  if (state.phase === 'assessing') return 'risk assessment';
  if (state.phase === 'requesting-approval') return 'approval request to be recorded';
  if (state.phase === 'recording-decision') return 'decision to be recorded';
  const round = latestRound(state);
  if (round === undefined || round.status !== 'open') return undefined;
  const who = notYetVoted(round);
  const until = ` until ${shortTime(round.deadline)}${round.escalatedAt ? ' (overdue, escalated)' : ''}`;
  let names = who.join(', ');
  if (names.length + until.length + 11 > WAITING_FOR_MAX) {
    const shown: string[] = [];
    for (const w of who) {
      if ([...shown, w].join(', ').length + until.length + 30 > WAITING_FOR_MAX) break;
      shown.push(w);
    }
    names = `${shown.join(', ')} +${who.length - shown.length} more`;
  }
  return who.length === 0 ? `votes being recorded${until}` : `votes from ${names}${until}`;
}

/** ItsmState: assessing / awaiting-votes / escalated / approved / rejected / cancelled. */
export function stateKeyword(state: ApprovalState): string {
  if (state.decision !== undefined) return state.decision.outcome;
  switch (state.phase) {
    case 'assessing':
      return 'assessing';
    case 'escalated':
      return 'escalated';
    default:
      return 'awaiting-votes';
  }
}

/** Current details (Temporal markdown), shown in the UI: what it waits for, until when. */
export function currentDetailsText(state: ApprovalState): string {
  const { rfcNumber } = state.input;
  const lines = [`**${rfcNumber}** revision ${state.revision} · ${stateKeyword(state)}`];
  if (state.risk) lines.push(`Risk: ${state.risk.risk}${state.risk.reasons.length ? ` (${state.risk.reasons.join('; ')})` : ''}`);
  const round = latestRound(state);
  if (round && round.revision === state.revision) {
    const t = roundTally(round);
    lines.push(
      `Round ${round.round} · ${round.group} · policy ${describePolicy(round.policy)} · ` +
        `${t.approvals} approve, ${t.rejections} reject of ${t.approvers} → ${t.status}`,
    );
    if (round.escalatedAt) lines.push(`Deadline passed; escalated to the change managers at ${shortTime(round.escalatedAt)}`);
  }
  if (state.decision) {
    lines.push(`Decision: ${state.decision.outcome} (${state.decision.reason}) at ${shortTime(state.decision.decidedAt)}`);
  } else {
    const waiting = waitingForText(state);
    if (waiting) lines.push(`Waiting for ${waiting}`);
  }
  return lines.join('\n');
}

function unique(values: readonly string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) === i);
}
