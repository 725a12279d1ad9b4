import type { Knex } from '@itsm/db';
import type { ChangeCopy } from '../domain/types';

type Db = Knex | Knex.Transaction;

const fromRow = (r: Record<string, unknown>): ChangeCopy => ({
  id: r.id as string,
  number: r.number as string,
  title: r.title as string,
  type: r.type as string,
  state: r.state as string,
  approvalStatus: (r.approval_status as string | null) ?? null,
  revision: (r.revision as number | null) ?? null,
  approvedRevision: (r.approved_revision as number | null) ?? null,
});

/** Changes by id or number. */
export async function findChanges(db: Db, refs: string[]): Promise<ChangeCopy[]> {
  if (refs.length === 0) return [];
  const rows = await db('change_copy').select('*').whereIn('id', refs).orWhereIn('number', refs);
  return rows.map(fromRow);
}

/** Changes in the states a release may carry them from (scheduled, authorize), by number. */
export async function candidateChanges(db: Db, limit = 500): Promise<ChangeCopy[]> {
  const rows = await db('change_copy').select('*').whereIn('state', ['scheduled', 'authorize']).orderBy('number').limit(limit);
  return rows.map(fromRow);
}

export interface ChangeCopyWrite extends ChangeCopy {
  sourceVersion: number | null;
  eventType: string;
  at: Date;
}

/** Upserts the copy; an event older than the copy (lower change version) changes nothing. */
export async function upsertChange(trx: Knex.Transaction, c: ChangeCopyWrite): Promise<void> {
  const row = {
    id: c.id,
    number: c.number,
    title: c.title,
    type: c.type,
    state: c.state,
    approval_status: c.approvalStatus,
    revision: c.revision,
    approved_revision: c.approvedRevision,
    source_version: c.sourceVersion,
    last_event_type: c.eventType,
    updated_at: c.at,
  };
  await trx.raw(
    `INSERT INTO change_copy (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map(() => '?').join(', ')})
     ON CONFLICT (id) DO UPDATE SET ${Object.keys(row)
       .filter((k) => k !== 'id')
       .map((k) => `${k} = EXCLUDED.${k}`)
       .join(', ')}
     WHERE change_copy.source_version IS NULL OR EXCLUDED.source_version IS NULL OR EXCLUDED.source_version >= change_copy.source_version`,
    Object.values(row) as Knex.Value[],
  );
}
