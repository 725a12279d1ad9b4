import { withTransaction, type Knex } from '@itsm/db';
import { appendOutbox, changeEvents } from '@itsm/events';
import { ApplicationFailure } from '@temporalio/common';
import {
  describePolicy,
  type AssessRiskInput,
  type EscalateInput,
  type RecordDecisionInput,
  type RecordVoteInput,
  type RemindApproversInput,
  type RequestApprovalInput,
  type RfcApprovalActivities,
  type RiskAssessment,
} from '@itsm/wf-rfc-approval';
import { applyDecision, isApproved, openRound, recordRisk } from '../domain/change';
import { describeConflict } from '../domain/conflicts';
import { assessRisk } from '../domain/risk';
import { SYSTEM_ACTOR, type Change } from '../domain/types';
import { insertComment } from '../repository/audit.repository';
import { claimFact, insertRound, insertVote, updateRound } from '../repository/approval.repository';
import { listConfigItems } from '../repository/admin.repository';
import { earlierFailures, findChange } from '../repository/change.repository';
import { highest } from '../domain/risk';
import type { ScheduleService } from './schedule.service';
import { commitDecision, eventBase, type ServiceDeps } from './write-path';

/**
 * The approval workflow's activities. Each writes its state and its outbox
 * event in one transaction and is idempotent by a business key (round, vote,
 * reminder, escalation, decision), so Temporal's retries have no second effect.
 */
