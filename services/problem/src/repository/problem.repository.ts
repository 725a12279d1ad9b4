import { formatNumber } from '@itsm/core';
import type { Knex } from '@itsm/db';
import { keysetPage, type Page, type SortField } from '@itsm/http';
import type { FixRequest, Problem, State } from '../domain/types';

type Db = Knex | Knex.Transaction;

export const TABLE = 'problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Columns read back (never `search`, the generated full-text vector). */
export const COLUMNS = [
  'id', 'number', 'title', 'description', 'category', 'subcategory', 'symptom', 'ci_ids', 'impact', 'urgency', 'priority',
  'assignment_group', 'owner', 'state', 'root_cause', 'workaround', 'known_error', 'known_error_at', 'resolution_code',
  'resolution_notes', 'fix_change_id', 'fix_change_number', 'fix_request', 'fix_requested_at', 'candidate', 'detection_key',
  'source', 'source_number', 'opened_by', 'opened_at', 'resolved_at', 'closed_at', 'updated_at', 'version',
] as const;

export type ProblemRow = Record<(typeof COLUMNS)[number], unknown>;

export function toRow(p: Problem): ProblemRow {
  return {
    id: p.id,
    number: p.number,
    title: p.title,
    description: p.description,
    category: p.category,
    subcategory: p.subcategory,
    symptom: p.symptom,
    ci_ids: p.ciIds,
    impact: p.impact,
    urgency: p.urgency,
    priority: p.priority,
    assignment_group: p.assignmentGroup,
    owner: p.owner,
    state: p.state,
    root_cause: p.rootCause,
    workaround: p.workaround,
    known_error: p.knownError,
    known_error_at: p.knownErrorAt,
    resolution_code: p.resolutionCode,
    resolution_notes: p.resolutionNotes,
    fix_change_id: p.fixChangeId,
    fix_change_number: p.fixChangeNumber,
    fix_request: p.fixRequest ? JSON.stringify(p.fixRequest) : null,
    fix_requested_at: p.fixRequestedAt,
    candidate: p.candidate,
    detection_key: p.detectionKey,
    source: p.source,
    source_number: p.sourceNumber,
    opened_by: p.openedBy,
    opened_at: p.openedAt,
    resolved_at: p.resolvedAt,
    closed_at: p.closedAt,
    updated_at: p.updatedAt,
    version: p.version,
  };
}

const date = (v: unknown): Date | null => (v == null ? null : new Date(v as string));

export function fromRow(r: Record<string, unknown>): Problem {
  return {
    id: r.id as string,
    number: r.number as string,
    title: r.title as string,
    description: r.description as string,
    category: (r.category as string | null) ?? null,
    subcategory: (r.subcategory as string | null) ?? null,
    symptom: (r.symptom as string | null) ?? null,
    ciIds: (r.ci_ids as string[]) ?? [],
    impact: r.impact as number,
    urgency: r.urgency as number,
    priority: r.priority as number,
    assignmentGroup: (r.assignment_group as string | null) ?? null,
    owner: (r.owner as string | null) ?? null,
    state: r.state as State,
    rootCause: (r.root_cause as string | null) ?? null,
    workaround: (r.workaround as string | null) ?? null,
    knownError: r.known_error as boolean,
    knownErrorAt: date(r.known_error_at),
    resolutionCode: (r.resolution_code as string | null) ?? null,
    resolutionNotes: (r.resolution_notes as string | null) ?? null,
    fixChangeId: (r.fix_change_id as string | null) ?? null,
    fixChangeNumber: (r.fix_change_number as string | null) ?? null,
    fixRequest: (r.fix_request as FixRequest | null) ?? null,
    fixRequestedAt: date(r.fix_requested_at),
    candidate: r.candidate as boolean,
    detectionKey: (r.detection_key as string | null) ?? null,
    source: (r.source as string | null) ?? null,
    sourceNumber: (r.source_number as string | null) ?? null,
    openedBy: r.opened_by as string,
    openedAt: new Date(r.opened_at as string),
    resolvedAt: date(r.resolved_at),
    closedAt: date(r.closed_at),
    updatedAt: new Date(r.updated_at as string),
    version: r.version as number,
  };
}

