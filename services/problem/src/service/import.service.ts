import { ValidationError, newId } from '@itsm/core';
import { isUniqueViolation, withTransaction, type Knex } from '@itsm/db';
import { appendOutbox, problemEvents } from '@itsm/events';
import { matrixPriority } from '../domain/priority';
import type { Actor, Problem, State } from '../domain/types';
import { recordHistory } from '../repository/audit.repository';
import { findBySource, insertProblem, nextNumber } from '../repository/problem.repository';
import { by, snapshot, type ServiceDeps } from './write-path';

export interface ImportRecord {
  source: string;
  sourceNumber: string;
  title: string;
  description?: string;
  category?: string | null;
  subcategory?: string | null;
  symptom?: string | null;
  ciIds?: string[];
  impact: number;
  urgency: number;
  assignmentGroup?: string | null;
  owner?: string | null;
  state: State;
  rootCause?: string | null;
  workaround?: string | null;
  knownError?: boolean;
  resolutionCode?: string | null;
  resolutionNotes?: string | null;
  fixChangeNumber?: string | null;
  openedBy?: string;
  openedAt: string;
  resolvedAt?: string | null;
  closedAt?: string | null;
}

export interface ImportResult {
  created: Array<{ sourceNumber: string; number: string }>;
  skipped: Array<{ sourceNumber: string; number: string; reason: string }>;
}

/** The timeline a historical record must respect: opened ≤ resolved ≤ closed, and the dates its state implies. */
export function checkImportRecord(r: ImportRecord, index: number): Array<{ field: string; message: string }> {
  const issues: Array<{ field: string; message: string }> = [];
  const at = (f: string) => `records.${index}.${f}`;
  const opened = Date.parse(r.openedAt);
  if ((r.state === 'resolved' || r.state === 'closed') && !r.resolvedAt) issues.push({ field: at('resolvedAt'), message: `is required for state ${r.state}` });
  if ((r.state === 'closed' || r.state === 'cancelled') && !r.closedAt) issues.push({ field: at('closedAt'), message: `is required for state ${r.state}` });
  if (r.resolvedAt && Date.parse(r.resolvedAt) < opened) issues.push({ field: at('resolvedAt'), message: 'is before openedAt' });
  if (r.closedAt && Date.parse(r.closedAt) < Date.parse(r.resolvedAt ?? r.openedAt)) issues.push({ field: at('closedAt'), message: 'is before resolvedAt/openedAt' });
  return issues;
}

/**
 * Import of historical problems (migration from another tool): idempotent by
 * (source, source number); records keep their historical state and dates
 * (no transitions are replayed) and get a PRB number of this system.
 */
export class ImportService {
  constructor(private readonly deps: ServiceDeps) {}

  async import(records: ImportRecord[], actor: Actor): Promise<ImportResult> {
    const issues = records.flatMap((r, i) => checkImportRecord(r, i));
    if (issues.length) throw new ValidationError('Some records are not consistent', issues);
    const result: ImportResult = { created: [], skipped: [] };
    for (const r of records) {
      try {
        const out = await withTransaction(this.deps.knex, (trx) => this.importOne(trx, r, actor));
        if (out.created) result.created.push({ sourceNumber: r.sourceNumber, number: out.number });
        else result.skipped.push({ sourceNumber: r.sourceNumber, number: out.number, reason: 'already imported' });
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        const existing = await findBySource(this.deps.knex, r.source, r.sourceNumber);
        result.skipped.push({ sourceNumber: r.sourceNumber, number: existing?.number ?? '', reason: 'already imported' });
      }
    }
    return result;
  }

  private async importOne(trx: Knex.Transaction, r: ImportRecord, actor: Actor): Promise<{ created: boolean; number: string }> {
    const existing = await findBySource(trx, r.source, r.sourceNumber);
    if (existing) return { created: false, number: existing.number };
    const openedAt = new Date(r.openedAt);
    const lastAt = new Date(r.closedAt ?? r.resolvedAt ?? r.openedAt);
    const knownError = r.knownError ?? !!(r.rootCause || r.workaround);
    const p: Problem = {
      id: newId(),
      number: await nextNumber(trx),
      title: r.title,
      description: r.description ?? '',
      category: r.category ?? null,
      subcategory: r.subcategory ?? null,
      symptom: r.symptom ?? null,
      ciIds: [...new Set(r.ciIds ?? [])],
      impact: r.impact,
      urgency: r.urgency,
      priority: matrixPriority(this.deps.matrix, r.impact, r.urgency),
      assignmentGroup: r.assignmentGroup ?? null,
      owner: r.owner ?? null,
      state: r.state,
      rootCause: r.rootCause ?? null,
      workaround: r.workaround ?? null,
      knownError,
      knownErrorAt: knownError ? openedAt : null,
      resolutionCode: r.resolutionCode ?? null,
      resolutionNotes: r.resolutionNotes ?? null,
      fixChangeId: null,
      fixChangeNumber: r.fixChangeNumber ?? null,
      fixRequest: null,
      fixRequestedAt: null,
      candidate: false,
      detectionKey: null,
      source: r.source,
      sourceNumber: r.sourceNumber,
      openedBy: r.openedBy ?? actor.id,
      openedAt,
      resolvedAt: r.resolvedAt ? new Date(r.resolvedAt) : null,
      closedAt: r.closedAt ? new Date(r.closedAt) : null,
      updatedAt: lastAt,
      version: 1,
    };
    await insertProblem(trx, p);
    await recordHistory(trx, p, actor, this.deps.clock.now(), 'imported', [
      { field: 'source', from: null, to: `${r.source}:${r.sourceNumber}` },
    ]);
    await appendOutbox(trx, this.deps.source, [
      {
        event: problemEvents.imported,
        subject: p.number,
        version: p.version,
        occurredAt: openedAt,
        data: { problem: snapshot(p), by: by(actor), source: r.source, sourceNumber: r.sourceNumber },
      },
    ]);
    return { created: true, number: p.number };
  }
}
