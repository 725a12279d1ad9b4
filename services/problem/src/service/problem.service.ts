import { NotFoundError, ValidationError, newId } from '@itsm/core';
import { withTransaction, type Knex } from '@itsm/db';
import { assertVersion, runIdempotent, type Page, type SortField } from '@itsm/http';
import {
  createProblem,
  document,
  assertEditable,
  requestFix,
  resolveByChange,
  updateProblem as decideUpdate,
  type ChangeRef,
  type CreateInput,
  type FixRequestInput,
  type UpdateInput,
} from '../domain/problem';
import { SYSTEM_ACTOR, type Actor, type Decision, type Problem } from '../domain/types';
import { insertComment, listComments, listHistory, type Comment, type HistoryEntry, type Visibility } from '../repository/audit.repository';
import { linkedIncidents } from '../repository/link.repository';
import { findProblem, findProblemsByRefs, listProblems, nextNumber, type ProblemFilter } from '../repository/problem.repository';
import { commitDecision, commitNew, type EventContext, type ServiceDeps } from './write-path';

export interface ReplayableResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  replayed: boolean;
}

/** Problem use cases: each one transaction, domain → repository → outbox. */
export class ProblemService {
  constructor(readonly deps: ServiceDeps) {}

  private get knex(): Knex {
    return this.deps.knex;
  }

  /** Creates a problem once per Idempotency-Key (the response is replayed for a repeated key). */
  async create(input: CreateInput, actor: Actor, idempotencyKey: string | undefined, present: (p: Problem) => unknown): Promise<ReplayableResult> {
    return runIdempotent(this.knex, { scope: `problem.create:${actor.id}`, key: idempotencyKey, requestBody: input }, async (trx) => {
      const p = await this.createIn(trx, { ...input, candidate: false, detectionKey: null }, { actor });
      return { status: 201, body: present(p), headers: { ETag: `"${p.version}"`, Location: `/api/v1/problems/${p.number}` } };
    });
  }

  async createIn(trx: Knex.Transaction, input: CreateInput, ec: EventContext, incidents?: Array<{ id: string; number: string }>): Promise<Problem> {
    const d = createProblem(input, { id: newId(), number: await nextNumber(trx), actor: ec.actor, now: this.deps.clock.now(), matrix: this.deps.matrix });
    if (incidents) {
      const created = d.events.find((e) => e.kind === 'created');
      if (created && created.kind === 'created') created.incidents = incidents;
    }
    return commitNew(trx, this.deps, d, ec);
  }

  async get(ref: string): Promise<Problem> {
    const p = await findProblem(this.knex, ref);
    if (!p) throw new NotFoundError('Problem', ref);
    return p;
  }

  list(filter: ProblemFilter, page: { sort: SortField[]; cursor?: string; limit: number }): Promise<Page<Problem>> {
    return listProblems(this.knex, filter, page);
  }

  /** Runs a rule on the locked problem at the version the caller read, and commits its decision. */
  private async change(ref: string, expectedVersion: number | undefined, actor: Actor, action: string, rule: (p: Problem, trx: Knex.Transaction) => Promise<Decision>): Promise<Problem> {
    return withTransaction(this.knex, async (trx) => {
      const p = await findProblem(trx, ref, true);
      if (!p) throw new NotFoundError('Problem', ref);
      if (expectedVersion !== undefined) assertVersion(p.version, expectedVersion);
      const d = await rule(p, trx);
      return commitDecision(trx, this.deps, p, d, action, { actor });
    });
  }

  update(ref: string, patch: UpdateInput, actor: Actor, expectedVersion: number): Promise<Problem> {
    return this.change(ref, expectedVersion, actor, patch.state ? `state:${patch.state}` : 'updated', async (p, trx) =>
      decideUpdate(p, patch, {
        actor,
        now: this.deps.clock.now(),
        matrix: this.deps.matrix,
        openIncidents: patch.state === 'closed' || patch.state === 'cancelled' ? await linkedIncidents(trx, p.id, true) : [],
      }),
    );
  }

  /** Publishes (or replaces) the workaround: a known error, and a work note on every linked open incident. */
  publishWorkaround(ref: string, workaround: string, actor: Actor, expectedVersion: number): Promise<Problem> {
    return this.change(ref, expectedVersion, actor, 'workaround_published', async (p) => {
      assertEditable(p);
      return document(p, { workaround }, this.deps.clock.now());
    });
  }

  /** Records the problem as a known error with its root cause and/or workaround. */
  recordKnownError(ref: string, input: { rootCause?: string; workaround?: string }, actor: Actor, expectedVersion: number): Promise<Problem> {
    if (!input.rootCause && !input.workaround) {
      throw new ValidationError('A known error needs a root cause or a workaround', [
        { field: 'rootCause', message: 'give rootCause or workaround (or both)' },
      ]);
    }
    return this.change(ref, expectedVersion, actor, 'known_error_recorded', async (p) => {
      assertEditable(p);
      return document(p, input, this.deps.clock.now());
    });
  }

  requestFix(ref: string, input: FixRequestInput, actor: Actor, expectedVersion: number): Promise<Problem> {
    return this.change(ref, expectedVersion, actor, 'fix_requested', async (p) => requestFix(p, input, { actor, now: this.deps.clock.now() }));
  }

  /**
   * A change that lists problems was implemented: each open problem records it as
   * its fix and moves to resolved when the table allows it; otherwise a work note
   * tells the problem manager. Runs in the consumer's inbox transaction.
   */
  async resolveByChangeIn(trx: Knex.Transaction, problemRefs: string[], change: ChangeRef, ec: EventContext): Promise<Problem[]> {
    const out: Problem[] = [];
    for (const p of await findProblemsByRefs(trx, problemRefs, true)) {
      const d = resolveByChange(p, change, this.deps.clock.now());
      if (!d) continue;
      const next = await commitDecision(trx, this.deps, p, d, d.resolved ? 'resolved_by_change' : 'fix_change_recorded', ec);
      if (!d.resolved) {
        await insertComment(trx, p.id, {
          visibility: 'work_note',
          body: `Change ${change.number} that fixes this problem was implemented while the problem was in state ${p.state}; resolve the problem once the fix is verified.`,
          author: SYSTEM_ACTOR,
          at: this.deps.clock.now(),
        });
      }
      out.push(next);
    }
    return out;
  }

  /** Comments and work notes are appended without a precondition: they never conflict with field edits. */
  async addComment(ref: string, input: { body: string; visibility: Visibility }, actor: Actor): Promise<Comment> {
    return withTransaction(this.knex, async (trx) => {
      const p = await findProblem(trx, ref);
      if (!p) throw new NotFoundError('Problem', ref);
      return insertComment(trx, p.id, { ...input, author: actor, at: this.deps.clock.now() });
    });
  }

  async comments(ref: string, page: { cursor?: string; limit: number; visibility?: Visibility }): Promise<Page<Comment>> {
    const p = await this.get(ref);
    return listComments(this.knex, p.id, page);
  }

  async history(ref: string, page: { cursor?: string; limit: number }): Promise<Page<HistoryEntry>> {
    const p = await this.get(ref);
    return listHistory(this.knex, p.id, page);
  }
}
