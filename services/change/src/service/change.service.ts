import { AppError, ForbiddenError, NotFoundError, ValidationError, newId } from '@itsm/core';
import { withTransaction, type Knex } from '@itsm/db';
import { assertVersion, runIdempotent, type Page, type SortField } from '@itsm/http';
import {
  assertApiTarget,
  cancel,
  close,
  complete,
  createChange,
  startImplementation,
  submit,
  updateChange,
  type ChangeFields,
  type ChangePatch,
} from '../domain/change';
import { assertTransition } from '../domain/lifecycle';
import type { Actor, Change, Decision, Outcome, State } from '../domain/types';
import { insertComment, listComments, listHistory, type Comment, type HistoryEntry, type Visibility } from '../repository/audit.repository';
import { findTemplate } from '../repository/admin.repository';
import { findChange, listChanges, nextNumber, type ChangeFilter } from '../repository/change.repository';
import type { ApproverConfig } from './approvers';
import type { ScheduleService } from './schedule.service';
import { commitDecision, commitNew, type EventContext, type ServiceDeps } from './write-path';

/** Who reads: staff see every RfC; a requester only their own (others are 404, C18). */
export interface Viewer {
  actor: Actor;
  staff: boolean;
}

export interface ReplayableResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  replayed: boolean;
}

/** Body of a state change through PATCH, the action endpoints or the bulk endpoint. */
export interface TransitionInput {
  state: State;
  outcome?: Outcome;
  outcomeNotes?: string;
  pir?: string;
  reason?: string;
}

/** RfC use cases: each one transaction, domain → repository → outbox. */
export class ChangeService {
  constructor(
    readonly deps: ServiceDeps,
    private readonly approvers: ApproverConfig,
    private readonly schedules: ScheduleService,
  ) {}

  private get knex(): Knex {
    return this.deps.knex;
  }

  /** Creates a draft RfC once per Idempotency-Key (the response is replayed for a repeated key). */
  create(input: ChangeFields, actor: Actor, idempotencyKey: string | undefined, present: (c: Change) => unknown): Promise<ReplayableResult> {
    return runIdempotent(this.knex, { scope: `change.create:${actor.id}`, key: idempotencyKey, requestBody: input }, async (trx) => {
      const c = await this.createIn(trx, input, { actor });
      return { status: 201, body: present(c), headers: { ETag: `"${c.version}"`, Location: `/api/v1/changes/${c.number}` } };
    });
  }

  async createIn(trx: Knex.Transaction, input: ChangeFields, ec: EventContext): Promise<Change> {
    if (input.cabGroup) await this.approvers.assertCabGroup(trx, input.cabGroup);
    const d = createChange(input, { id: newId(), number: await nextNumber(trx), actor: ec.actor, now: this.deps.clock.now() });
    return commitNew(trx, this.deps, d, ec);
  }

  /**
   * A standard change from the catalogue: the template's plans, CIs and impact,
   * submitted at once (pre-approved by the workflow). The requester's short route.
   */
  createStandard(
    templateId: string,
    input: { title?: string; description?: string; plannedStart?: Date | null; plannedEnd?: Date | null; ciIds?: string[] },
    actor: Actor,
    idempotencyKey: string | undefined,
    present: (c: Change) => unknown,
  ): Promise<ReplayableResult> {
    return runIdempotent(this.knex, { scope: `change.standard:${actor.id}`, key: idempotencyKey, requestBody: { templateId, ...input } }, async (trx) => {
      const t = await findTemplate(trx, templateId);
      if (!t || !t.active) {
        throw new ValidationError('No active standard change template with this id', [{ field: 'templateId', message: 'is not an active template of the catalogue' }]);
      }
      const draft = await this.createIn(
        trx,
        {
          title: input.title ?? t.name,
          description: input.description ?? t.description,
          justification: `Standard change from the catalogue: ${t.name}`,
          type: 'standard',
          category: t.category,
          ciIds: input.ciIds ?? t.ciIds,
          impact: t.impact,
          implementationPlan: t.implementationPlan,
          backoutPlan: t.backoutPlan,
          testPlan: t.testPlan,
          plannedStart: input.plannedStart ?? null,
          plannedEnd: input.plannedEnd ?? null,
          templateId: t.id,
        },
        { actor },
      );
      const c = await this.submitIn(trx, draft, { actor });
      return { status: 201, body: present(c), headers: { ETag: `"${c.version}"`, Location: `/api/v1/changes/${c.number}` } };
    });
  }

  async get(ref: string, viewer?: Viewer): Promise<Change> {
    const c = await findChange(this.knex, ref);
    if (!c || (viewer && !visible(c, viewer))) throw new NotFoundError('Change', ref);
    return c;
  }

  list(filter: ChangeFilter, page: { sort: SortField[]; cursor?: string; limit: number }, viewer: Viewer): Promise<Page<Change>> {
    return listChanges(this.knex, viewer.staff ? filter : { ...filter, requestedBy: viewer.actor.id }, page);
  }