export function createActivities(deps: ServiceDeps, schedules: ScheduleService): RfcApprovalActivities {
  const tx = <T>(fn: (trx: Knex.Transaction) => Promise<T>) => withTransaction(deps.knex, fn);
  const now = () => deps.clock.now();

  async function locked(trx: Knex.Transaction, rfcNumber: string): Promise<Change> {
    const c = await findChange(trx, rfcNumber, true);
    if (!c) throw ApplicationFailure.nonRetryable(`change ${rfcNumber} does not exist`, 'RFC_NOT_FOUND');
    return c;
  }

  const note = (trx: Knex.Transaction, c: Change, body: string) =>
    insertComment(trx, c.id, { visibility: 'work_note', body, author: SYSTEM_ACTOR, at: now() });

  return {
    async assessRisk(input: AssessRiskInput): Promise<RiskAssessment> {
      return tx(async (trx) => {
        const c = await locked(trx, input.rfcNumber);
        const r = input.riskInputs;
        const cis = await listConfigItems(trx, r.ciIds);
        const conflicts = await schedules.conflictsFor(trx, {
          number: c.number,
          ciIds: r.ciIds,
          plannedStart: r.plannedStart ? new Date(r.plannedStart) : null,
          plannedEnd: r.plannedEnd ? new Date(r.plannedEnd) : null,
        });
        const result = assessRisk({
          impact: r.impact,
          ciCriticality: highest(cis.map((ci) => ci.criticality)) ?? r.ciCriticality ?? null,
          hasTestPlan: r.hasTestPlan,
          hasBackoutPlan: r.hasBackoutPlan,
          earlierFailures: await earlierFailures(trx, r.ciIds, c.id),
          conflicts: conflicts.length,
        });
        if (await claimFact(trx, `assessed:${c.number}:${input.revision}`, c.id, 'assessed', now(), result)) {
          const next = await commitDecision(trx, deps, c, recordRisk(c, input.revision, result.risk, result.reasons), 'risk_assessed', { actor: SYSTEM_ACTOR });
          const { common, base } = eventBase(next, { actor: SYSTEM_ACTOR });
          await appendOutbox(trx, deps.source, [{ ...common, event: changeEvents.assessed, data: { ...base, risk: result.risk, reasons: result.reasons } }]);
        }
        return result;
      });
    },

    async requestApproval(input: RequestApprovalInput): Promise<void> {
      await tx(async (trx) => {
        const c = await locked(trx, input.rfcNumber);
        const opened = await insertRound(trx, c.id, {
          round: input.round,
          revision: input.revision,
          route: input.route,
          group: input.group,
          approvers: input.approvers,
          policy: input.policy,
          risk: input.risk.risk,
          openedAt: new Date(input.openedAt),
          deadline: new Date(input.deadline),
          status: 'open',
        });
        if (!opened) return;
        const next = await commitDecision(trx, deps, c, openRound(c, input.revision, input.round), 'approval_requested', { actor: SYSTEM_ACTOR });
        const { common, base } = eventBase(next, { actor: SYSTEM_ACTOR });
        await appendOutbox(trx, deps.source, [
          {
            ...common,
            event: changeEvents.approvalRequested,
            data: { ...base, round: input.round, approvers: input.approvers, policy: describePolicy(input.policy), deadline: input.deadline },
          },
        ]);
      });
    },

    async remindApprovers(input: RemindApproversInput): Promise<void> {
      await tx(async (trx) => {
        const c = await locked(trx, input.rfcNumber);
        if (!(await claimFact(trx, `reminder:${c.number}:${input.round}:${input.reminder}`, c.id, 'reminder', now(), input))) return;
        await note(trx, c, `Reminder ${input.reminder} of round ${input.round} to ${input.approvers.join(', ')}: vote before ${input.deadline}.`);
        const { common, base } = eventBase(c, { actor: SYSTEM_ACTOR });
        await appendOutbox(trx, deps.source, [
          { ...common, event: changeEvents.approversReminded, data: { ...base, round: input.round, reminder: input.reminder, approvers: input.approvers, deadline: input.deadline } },
        ]);
      });
    },

    async escalate(input: EscalateInput): Promise<void> {
      await tx(async (trx) => {
        const c = await locked(trx, input.rfcNumber);
        if (!(await claimFact(trx, `escalation:${c.number}:${input.round}`, c.id, 'escalation', now(), input))) return;
        await updateRound(trx, c.id, input.round, { tally: input.tally });
        await note(
          trx,
          c,
          `Round ${input.round} passed its deadline ${input.deadline} undecided (awaiting ${input.awaiting.join(', ') || 'nobody'}); escalated to ${input.changeManagers.join(', ')}.`,
        );
        const { common, base } = eventBase(c, { actor: SYSTEM_ACTOR });
        await appendOutbox(trx, deps.source, [
          {
            ...common,
            event: changeEvents.approvalEscalated,
            data: { ...base, round: input.round, changeManagers: input.changeManagers, awaiting: input.awaiting, deadline: input.deadline },
          },
        ]);
      });
    },

    async recordVote(input: RecordVoteInput): Promise<void> {
      await tx(async (trx) => {
        const c = await locked(trx, input.rfcNumber);
        const v = input.vote;
        const inserted = await insertVote(trx, c.id, {
          round: input.round,
          revision: v.revision,
          voter: v.voter,
          decision: v.decision,
          comment: v.comment ?? null,
          castAt: new Date(v.castAt),
        });
        if (!inserted) return;
        await updateRound(trx, c.id, input.round, { tally: input.tally });
        const { common, base } = eventBase(c, { actor: { id: v.voter } });
        await appendOutbox(trx, deps.source, [{ ...common, event: changeEvents.voteCast, data: { ...base, round: input.round, voter: v.voter, decision: v.decision } }]);
      });
    },

    async recordDecision(input: RecordDecisionInput): Promise<void> {
      await tx(async (trx) => {
        const c = await locked(trx, input.rfcNumber);
        if (!(await claimFact(trx, `decision:${c.number}:${input.revision}:${input.outcome}`, c.id, 'decision', now(), input))) return;
        if (input.round !== undefined) {
          await updateRound(trx, c.id, input.round, { status: input.outcome, decidedAt: new Date(input.decidedAt), ...(input.tally ? { tally: input.tally } : {}) });
        }
        const d = applyDecision(c, { outcome: input.outcome, revision: input.revision, round: input.round, reason: input.reason });
        const ec = { actor: SYSTEM_ACTOR };
        const next = await commitDecision(trx, deps, c, d, input.outcome, ec);
        if (input.outcome === 'approved' && isApproved(next) && deps.config.autoSchedule && next.plannedStart && next.plannedEnd) {
          const conflicts = await schedules.conflictsFor(trx, next);
          if (conflicts.length === 0 || next.type === 'emergency') await schedules.scheduleIn(trx, next, ec);
          else await note(trx, next, `Approved but not scheduled: ${conflicts.map(describeConflict).join('; ')}.`);
        }
      });
    },
  };
}
