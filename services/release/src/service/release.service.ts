import { formatNumber, newId, NotFoundError } from '@itsm/core';
import type { Knex } from '@itsm/db';
import { assertVersion, type Page, type SortField } from '@itsm/http';
import type { StageDefinition } from '@itsm/wf-release-deployment';
import { isEligible, resolveChanges } from '../domain/changes';
import { cancelRelease, createRelease, scheduleRelease, updateRelease, type ReleasePatch } from '../domain/release';
import type { Actor, ChangeCopy, Release, ReleaseType } from '../domain/types';
import { listHistory, type HistoryEntry } from '../repository/audit.repository';
import { candidateChanges, findChanges } from '../repository/change-copy.repository';
import { findRelease, listReleases, nextNumber, type ReleaseFilter } from '../repository/release.repository';
import { commitDecision, commitNew, type ServiceDeps } from './write-path';

export interface CreateReleaseCommand {
  name: string;
  version: string;
  description?: string;
  type: ReleaseType;
  /** change ids or numbers */
  changes: string[];
  stages: StageDefinition[];
  window?: { start: string; end?: string } | null;
}

export type UpdateReleaseCommand = Partial<Omit<CreateReleaseCommand, 'changes'>> & { changes?: string[] };

const windowOf = (w: CreateReleaseCommand['window']) =>
  w === undefined ? {} : { windowStart: w ? new Date(w.start) : null, windowEnd: w?.end ? new Date(w.end) : null };

/** Use cases of the release record: create, edit, schedule, cancel, read. */
export class ReleaseService {
  constructor(readonly deps: ServiceDeps) {}

  /** Creates a planned release in the caller's transaction (runIdempotent's). */
  async create(trx: Knex.Transaction, cmd: CreateReleaseCommand, actor: Actor): Promise<Release> {
    const changes = resolveChanges(cmd.changes, await findChanges(trx, cmd.changes));
    const number = formatNumber('REL', await nextNumber(trx));
    const d = createRelease(
      { name: cmd.name, version: cmd.version, description: cmd.description, type: cmd.type, changes, stages: cmd.stages, ...windowOf(cmd.window) },
      { id: newId(), number, now: this.deps.clock.now(), actor },
    );
    return commitNew(trx, this.deps, d, { actor });
  }

  async update(number: string, cmd: UpdateReleaseCommand, expectedVersion: number, actor: Actor): Promise<Release> {
    return this.deps.knex.transaction(async (trx) => {
      const r = await this.lock(trx, number);
      assertVersion(r.recordVersion, expectedVersion);
      const patch: ReleasePatch = {
        name: cmd.name,
        version: cmd.version,
        description: cmd.description,
        type: cmd.type,
        stages: cmd.stages,
        ...windowOf(cmd.window),
      };
      if (cmd.changes) patch.changes = resolveChanges(cmd.changes, await findChanges(trx, cmd.changes));
      return commitDecision(trx, this.deps, r, updateRelease(r, patch), 'updated', { actor });
    });
  }

  async schedule(number: string, expectedVersion: number, actor: Actor): Promise<Release> {
    return this.deps.knex.transaction(async (trx) => {
      const r = await this.lock(trx, number);
      assertVersion(r.recordVersion, expectedVersion);
      // the changes must still be approved or scheduled
      resolveChanges(r.changes.map((c) => c.id), await findChanges(trx, r.changes.map((c) => c.id)));
      return commitDecision(trx, this.deps, r, scheduleRelease(r, this.deps.clock.now()), 'scheduled', { actor });
    });
  }

  async cancel(number: string, reason: string, expectedVersion: number, actor: Actor): Promise<Release> {
    return this.deps.knex.transaction(async (trx) => {
      const r = await this.lock(trx, number);
      assertVersion(r.recordVersion, expectedVersion);
      return commitDecision(trx, this.deps, r, cancelRelease(r, reason, this.deps.clock.now()), 'cancelled', { actor });
    });
  }

  async get(number: string): Promise<Release> {
    const r = await findRelease(this.deps.knex, number);
    if (!r) throw new NotFoundError('Release', number);
    return r;
  }

  list(filter: ReleaseFilter, page: { sort: SortField[]; cursor?: string; limit: number }): Promise<Page<Release>> {
    return listReleases(this.deps.knex, filter, page);
  }

  async history(number: string, page: { cursor?: string; limit: number }): Promise<Page<HistoryEntry>> {
    const r = await this.get(number);
    return listHistory(this.deps.knex, r.id, page);
  }

  /** The changes a release may carry now (approved or scheduled, per the read copy). */
  async eligibleChanges(): Promise<ChangeCopy[]> {
    return (await candidateChanges(this.deps.knex)).filter(isEligible);
  }

  async lock(trx: Knex.Transaction, number: string): Promise<Release> {
    const r = await findRelease(trx, number, true);
    if (!r) throw new NotFoundError('Release', number);
    return r;
  }
}