  /** Runs a rule on the locked change at the version the caller read, and commits its decision. */
  async change(
    ref: string,
    expectedVersion: number | undefined,
    ec: EventContext,
    action: string,
    rule: (c: Change, trx: Knex.Transaction) => Promise<Decision>,
  ): Promise<Change> {
    return withTransaction(this.knex, async (trx) => {
      const c = await findChange(trx, ref, true);
      if (!c) throw new NotFoundError('Change', ref);
      if (expectedVersion !== undefined) assertVersion(c.version, expectedVersion);
      const d = await rule(c, trx);
      return commitDecision(trx, this.deps, c, d, action, ec);
    });
  }

  /** Field edits and/or a state change (PATCH). A refused part leaves the record unchanged. */
  async update(ref: string, patch: ChangePatch & { state?: State } & Omit<TransitionInput, 'state'>, actor: Actor, expectedVersion: number): Promise<Change> {
    const { state, outcome, outcomeNotes, pir, reason, ...fields } = patch;
    return withTransaction(this.knex, async (trx) => {
      const c = await findChange(trx, ref, true);
      if (!c) throw new NotFoundError('Change', ref);
      assertVersion(c.version, expectedVersion);
      if (fields.cabGroup) await this.approvers.assertCabGroup(trx, fields.cabGroup);
      const edited = updateChange(c, fields);
      let current = await commitDecision(trx, this.deps, c, edited, 'updated', { actor });
      if (state !== undefined && state !== current.state) {
        current = await this.transitionIn(trx, current, { state, outcome, outcomeNotes, pir, reason }, { actor });
      }
      return current;
    });
  }

  /** Moves the change to `to` through the same rules as the action endpoints. */
  transition(ref: string, input: TransitionInput, actor: Actor, expectedVersion?: number): Promise<Change> {
    return withTransaction(this.knex, async (trx) => {
      const c = await findChange(trx, ref, true);
      if (!c) throw new NotFoundError('Change', ref);
      if (expectedVersion !== undefined) assertVersion(c.version, expectedVersion);
      return this.transitionIn(trx, c, input, { actor });
    });
  }

  async transitionIn(trx: Knex.Transaction, c: Change, input: TransitionInput, ec: EventContext): Promise<Change> {
    const now = this.deps.clock.now();
    assertApiTarget(c, input.state);
    switch (input.state) {
      case 'assess':
        return this.submitIn(trx, c, ec);
      case 'scheduled':
        return this.schedules.scheduleIn(trx, c, ec);
      case 'implement':
        return commitDecision(trx, this.deps, c, startImplementation(c, now), 'implementation_started', ec);
      case 'review': {
        assertTransition(c.number, c.state, 'review');
        if (!input.outcome) throw new ValidationError('Completing the implementation needs its outcome', [{ field: 'outcome', message: 'is required' }]);
        return commitDecision(trx, this.deps, c, complete(c, input.outcome, input.outcomeNotes ?? null, now), 'implemented', ec);
      }
      case 'closed':
        return commitDecision(trx, this.deps, c, close(c, input.pir, now), 'closed', ec);
      case 'cancelled':
        return commitDecision(trx, this.deps, c, cancel(c, input.reason, now), 'cancelled', ec);
      default:
        assertTransition(c.number, c.state, input.state);
        throw new AppError(409, 'INVALID_TRANSITION', `Change ${c.number}: ${input.state} cannot be requested`);
    }
  }

  /** new → assess (or a rejected RfC resubmitted as a new revision); checks the approvers are configured. */
  async submitIn(trx: Knex.Transaction, c: Change, ec: EventContext): Promise<Change> {
    const d = submit(c, this.deps.clock.now());
    await this.approvers.approvalInput(trx, d.next);
    return commitDecision(trx, this.deps, c, d, 'submitted', ec);
  }

  /** One state change per RfC; each answered on its own (a refusal leaves that RfC unchanged). */
  async bulkTransition(refs: string[], input: TransitionInput, actor: Actor): Promise<Array<{ number: string; status: number; version?: number; state?: State; error?: { code: string; message: string } }>> {
    const out = [];
    for (const ref of refs) {
      try {
        const c = await this.transition(ref, input, actor);
        out.push({ number: c.number, status: 200, version: c.version, state: c.state });
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        out.push({ number: ref, status: e.status, error: { code: e.code, message: e.message } });
      }
    }
    return out;
  }

  /** Comments and work notes are appended without a precondition: they never conflict with field edits. */
  async addComment(ref: string, input: { body: string; visibility: Visibility }, viewer: Viewer): Promise<Comment> {
    if (!viewer.staff && input.visibility === 'work_note') throw new ForbiddenError('Requesters add comments, not work notes');
    return withTransaction(this.knex, async (trx) => {
      const c = await findChange(trx, ref);
      if (!c || !visible(c, viewer)) throw new NotFoundError('Change', ref);
      return insertComment(trx, c.id, { ...input, author: viewer.actor, at: this.deps.clock.now() });
    });
  }

  async comments(ref: string, page: { cursor?: string; limit: number; visibility?: Visibility }, viewer: Viewer): Promise<Page<Comment>> {
    const c = await this.get(ref, viewer);
    return listComments(this.knex, c.id, viewer.staff ? page : { ...page, visibility: 'comment' });
  }

  async history(ref: string, page: { cursor?: string; limit: number }): Promise<Page<HistoryEntry>> {
    const c = await this.get(ref);
    return listHistory(this.knex, c.id, page);
  }
}

export function visible(c: Change, viewer: Viewer): boolean {
  return viewer.staff || c.requestedBy === viewer.actor.id;
}
