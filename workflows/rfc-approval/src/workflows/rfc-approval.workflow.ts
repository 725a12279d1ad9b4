/**
 * CAB approval of a request for change.
 *
 * assessRisk → route by type and risk → (standard: approved at once) or a
 * voting round: requestApproval, then votes arrive as `vote` updates until the
 * round's policy decides; reminders go to the approvers who have not voted at
 * each reminder interval; when the deadline passes undecided, the change
 * managers get one escalation per round and the round keeps waiting (or is
 * rejected, with onDeadline 'escalate-and-reject'). A `revise` signal opens a
 * new round for the new revision (risk assessed again); a `cancel` signal ends
 * it. A revision that arrives while a decision is being recorded opens a new
 * round after it, so only the latest revision can end approved.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { RfcApprovalActivities } from '../activities';
import type { RfcApprovalInput, RfcApprovalResult, VoteRecord } from '../definitions';
import {
  cancelSignal,
  inputIssues,
  RECORD_TYPE,
  reviseIssues,
  reviseSignal,
  searchAttributes as sa,
  statusQuery,
  voteUpdate,
} from '../definitions';
import type { ApprovalState, RoundState } from './approval-state';
import {
  currentDetailsText,
  latestRound,
  newState,
  notYetVoted,
  planRoute,
  refuseVote,
  roundTally,
  stateKeyword,
  statusView,
  summarizeRound,
  voteTally,
  waitingForText,
} from './approval-state';

const activities = proxyActivities<RfcApprovalActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** A vote is answered to a waiting caller, so its recording gives up sooner. */
const voteActivities = proxyActivities<Pick<RfcApprovalActivities, 'recordVote'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
});

export async function rfcApprovalWorkflow(input: RfcApprovalInput): Promise<RfcApprovalResult> {
  const state = newState(input);
  registerHandlers(state);
  const issues = inputIssues(input);
  if (issues.length > 0) {
    throw ApplicationFailure.create({ type: 'INVALID_APPROVAL_INPUT', message: issues.join('; '), nonRetryable: true });
  }
  publish(state);

  for (;;) {
    await decideRevision(state);
    const decision = state.decision!;
    if (decision.outcome !== 'cancelled') {
      state.phase = 'recording-decision';
      await condition(allHandlersFinished); // votes still being recorded go first
      await recordDecision(state);
    }
    state.phase = decision.outcome;
    publish(state);
    if (state.cancel === undefined && state.revision > decision.revision) {
      log.info('revision arrived while the decision was recorded; opening a new round', { revision: state.revision });
      state.decision = undefined;
      continue;
    }
    break;
  }
  await condition(allHandlersFinished);
  return result(state);
}

function registerHandlers(state: ApprovalState): void {
  setHandler(statusQuery, () => statusView(state));
  setHandler(
    voteUpdate,
    async (vote) => {
      const round = latestRound(state)!;
      const record: VoteRecord = {
        voter: vote.voter,
        decision: vote.decision,
        ...(vote.comment !== undefined ? { comment: vote.comment } : {}),
        revision: vote.revision,
        round: round.round,
        castAt: new Date().toISOString(),
      };
      round.pendingVoters.push(vote.voter);
      publish(state);
      try {
        const tally = roundTally({ ...round, votes: [...round.votes, record] });
        await voteActivities.recordVote({ ...ref(state, round.revision), round: round.round, vote: record, tally });
      } catch (err) {
        throw ApplicationFailure.create({
          type: 'VOTE_NOT_RECORDED',
          message: `the vote of ${vote.voter} could not be recorded; try again`,
          nonRetryable: true,
          cause: err instanceof Error ? err : undefined,
        });
      } finally {
        round.pendingVoters = round.pendingVoters.filter((v) => v !== vote.voter);
      }
      round.votes.push(record);
      publish(state);
      return voteTally(state, round);
    },
    {
      validator: (vote) => {
        const refusal = refuseVote(state, vote);
        if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true });
      },
    },
  );
  setHandler(reviseSignal, (revise) => {
    const issues = reviseIssues(revise);
    if (state.cancel !== undefined || issues.length > 0 || revise.revision <= state.revision) {
      log.info('revise signal ignored', { revision: revise?.revision, current: state.revision, issues });
      return;
    }
    state.revision = revise.revision;
    if (revise.riskInputs) state.riskInputs = revise.riskInputs;
    if (revise.changeManagers) state.input.changeManagers = revise.changeManagers;
    if (revise.cab) state.input.cab = revise.cab;
    if (revise.ecab) state.input.ecab = revise.ecab;
  });
  setHandler(cancelSignal, (cancel) => {
    if (state.cancel === undefined && state.decision === undefined) state.cancel = cancel ?? {};
  });
}

