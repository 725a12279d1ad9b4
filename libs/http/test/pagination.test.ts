import { createKnex, dropDatabase, ensureDatabase, type Knex } from '@itsm/db';
import { decodeCursor, encodeCursor, keysetPage, paginationQuery, sortQuery, type SortColumn } from '../src/pagination';

const SERVER = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DB = `itsm_test_http_page_${process.env.JEST_WORKER_ID ?? '0'}`;

interface Row extends Record<string, unknown> {
  id: string;
  priority: number;
  opened_at: Date;
  team: string | null;
}

describe('cursor pagination (real Postgres)', () => {
  let knex: Knex;
  const all = async (sort: SortColumn[], limit: number) => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await keysetPage<Row>(knex('item').select('*'), { sort, cursor, limit });
      pages.push(page.items.map((r) => r.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return pages;
  };
  const ordered = async (orderBy: string) => (await knex.raw(`SELECT id FROM item ORDER BY ${orderBy}`)).rows.map((r: Row) => r.id);

  beforeAll(async () => {
    await dropDatabase(SERVER, DB);
    await ensureDatabase(SERVER, DB);
    knex = createKnex({ serverUrl: SERVER, database: DB });
    await knex.raw('CREATE TABLE item (id text PRIMARY KEY, priority int NOT NULL, opened_at timestamptz NOT NULL, team text)');
    // 7 rows; priorities tie (three 2s, three 3s) and so do some opening times.
    const t = (h: number) => new Date(Date.UTC(2026, 0, 5, h)).toISOString();
    await knex('item').insert([
      { id: 'a', priority: 2, opened_at: t(9), team: 'net' },
      { id: 'b', priority: 3, opened_at: t(8), team: null },
      { id: 'c', priority: 2, opened_at: t(9), team: 'db' },
      { id: 'd', priority: 1, opened_at: t(7), team: 'net' },
      { id: 'e', priority: 3, opened_at: t(10), team: null },
      { id: 'f', priority: 2, opened_at: t(8), team: 'app' },
      { id: 'g', priority: 3, opened_at: t(8), team: 'db' },
    ]);
  });
  afterAll(async () => {
    await knex.destroy();
  });

  it('walks three pages over ties in the sort column without gaps or repeats', async () => {
    const pages = await all([{ column: 'priority', direction: 'asc' }], 3);
    expect(pages).toEqual([['d', 'a', 'c'], ['f', 'b', 'e'], ['g']]);
  });

  it('walks descending order by a timestamp with ties (row-value form)', async () => {
    const pages = await all([{ column: 'opened_at', direction: 'desc' }], 3);
    expect(pages.flat()).toEqual(await ordered('opened_at desc, id desc'));
    expect(pages).toHaveLength(3);
  });

  it('walks mixed directions (-priority, opened_at)', async () => {
    const sort: SortColumn[] = [
      { column: 'priority', direction: 'desc' },
      { column: 'opened_at', direction: 'asc' },
    ];
    const pages = await all(sort, 2);
    expect(pages.flat()).toEqual(await ordered('priority desc, opened_at asc, id asc'));
    expect(pages).toHaveLength(4);
  });

  it.each(['asc', 'desc'] as const)('walks a nullable column %s with its NULLs', async (direction) => {
    const pages = await all([{ column: 'team', direction, nullable: true }], 2);
    const nulls = direction === 'asc' ? 'last' : 'first';
    expect(pages.flat()).toEqual(await ordered(`team ${direction} nulls ${nulls}, id ${direction}`));
    expect(new Set(pages.flat()).size).toBe(7);
  });

  it('returns no cursor on the last page', async () => {
    const page = await keysetPage<Row>(knex('item'), { sort: [{ column: 'priority', direction: 'asc' }], limit: 7 });
    expect(page.items).toHaveLength(7);
    expect(page.nextCursor).toBeNull();
  });

  it('keeps the caller filters', async () => {
    const page = await keysetPage<Row>(knex('item').where('priority', 2), { sort: [{ column: 'opened_at', direction: 'asc' }], limit: 2 });
    expect(page.items.map((r) => r.id)).toEqual(['f', 'a']);
    const next = await keysetPage<Row>(knex('item').where('priority', 2), {
      sort: [{ column: 'opened_at', direction: 'asc' }],
      limit: 2,
      cursor: page.nextCursor!,
    });
    expect(next.items.map((r) => r.id)).toEqual(['c']);
  });

  it('answers a garbage cursor, or one made for another sort, with 400 naming cursor', async () => {
    const first = await keysetPage<Row>(knex('item'), { sort: [{ column: 'priority', direction: 'asc' }], limit: 2 });
    for (const cursor of ['%%%', encodeCursor([1, 2]), Buffer.from('{"a":1}').toString('base64url'), first.nextCursor!]) {
      const run = keysetPage<Row>(knex('item'), { sort: [{ column: 'opened_at', direction: 'asc' }], limit: 2, cursor });
      await expect(run).rejects.toMatchObject({ status: 400, code: 'INVALID_CURSOR', details: { errors: [{ field: 'cursor' }] } });
    }
  });

  it('round-trips cursor values', () => {
    expect(decodeCursor(encodeCursor(['x', 2, null, '2026-01-05T09:00:00.000Z']))).toEqual(['x', 2, null, '2026-01-05T09:00:00.000Z']);
  });

  it('defaults and bounds the page size', () => {
    expect(paginationQuery.parse({})).toEqual({ limit: 50 });
    expect(paginationQuery.parse({ limit: '200' }).limit).toBe(200);
    expect(paginationQuery.safeParse({ limit: '201' }).success).toBe(false);
    expect(paginationQuery.safeParse({ limit: '0' }).success).toBe(false);
  });

  it('parses sort lists and refuses unknown or repeated fields', () => {
    const s = sortQuery(['priority', 'opened_at']);
    expect(s.parse('-priority,opened_at')).toEqual([
      { field: 'priority', column: 'priority', direction: 'desc' },
      { field: 'opened_at', column: 'opened_at', direction: 'asc' },
    ]);
    expect(s.parse(undefined)).toEqual([]);
    expect(s.safeParse('password').success).toBe(false);
    expect(s.safeParse('priority,-priority').success).toBe(false);
  });
});
