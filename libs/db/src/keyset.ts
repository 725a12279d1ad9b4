import { BadRequestError } from '@itsm/core';
import type { Knex } from 'knex';

export type SortDirection = 'asc' | 'desc';

export interface SortColumn {
  /** SQL column, may be qualified (`incident.opened_at`). */
  column: string;
  direction: SortDirection;
  /** Row property holding the value; default: the column name after the last dot. */
  key?: string;
  /** Set when the column can be NULL (NULLs sort last ascending, first descending). */
  nullable?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

function badCursor(): BadRequestError {
  return new BadRequestError('The cursor is not valid for this list: start again without it', 'INVALID_CURSOR', {
    errors: [{ field: 'cursor', message: 'is not a valid cursor', in: 'query' }],
  });
}

/** Opaque cursor: base64url of the JSON array of the last row's sort values. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** Decodes `encodeCursor`'s output; anything else -> 400 naming `cursor`. */
export function decodeCursor(s: string): unknown[] {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw badCursor();
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (!Array.isArray(v)) throw badCursor();
    return v;
  } catch {
    throw badCursor();
  }
}

const keyOf = (c: SortColumn) => c.key ?? c.column.slice(c.column.lastIndexOf('.') + 1);

/** Strictly after `v` in column order (ASC NULLS LAST / DESC NULLS FIRST). */
function after(b: Knex.QueryBuilder, c: SortColumn, v: unknown): void {
  if (v === null) {
    if (c.direction === 'asc') b.whereRaw('false');
    else b.whereNotNull(c.column);
    return;
  }
  if (c.direction === 'asc') {
    b.where((w) => {
      w.where(c.column, '>', v as Knex.Value);
      if (c.nullable) w.orWhereNull(c.column);
    });
  } else {
    b.where(c.column, '<', v as Knex.Value);
  }
}

function equal(b: Knex.QueryBuilder, c: SortColumn, v: unknown): void {
  if (v === null) b.whereNull(c.column);
  else b.where(c.column, v as Knex.Value);
}

/**
 * Keyset pagination: orders by `sort` plus the unique `tieBreaker` (default `id`),
 * continues strictly after the cursor's row, fetches `limit + 1` rows and returns
 * one page and the next cursor. When every column has one direction and none is
 * nullable it uses a row-value comparison (`(a, id) > (?, ?)`, index friendly);
 * otherwise the equivalent expanded OR form. A cursor made for another sort is a 400.
 */
export async function keysetPage<T extends Record<string, unknown>>(
  query: Knex.QueryBuilder,
  opts: { sort: SortColumn[]; cursor?: string; limit: number; tieBreaker?: string },
): Promise<Page<T>> {
  const tie = opts.tieBreaker ?? 'id';
  const last = opts.sort[opts.sort.length - 1];
  const cols: SortColumn[] = opts.sort.some((c) => c.column === tie || keyOf(c) === tie)
    ? opts.sort
    : [...opts.sort, { column: tie, direction: last?.direction ?? 'asc' }];
  const signature = cols.map((c) => `${c.column}:${c.direction}`).join(',');

  if (opts.cursor !== undefined) {
    const decoded = decodeCursor(opts.cursor);
    if (decoded[0] !== signature || decoded.length !== cols.length + 1) throw badCursor();
    const values = decoded.slice(1);
    const sameDirection = cols.every((c) => c.direction === cols[0].direction);
    if (sameDirection && !cols.some((c) => c.nullable) && !values.includes(null)) {
      const op = cols[0].direction === 'asc' ? '>' : '<';
      query.whereRaw(`(${cols.map(() => '??').join(', ')}) ${op} (${cols.map(() => '?').join(', ')})`, [
        ...cols.map((c) => c.column),
        ...(values as Knex.Value[]),
      ]);
    } else {
      query.where((outer) => {
        cols.forEach((c, i) => {
          outer.orWhere((b) => {
            for (let j = 0; j < i; j++) equal(b, cols[j], values[j]);
            after(b, c, values[i]);
          });
        });
      });
    }
  }
  for (const c of cols) query.orderByRaw(`?? ${c.direction} nulls ${c.direction === 'asc' ? 'last' : 'first'}`, [c.column]);
  const rows = (await query.limit(opts.limit + 1)) as T[];
  const items = rows.slice(0, opts.limit);
  const lastRow = items[items.length - 1];
  const nextCursor =
    rows.length > opts.limit && lastRow ? encodeCursor([signature, ...cols.map((c) => normalize(lastRow[keyOf(c)]))]) : null;
  return { items, nextCursor };
}

const normalize = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v === undefined ? null : v);