/** Runs until the current revision is decided or the approval is cancelled. */
async function decideRevision(state: ApprovalState): Promise<void> {
  while (state.decision === undefined) {
    if (state.cancel !== undefined) return decide(state, 'cancelled', 'cancelled');
    const revision = state.revision;
    state.phase = 'assessing';
    publish(state);
    const risk = await activities.assessRisk({
      ...ref(state, revision),
      changeType: state.input.changeType,
      riskInputs: state.riskInputs,
    });
    if (state.cancel !== undefined || state.revision !== revision) continue;
    state.risk = risk;
    const plan = planRoute(state.input, state.input.changeType, risk);
    if (plan === 'pre-approved') {
      state.route = 'pre-approved';
      return decide(state, 'approved', 'pre-approved');
    }
    state.route = plan.route;
    const openedAt = Date.now();
    const round: RoundState = {
      round: state.nextRound++,
      revision,
      route: plan.route,
      group: plan.group,
      approvers: plan.approvers,
      policy: plan.policy,
      openedAt: new Date(openedAt).toISOString(),
      deadline: new Date(openedAt + plan.votingPeriodMs).toISOString(),
      status: 'requesting',
      votes: [],
      pendingVoters: [],
      nextReminderAt: new Date(openedAt + plan.reminderIntervalMs).toISOString(),
      remindersSent: 0,
    };
    state.rounds.push(round);
    state.phase = 'requesting-approval';
    publish(state);
    await activities.requestApproval({
      ...ref(state, revision),
      round: round.round,
      route: plan.route,
      group: plan.group,
      approvers: plan.approvers,
      policy: plan.policy,
      risk,
      openedAt: round.openedAt,
      deadline: round.deadline,
    });
    round.status = 'open';
    state.phase = 'awaiting-votes';
    publish(state);
    await awaitVotes(state, round, plan.reminderIntervalMs);
  }
}

/** Waits for the round's decision, with reminders and one escalation. */
async function awaitVotes(state: ApprovalState, round: RoundState, reminderIntervalMs: number): Promise<void> {
  let rejectForDeadline = false;
  const interrupted = () => state.cancel !== undefined || state.revision !== round.revision;
  const settled = () => interrupted() || roundTally(round).status !== 'waiting' || rejectForDeadline;
  const deadline = Date.parse(round.deadline);
  while (!settled()) {
    const nextReminder = Date.parse(round.nextReminderAt);
    const wakeAt = round.escalatedAt === undefined ? Math.min(nextReminder, deadline) : nextReminder;
    if (await condition(settled, Math.max(1, wakeAt - Date.now()))) break;
    const now = Date.now();
    if (round.escalatedAt === undefined && now >= deadline) {
      await escalate(state, round);
      rejectForDeadline = state.input.onDeadline === 'escalate-and-reject';
    }
    if (now >= nextReminder && !settled()) {
      round.nextReminderAt = new Date(nextReminder + reminderIntervalMs).toISOString();
      if (nextReminder !== deadline) await remind(state, round);
    }
  }
  round.status = 'closed';
  if (state.cancel !== undefined) {
    round.closed = 'cancelled';
    return decide(state, 'cancelled', 'cancelled');
  }
  if (state.revision !== round.revision) {
    round.closed = 'superseded';
    return;
  }
  round.closed = 'decided';
  const status = roundTally(round).status;
  if (status === 'approved' || status === 'rejected') return decide(state, status, 'votes', round.round);
  return decide(state, 'rejected', 'deadline', round.round);
}

