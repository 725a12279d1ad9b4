import type { Knex } from '@itsm/db';
import { keysetPage, type Page } from '@itsm/http';
import type { Actor, FieldChange } from '../domain/types';

type Db = Knex | Knex.Transaction;

export interface HistoryEntry {
  id: number;
  at: Date;
  actor: { id: string; name: string | null };
  action: string;
  field: string | null;
  from: unknown;
  to: unknown;
}

/** One history row per field change, or one row for an action without field changes. */
export async function recordHistory(trx: Knex.Transaction, releaseId: string, actor: Actor, at: Date, action: string, changes: FieldChange[]): Promise<void> {
  const base = { release_id: releaseId, at, actor_id: actor.id, actor_name: actor.name ?? null, action };
  const rows = changes.length
    ? changes.map((c) => ({ ...base, field: c.field, from: JSON.stringify(c.from ?? null), to: JSON.stringify(c.to ?? null) }))
    : [{ ...base, field: null, from: null, to: null }];
  await trx('release_history').insert(rows);
}

export async function listHistory(db: Db, releaseId: string, page: { cursor?: string; limit: number }): Promise<Page<HistoryEntry>> {
  const res = await keysetPage<Record<string, unknown>>(db('release_history').select('*').where({ release_id: releaseId }), {
    sort: [{ column: 'id', direction: 'asc' }],
    cursor: page.cursor,
    limit: page.limit,
  });
  return {
    items: res.items.map((r) => ({
      id: Number(r.id),
      at: new Date(r.at as string),
      actor: { id: r.actor_id as string, name: (r.actor_name as string | null) ?? null },
      action: r.action as string,
      field: (r.field as string | null) ?? null,
      from: r.from ?? null,
      to: r.to ?? null,
    })),
    nextCursor: res.nextCursor,
  };
}
