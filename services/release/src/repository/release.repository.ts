import type { Knex } from '@itsm/db';
import { keysetPage, type Page, type SortField } from '@itsm/http';
import type { Release } from '../domain/types';

type Db = Knex | Knex.Transaction;

export const TABLE = 'release';

const toRow = (r: Release) => ({
  id: r.id,
  number: r.number,
  name: r.name,
  version: r.version,
  description: r.description,
  type: r.type,
  state: r.state,
  changes: JSON.stringify(r.changes),
  change_ids: [...r.changes.map((c) => c.id), ...r.changes.map((c) => c.number)],
  stages: JSON.stringify(r.stages),
  window_start: r.windowStart,
  window_end: r.windowEnd,
  created_by: r.createdBy,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
  workflow_id: r.workflowId,
  deploy_requested_by: r.deployRequestedBy,
  deploy_started_at: r.deployStartedAt,
  ended_at: r.endedAt,
  current_stage: r.currentStage,
  failure: r.failure ? JSON.stringify(r.failure) : null,
  rolled_back_stages: r.rolledBackStages,
  cancel_reason: r.cancelReason,
  record_version: r.recordVersion,
});

const date = (v: unknown): Date | null => (v ? new Date(v as string) : null);

export function fromRow(row: Record<string, unknown>): Release {
  return {
    id: row.id as string,
    number: row.number as string,
    name: row.name as string,
    version: row.version as string,
    description: row.description as string,
    type: row.type as Release['type'],
    state: row.state as Release['state'],
    changes: row.changes as Release['changes'],
    stages: row.stages as Release['stages'],
    windowStart: date(row.window_start),
    windowEnd: date(row.window_end),
    createdBy: row.created_by as string,
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
    workflowId: (row.workflow_id as string | null) ?? null,
    deployRequestedBy: (row.deploy_requested_by as string | null) ?? null,
    deployStartedAt: date(row.deploy_started_at),
    endedAt: date(row.ended_at),
    currentStage: (row.current_stage as string | null) ?? null,
    failure: (row.failure as Release['failure']) ?? null,
    rolledBackStages: (row.rolled_back_stages as string[]) ?? [],
    cancelReason: (row.cancel_reason as string | null) ?? null,
    recordVersion: row.record_version as number,
  };
}

export async function nextNumber(trx: Knex.Transaction): Promise<number> {
  const { rows } = await trx.raw<{ rows: { n: string }[] }>("SELECT nextval('release_number_seq') AS n");
  return Number(rows[0]!.n);
}

export async function insertRelease(trx: Knex.Transaction, r: Release): Promise<void> {
  await trx(TABLE).insert(toRow(r));
}

export async function updateRelease(trx: Knex.Transaction, r: Release): Promise<void> {
  await trx(TABLE).where({ id: r.id }).update(toRow(r));
}

/** By number (REL0000001) or id; `forUpdate` locks the row for the transaction. */
export async function findRelease(db: Db, ref: string, forUpdate = false): Promise<Release | undefined> {
  const q = db(TABLE).select('*');
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) q.where({ id: ref });
  else q.where({ number: ref.toUpperCase() });
  if (forUpdate) q.forUpdate();
  const row = await q.first();
  return row ? fromRow(row) : undefined;
}

export interface ReleaseFilter {
  state?: string[];
  type?: string[];
  change?: string;
  q?: string;
  windowFrom?: Date;
  windowTo?: Date;
}

export async function listReleases(db: Db, f: ReleaseFilter, page: { sort: SortField[]; cursor?: string; limit: number }): Promise<Page<Release>> {
  const q = db(TABLE).select('*');
  if (f.state?.length) q.whereIn('state', f.state);
  if (f.type?.length) q.whereIn('type', f.type);
  if (f.change) q.whereRaw('change_ids @> ARRAY[?]::text[]', [f.change]);
  if (f.q) q.where((w) => w.whereILike('name', `%${f.q}%`).orWhereILike('number', `%${f.q}%`).orWhereILike('version', `%${f.q}%`));
  if (f.windowFrom) q.where('window_start', '>=', f.windowFrom);
  if (f.windowTo) q.where('window_start', '<', f.windowTo);
  const nullable = new Set(['window_start']);
  const res = await keysetPage<Record<string, unknown>>(q, {
    sort: page.sort.map((s) => ({ column: s.column, direction: s.direction, nullable: nullable.has(s.column) })),
    cursor: page.cursor,
    limit: page.limit,
  });
  return { items: res.items.map(fromRow), nextCursor: res.nextCursor };
}