export async function nextNumber(trx: Db): Promise<string> {
  const { rows } = await trx.raw<{ rows: { n: number }[] }>("SELECT nextval('problem_number_seq') AS n");
  return formatNumber('PRB', rows[0].n);
}

export async function insertProblem(trx: Knex.Transaction, p: Problem): Promise<void> {
  await trx(TABLE).insert(toRow(p));
}

/** Writes the next version of a problem read under lock. */
export async function updateProblem(trx: Knex.Transaction, p: Problem): Promise<void> {
  const { id, ...row } = toRow(p);
  await trx(TABLE).where({ id }).update(row);
}

/** By number (PRB0000001) or id; `lock` takes the row lock that orders the aggregate's writes and events. */
export async function findProblem(db: Db, ref: string, lock = false): Promise<Problem | undefined> {
  const q = db(TABLE).select(COLUMNS).where((w) => {
    w.where('number', ref.toUpperCase());
    if (UUID.test(ref)) w.orWhere('id', ref);
  });
  if (lock) q.forUpdate();
  const row = await q.first();
  return row ? fromRow(row) : undefined;
}

/** Problems named by id or number (a change's `problemIds` may hold either). */
export async function findProblemsByRefs(trx: Knex.Transaction, refs: string[], lock = false): Promise<Problem[]> {
  if (refs.length === 0) return [];
  const q = trx(TABLE)
    .select(COLUMNS)
    .where((w) => {
      w.whereIn('number', refs.map((r) => r.toUpperCase())).orWhereRaw('id::text = ANY(?)', [refs.map((r) => r.toLowerCase())]);
    })
    .orderBy('id');
  if (lock) q.forUpdate();
  return (await q).map(fromRow);
}

export async function findBySource(db: Db, source: string, sourceNumber: string): Promise<Problem | undefined> {
  const row = await db(TABLE).select(COLUMNS).where({ source, source_number: sourceNumber }).first();
  return row ? fromRow(row) : undefined;
}

export interface ProblemFilter {
  state?: State[];
  knownError?: boolean;
  candidate?: boolean;
  category?: string;
  symptom?: string;
  ciId?: string;
  assignmentGroup?: string;
  owner?: string;
  priority?: number[];
  q?: string;
  openedFrom?: Date;
  openedTo?: Date;
}

export function applyFilter(q: Knex.QueryBuilder, f: ProblemFilter): Knex.QueryBuilder {
  if (f.state?.length) q.whereIn('state', f.state);
  if (f.knownError !== undefined) q.where('known_error', f.knownError);
  if (f.candidate !== undefined) q.where('candidate', f.candidate);
  if (f.category) q.whereRaw('lower(category) = lower(?)', [f.category]);
  if (f.symptom) q.whereRaw('lower(symptom) = lower(?)', [f.symptom]);
  if (f.ciId) q.whereRaw('? = ANY(ci_ids)', [f.ciId]);
  if (f.assignmentGroup) q.where('assignment_group', f.assignmentGroup);
  if (f.owner) q.where('owner', f.owner);
  if (f.priority?.length) q.whereIn('priority', f.priority);
  if (f.q) q.whereRaw("search @@ websearch_to_tsquery('english', ?)", [f.q]);
  if (f.openedFrom) q.where('opened_at', '>=', f.openedFrom);
  if (f.openedTo) q.where('opened_at', '<', f.openedTo);
  return q;
}

export async function listProblems(db: Db, f: ProblemFilter, page: { sort: SortField[]; cursor?: string; limit: number }): Promise<Page<Problem>> {
  const q = applyFilter(db(TABLE).select(COLUMNS), f);
  const sort = page.sort.length ? page.sort : [{ field: 'openedAt', column: 'opened_at', direction: 'desc' as const }];
  const res = await keysetPage<Record<string, unknown>>(q, {
    sort: sort.map((s) => ({ column: s.column, direction: s.direction, nullable: NULLABLE_SORT.has(s.column) })),
    cursor: page.cursor,
    limit: page.limit,
  });
  return { items: res.items.map(fromRow), nextCursor: res.nextCursor };
}