async function escalate(state: ApprovalState, round: RoundState): Promise<void> {
  round.escalatedAt = new Date().toISOString();
  state.phase = 'escalated';
  publish(state);
  try {
    await activities.escalate({
      ...ref(state, round.revision),
      round: round.round,
      changeManagers: state.input.changeManagers,
      awaiting: notYetVoted(round),
      tally: roundTally(round),
      deadline: round.deadline,
    });
  } catch (err) {
    log.warn('escalation refused by the service', { round: round.round, error: String(err) });
  }
}

async function remind(state: ApprovalState, round: RoundState): Promise<void> {
  const approvers = notYetVoted(round);
  if (approvers.length === 0) return;
  round.remindersSent += 1;
  try {
    await activities.remindApprovers({
      ...ref(state, round.revision),
      round: round.round,
      reminder: round.remindersSent,
      approvers,
      deadline: round.deadline,
    });
  } catch (err) {
    log.warn('reminder refused by the service', { round: round.round, error: String(err) });
  }
}

function decide(
  state: ApprovalState,
  outcome: 'approved' | 'rejected' | 'cancelled',
  reason: 'pre-approved' | 'votes' | 'deadline' | 'cancelled',
  round?: number,
): void {
  state.decision = {
    outcome,
    reason,
    revision: state.rounds.find((r) => r.round === round)?.revision ?? state.revision,
    ...(round !== undefined ? { round } : {}),
    decidedAt: new Date().toISOString(),
    ...(outcome === 'cancelled' && state.cancel?.reason ? { comment: state.cancel.reason } : {}),
  };
}

async function recordDecision(state: ApprovalState): Promise<void> {
  const decision = state.decision!;
  if (decision.outcome === 'cancelled' || decision.reason === 'cancelled') return;
  const round = state.rounds.find((r) => r.round === decision.round);
  await activities.recordDecision({
    ...ref(state, decision.revision),
    outcome: decision.outcome,
    reason: decision.reason,
    route: state.route!,
    risk: state.risk!,
    ...(round ? { round: round.round, tally: roundTally(round) } : {}),
    decidedAt: decision.decidedAt,
  });
}

function ref(state: ApprovalState, revision: number) {
  return { rfcId: state.input.rfcId, rfcNumber: state.input.rfcNumber, revision };
}

function result(state: ApprovalState): RfcApprovalResult {
  const d = state.decision!;
  return {
    rfcNumber: state.input.rfcNumber,
    outcome: d.outcome,
    reason: d.reason,
    revision: d.revision,
    risk: state.risk,
    route: state.route,
    ...(d.round !== undefined ? { round: d.round } : {}),
    decidedAt: d.decidedAt,
    rounds: state.rounds.map(summarizeRound),
  };
}

/** Search attributes (only the changed ones) and current details for the Temporal UI. */
function publish(state: ApprovalState): void {
  const round = latestRound(state);
  const dueAt = state.decision === undefined && round?.status === 'open' ? new Date(round.deadline) : null;
  const wanted: Record<string, string | Date | null> = {
    ItsmRecordId: state.input.rfcNumber,
    ItsmRecordType: RECORD_TYPE,
    ItsmChangeType: state.input.changeType,
    ItsmRisk: state.risk?.risk ?? null,
    ItsmState: stateKeyword(state),
    ItsmWaitingFor: waitingForText(state) ?? null,
    ItsmDueAt: dueAt,
  };
  const updates: SearchAttributeUpdatePair[] = [];
  const pairs = [
    [sa.recordId, wanted.ItsmRecordId],
    [sa.recordType, wanted.ItsmRecordType],
    [sa.changeType, wanted.ItsmChangeType],
    [sa.risk, wanted.ItsmRisk],
    [sa.state, wanted.ItsmState],
    [sa.waitingFor, wanted.ItsmWaitingFor],
    [sa.dueAt, wanted.ItsmDueAt],
  ] as const;
  for (const [key, value] of pairs) {
    const text = value instanceof Date ? value.toISOString() : value;
    if ((state.published[key.name] ?? null) === text) continue;
    state.published[key.name] = text;
    updates.push({ key, value } as SearchAttributeUpdatePair);
  }
  if (updates.length > 0) upsertSearchAttributes(updates);
  setCurrentDetails(currentDetailsText(state));
}
