import { newId } from '@itsm/core';
import type { Knex } from 'knex';
import { keysetPage, type Page } from './keyset';

type Db = Knex | Knex.Transaction;
type Row = Record<string, unknown>;

export interface JournalActor {
  id: string;
  name?: string | null;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** A history row as the API shows it; `Extra` holds further columns of the table (e.g. `{ revision: number }`). */
export type HistoryEntry<Extra extends Row = Record<never, never>> = {
  id: number;
  at: Date;
  actor: { id: string; name: string | null };
  action: string;
} & Extra & {
    field: string | null;
    from: unknown;
    to: unknown;
  };

/**
 * A record's history in `table` (columns id, <owner>, at, actor_id, actor_name, action,
 * the `extra` columns, field, from, to): one row per field change, or one row for an
 * action without field changes; listed in id order.
 */
export function historyJournal<Extra extends Row = Record<never, never>>(table: string, owner: string, extra: (keyof Extra & string)[] = []) {
  const pick = (from: Row) => Object.fromEntries(extra.map((k) => [k, from[k]])) as Extra;
  return {
    async record(trx: Knex.Transaction, record: { id: string } & Extra, actor: JournalActor, at: Date, action: string, changes: FieldChange[]): Promise<void> {
      const base = { [owner]: record.id, at, actor_id: actor.id, actor_name: actor.name ?? null, action, ...pick(record) };
      const rows = changes.length
        ? changes.map((c) => ({ ...base, field: c.field, from: JSON.stringify(c.from ?? null), to: JSON.stringify(c.to ?? null) }))
        : [{ ...base, field: null, from: null, to: null }];
      await trx(table).insert(rows);
    },

    async list(db: Db, id: string, page: { cursor?: string; limit: number }): Promise<Page<HistoryEntry<Extra>>> {
      const res = await keysetPage<Row>(db(table).select('*').where({ [owner]: id }), {
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
          ...pick(r),
          field: (r.field as string | null) ?? null,
          from: r.from ?? null,
          to: r.to ?? null,
        })),
        nextCursor: res.nextCursor,
      };
    },
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

/** A record's work notes and comments in `table` (columns id, <owner>, visibility, body, author_id, author_name, created_at), listed oldest first. */
export function commentJournal(table: string, owner: string) {
  return {
    async insert(trx: Knex.Transaction, id: string, c: { visibility: Visibility; body: string; author: JournalActor; at: Date }): Promise<Comment> {
      const commentId = newId();
      await trx(table).insert({
        id: commentId,
        [owner]: id,
        visibility: c.visibility,
        body: c.body,
        author_id: c.author.id,
        author_name: c.author.name ?? null,
        created_at: c.at,
      });
      return { id: commentId, visibility: c.visibility, body: c.body, author: { id: c.author.id, name: c.author.name ?? null }, createdAt: c.at };
    },

    async list(db: Db, id: string, page: { cursor?: string; limit: number; visibility?: Visibility }): Promise<Page<Comment>> {
      const q = db(table).select('*').where({ [owner]: id });
      if (page.visibility) q.where('visibility', page.visibility);
      const res = await keysetPage<Row>(q, { sort: [{ column: 'created_at', direction: 'asc' }], cursor: page.cursor, limit: page.limit });
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
    },
  };
}
