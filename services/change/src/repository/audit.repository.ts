import { newId } from '@itsm/core';
import type { Knex } from '@itsm/db';
import { keysetPage, type Page } from '@itsm/http';
import type { Actor, FieldChange } from '../domain/types';

type Db = Knex | Knex.Transaction;

export interface HistoryEntry {
  id: number;
  at: Date;
  actor: { id: string; name: string | null };
  action: string;
  revision: number;
  field: string | null;
  from: unknown;
  to: unknown;
}

/** One history row per field change, or one row for an action without field changes. */
export async function recordHistory(
  trx: Knex.Transaction,
  change: { id: string; revision: number },
  actor: Actor,
  at: Date,
  action: string,
  changes: FieldChange[],
): Promise<void> {
  const base = { change_id: change.id, at, actor_id: actor.id, actor_name: actor.name ?? null, action, revision: change.revision };
  const rows = changes.length
    ? changes.map((c) => ({ ...base, field: c.field, from: JSON.stringify(c.from ?? null), to: JSON.stringify(c.to ?? null) }))
    : [{ ...base, field: null, from: null, to: null }];
  await trx('change_history').insert(rows);
}

export async function listHistory(db: Db, changeId: string, page: { cursor?: string; limit: number }): Promise<Page<HistoryEntry>> {
  const res = await keysetPage<Record<string, unknown>>(db('change_history').select('*').where({ change_id: changeId }), {
    sort: [{ column: 'id', direction: 'asc' }],
    cursor: page.cursor,
    limit: page.limit,
  });
  return {
    items: res.items.map((r) => ({
      id: r.id as number,
      at: new Date(r.at as string),
      actor: { id: r.actor_id as string, name: (r.actor_name as string | null) ?? null },
      action: r.action as string,
      revision: r.revision as number,
      field: (r.field as string | null) ?? null,
      from: r.from ?? null,
      to: r.to ?? null,
    })),
    nextCursor: res.nextCursor,
  };
}

export type Visibility = 'work_note' | 'comment';

export interface Comment {
  id: string;
  visibility: Visibility;
  body: string;
  author: { id: string; name: string | null };
  createdAt: Date;
}

export async function insertComment(trx: Knex.Transaction, changeId: string, c: { visibility: Visibility; body: string; author: Actor; at: Date }): Promise<Comment> {
  const id = newId();
  await trx('change_comment').insert({
    id,
    change_id: changeId,
    visibility: c.visibility,
    body: c.body,
    author_id: c.author.id,
    author_name: c.author.name ?? null,
    created_at: c.at,
  });
  return { id, visibility: c.visibility, body: c.body, author: { id: c.author.id, name: c.author.name ?? null }, createdAt: c.at };
}

export async function listComments(db: Db, changeId: string, page: { cursor?: string; limit: number; visibility?: Visibility }): Promise<Page<Comment>> {
  const q = db('change_comment').select('*').where({ change_id: changeId });
  if (page.visibility) q.where('visibility', page.visibility);
  const res = await keysetPage<Record<string, unknown>>(q, { sort: [{ column: 'created_at', direction: 'asc' }], cursor: page.cursor, limit: page.limit });
  return {
    items: res.items.map((r) => ({
      id: r.id as string,
      visibility: r.visibility as Visibility,
      body: r.body as string,
      author: { id: r.author_id as string, name: (r.author_name as string | null) ?? null },
      createdAt: new Date(r.created_at as string),
    })),
    nextCursor: res.nextCursor,
  };
}
