import type { Knex } from '@itsm/db';
import { implementByRelease, startImplementation } from '../domain/change';
import { SYSTEM_ACTOR, type Change, type Outcome } from '../domain/types';
import { insertComment } from '../repository/audit.repository';
import { findBySourceKey, findChangesByRefs, openChangesForProblem } from '../repository/change.repository';
import type { ChangeService } from './change.service';
import { commitDecision, type EventContext, type ServiceDeps } from './write-path';

export interface FixRequest {
  problemId: string;
  problemNumber: string;
  title: string;
  description: string;
  justification: string;
  type: 'standard' | 'normal' | 'emergency';
  ciIds: string[];
  requestedBy?: string;
  rootCause?: string | null;
  workaround?: string | null;
}

export interface ReleaseRef {
  id: string;
  number: string;
}

/** What other services tell the change service: problems asking for a fix, releases deploying changes. */
export class IntakeService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly changes: ChangeService,
  ) {}

  /**
   * A problem asks for its fix: a normal RfC draft linked to the problem
   * (once per request event; while an open RfC already fixes the problem, a
   * work note on it instead of a second RfC).
   */
  async raiseFix(trx: Knex.Transaction, request: FixRequest, sourceKey: string, ec: EventContext): Promise<Change> {
    const existing = (await findBySourceKey(trx, sourceKey)) ?? (await openChangesForProblem(trx, [request.problemId, request.problemNumber]))[0];
    if (existing) {
      if (existing.sourceKey !== sourceKey) {
        await insertComment(trx, existing.id, {
          visibility: 'work_note',
          body: `Problem ${request.problemNumber} asked again for a fix; this change already addresses it.`,
          author: SYSTEM_ACTOR,
          at: this.deps.clock.now(),
        });
      }
      return existing;
    }
    const description = [
      request.description,
      request.rootCause ? `Root cause: ${request.rootCause}` : '',
      request.workaround ? `Workaround in place: ${request.workaround}` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    const actor = request.requestedBy ? { id: request.requestedBy } : ec.actor;
    return this.changes.createIn(
      trx,
      {
        title: request.title,
        description,
        justification: request.justification,
        type: request.type === 'standard' ? 'normal' : request.type,
        ciIds: request.ciIds,
        problemIds: [request.problemId],
        sourceKey,
      },
      { ...ec, actor },
    );
  }

  /** A release deployed, failed or rolled back with these changes: each records the outcome (implemented / failed / backed out). */
  async releaseOutcome(trx: Knex.Transaction, changeRefs: string[], release: ReleaseRef, outcome: Outcome, ec: EventContext): Promise<Change[]> {
    const out: Change[] = [];
    for (const c of await findChangesByRefs(trx, changeRefs)) {
      const now = this.deps.clock.now();
      const d = implementByRelease(c, outcome, now);
      if (!d) {
        await this.skip(trx, c, `Release ${release.number} reported ${outcome} for this change while it was in state ${c.state}; nothing changed.`);
        continue;
      }
      out.push(await commitDecision(trx, this.deps, c, d, `release_${outcome}`, ec));
    }
    return out;
  }

  /** A release started deploying these changes: scheduled → implement. */
  async releaseStarted(trx: Knex.Transaction, changeRefs: string[], release: ReleaseRef, ec: EventContext): Promise<void> {
    for (const c of await findChangesByRefs(trx, changeRefs)) {
      if (c.state !== 'scheduled') continue;
      try {
        await commitDecision(trx, this.deps, c, startImplementation(c, this.deps.clock.now()), 'implementation_started', ec);
      } catch (e) {
        await this.skip(trx, c, `Release ${release.number} started deploying this change, but it cannot start: ${(e as Error).message}`);
      }
    }
  }

  private async skip(trx: Knex.Transaction, c: Change, body: string): Promise<void> {
    this.deps.logger.warn({ change: c.number, state: c.state }, body);
    await insertComment(trx, c.id, { visibility: 'work_note', body, author: SYSTEM_ACTOR, at: this.deps.clock.now() });
  }
}
