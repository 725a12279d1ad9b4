import { AppError, NotFoundError } from '@itsm/core';
import { workflowUiUrl } from '@itsm/temporal';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import {
  cancelRfcApproval,
  castVote,
  getApprovalStatus,
  reviseRfc,
  RfcApprovalError,
  startRfcApproval,
  workflowIdFor,
  type ApprovalStatusView,
  type VoteDecision,
  type VoteTally,
} from '@itsm/wf-rfc-approval';
import type { Change } from '../domain/types';
import { listRounds } from '../repository/approval.repository';
import { findChange } from '../repository/change.repository';
import type { ApproverConfig } from './approvers';
import type { Viewer } from './change.service';
import { visible } from './change.service';
import type { ServiceDeps } from './write-path';

class TimeoutError extends Error {}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The RfC's approval workflow, seen from the service: start, revise, cancel, votes and status. */
export class ApprovalService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly approvers: ApproverConfig,
  ) {}

  private get options() {
    return { taskQueue: this.deps.taskQueue, workflowIdPrefix: this.deps.workflowIdPrefix };
  }

  workflowId(number: string): string {
    return this.deps.workflowIdPrefix + workflowIdFor(number);
  }

  uiUrl(number: string): string {
    return workflowUiUrl(this.deps.temporalUiUrl, this.deps.namespace, this.workflowId(number));
  }

  /** From the `submitted` event: starts the approval of the current revision (already started = success). */
  async start(ref: string): Promise<void> {
    const c = await findChange(this.deps.knex, ref);
    if (!c || !['assess', 'authorize'].includes(c.state)) return;
    await startRfcApproval(this.deps.temporal, await this.approvers.approvalInput(this.deps.knex, c), this.options);
  }

  /** From the `revised` event: a new round for the current revision (a new run when the last one decided). */
  async revise(ref: string): Promise<void> {
    const c = await findChange(this.deps.knex, ref);
    if (!c || c.state !== 'assess') return;
    try {
      await reviseRfc(this.deps.temporal, await this.approvers.approvalInput(this.deps.knex, c), { ...this.options, reason: `revision ${c.revision}` });
    } catch (e) {
      if (e instanceof RfcApprovalError && e.code === 'APPROVAL_CANCELLED') {
        this.deps.logger.warn({ change: c.number }, 'revision of a cancelled approval ignored');
        return;
      }
      throw e;
    }
  }

  /** From the `cancelled` event: ends a running approval (harmless when there is none). */
  async cancel(ref: string, reason?: string): Promise<void> {
    await cancelRfcApproval(this.deps.temporal, ref, { ...(reason ? { reason } : {}) }, this.options);
  }

  /**
   * A CAB member or change manager votes on the RfC (the revision they saw,
   * default the current one). The workflow checks membership, the revision and
   * duplicates; the answer is the round's new tally. No answer within the time
   * limit (no worker running) is a 503: the vote may or may not have been
   * taken, so the answer points at the approvals, which show it. Sending the
   * same vote again (a retry after a 503 or a lost answer) answers the tally
   * with `replayed: true`; another decision from the same voter is a 409.
   */
  async vote(ref: string, viewer: Viewer, vote: { decision: VoteDecision; comment?: string; revision?: number }): Promise<VoteTally & { replayed?: boolean }> {
    const c = await findChange(this.deps.knex, ref);
    if (!c || !visible(c, viewer)) throw new NotFoundError('Change', ref);
    const revision = vote.revision ?? c.revision;
    try {
      return await within(
        this.deps.config.voteTimeoutMs,
        castVote(
          this.deps.temporal,
          c.number,
          { voter: viewer.actor.id, decision: vote.decision, revision, ...(vote.comment ? { comment: vote.comment } : {}) },
          this.options,
        ),
      );
    } catch (e) {
      if (e instanceof RfcApprovalError && e.code === 'ALREADY_VOTED') {
        const replay = await this.sameVote(c, viewer.actor.id, vote.decision, revision);
        if (replay) return { ...replay, replayed: true };
      }
      if (e instanceof RfcApprovalError) throw new AppError(e.status, e.code, e.message, { number: c.number, revision: c.revision });
      if (e instanceof TimeoutError || e instanceof ServiceError || isGrpcServiceError(e)) {
        this.deps.logger.warn({ err: e, change: c.number }, 'vote not answered by the approval workflow');
        throw new AppError(503, 'APPROVAL_UNAVAILABLE', `The approval of ${c.number} did not answer in time; the vote may still be taken: check GET /api/v1/changes/${c.number}/approvals before voting again`, { number: c.number });
      }
      throw e;
    }
  }

  /**
   * The tally of the current round when `voter` already cast this very vote in
   * it (a retry); undefined for another decision. A vote still being recorded
   * (the workflow holds it as pending) is waited for, a few seconds at most.
   */
  private async sameVote(c: Change, voter: string, decision: VoteDecision, revision: number): Promise<VoteTally | undefined> {
    for (let i = 0; i < 10; i++) {
      const round = (await this.liveStatus(c))?.current;
      const cast = round?.revision === revision ? round.votes.find((v) => v.voter === voter) : undefined;
      if (round && cast) {
        if (cast.decision !== decision) return undefined;
        return { ...round.tally, round: round.round, revision: round.revision, policy: round.policy, superseded: false };
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    return undefined;
  }

  /** The live status of the approval workflow, or null when it cannot be asked now. */
  async liveStatus(c: Change): Promise<ApprovalStatusView | null> {
    if (c.state === 'new') return null;
    try {
      return await within(3_000, getApprovalStatus(this.deps.temporal, c.number, this.options));
    } catch (e) {
      this.deps.logger.debug({ err: e, change: c.number }, 'approval status not available');
      return null;
    }
  }

  /** Rounds and votes as recorded by the activities (bound to their revisions). */
  async rounds(ref: string, viewer: Viewer) {
    const c = await findChange(this.deps.knex, ref);
    if (!c || !visible(c, viewer)) throw new NotFoundError('Change', ref);
    return { change: c, rounds: await listRounds(this.deps.knex, c.id) };
  }
}