const NULLABLE_SORT = new Set(['resolved_at', 'closed_at']);

/** The known error database: full-text ranked when `q` is given, newest known error first otherwise. */
export async function searchKnownErrors(
  db: Knex,
  f: ProblemFilter & { includeRetired?: boolean },
  page: { cursor?: string; limit: number },
): Promise<Page<Problem & { rank: number | null }>> {
  const inner = applyFilter(db(TABLE).select(COLUMNS), { ...f, knownError: true });
  if (!f.includeRetired) inner.whereNotIn('state', ['closed', 'cancelled']);
  else inner.whereNot('state', 'cancelled');
  if (f.q) inner.select(db.raw("ts_rank(search, websearch_to_tsquery('english', ?))::float8 AS rank", [f.q]));
  else inner.select(db.raw('NULL::float8 AS rank'));
  const outer = db.select('*').from(inner.as('k'));
  const res = await keysetPage<Record<string, unknown>>(outer, {
    sort: f.q ? [{ column: 'k.rank', direction: 'desc' }] : [{ column: 'k.known_error_at', direction: 'desc', nullable: true }],
    tieBreaker: 'k.id',
    cursor: page.cursor,
    limit: page.limit,
  });
  return { items: res.items.map((r) => ({ ...fromRow(r), rank: (r.rank as number | null) ?? null })), nextCursor: res.nextCursor };
}

export interface SuggestionQuery {
  ciId: string | null;
  category: string | null;
  symptom: string | null;
  /** words of the incident's title, OR-ed */
  words: string[];
  limit: number;
}

/** Known errors scored for an incident: same CI, same category and symptom, and text overlap. */
export async function suggestKnownErrors(db: Knex, s: SuggestionQuery): Promise<Array<Problem & { score: number; ciMatch: boolean; categoryMatch: boolean; symptomMatch: boolean; textRank: number }>> {
  const tsq = s.words.length ? s.words.join(' | ') : '';
  const { rows } = await db.raw(
    `SELECT * FROM (
       SELECT ${COLUMNS.map((c) => `p.${c}`).join(', ')},
         (?::text IS NOT NULL AND ?::text = ANY(p.ci_ids)) AS ci_match,
         (?::text IS NOT NULL AND lower(p.category) = lower(?::text)) AS category_match,
         (?::text IS NOT NULL AND lower(p.symptom) = lower(?::text)) AS symptom_match,
         CASE WHEN ?::text = '' OR NOT p.search @@ to_tsquery('english', ?::text) THEN 0 ELSE ts_rank(p.search, to_tsquery('english', ?::text)) END::float8 AS text_rank
       FROM problem p
       WHERE p.known_error AND p.state NOT IN ('closed', 'cancelled')
     ) k
     WHERE k.ci_match OR k.category_match OR k.symptom_match OR k.text_rank > 0
     ORDER BY (CASE WHEN k.ci_match THEN 4 ELSE 0 END + CASE WHEN k.category_match THEN 1 ELSE 0 END
               + CASE WHEN k.symptom_match THEN 2 ELSE 0 END + k.text_rank * 10) DESC, k.number
     LIMIT ?`,
    [s.ciId, s.ciId, s.category, s.category, s.symptom, s.symptom, tsq, tsq || 'x', tsq || 'x', s.limit],
  );
  return (rows as Record<string, unknown>[]).map((r) => {
    const ciMatch = r.ci_match as boolean;
    const categoryMatch = r.category_match as boolean;
    const symptomMatch = r.symptom_match as boolean;
    const textRank = r.text_rank as number;
    const score = (ciMatch ? 4 : 0) + (categoryMatch ? 1 : 0) + (symptomMatch ? 2 : 0) + textRank * 10;
    return { ...fromRow(r), score: Math.round(score * 1000) / 1000, ciMatch, categoryMatch, symptomMatch, textRank };
  });
}
