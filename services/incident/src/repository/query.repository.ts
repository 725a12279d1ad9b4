import type { Knex } from '@itsm/db';
import { keysetPage, type Page, type SortField } from '@itsm/http';
import type { Incident } from '../domain/types';
import { SELECT_COLUMNS, fromRow } from './incident.repository';

export interface IncidentFilter {
  state?: string[];
  priority?: number[];
  group?: string;
  assignee?: string;
  caller?: string;
  ci?: string;
  category?: string;
  subcategory?: string;
  major?: boolean;
  problem?: string;
  openedFrom?: Date;
  openedTo?: Date;
  updatedFrom?: Date;
  updatedTo?: Date;
  /** full-text query over title and description (websearch syntax: words, "phrases", or, -not) */
  q?: string;
  /** requesters: only incidents of these callers (themself, and their organisation when it shares tickets) */
  callers?: string[];
}

export const SORTABLE = { openedAt: 'opened_at', updatedAt: 'updated_at', priority: 'priority', number: 'number' } as const;

function applyFilter(q: Knex.QueryBuilder, f: IncidentFilter): Knex.QueryBuilder {
  if (f.callers !== undefined) q.whereIn('caller_id', f.callers);
  if (f.state?.length) q.whereIn('state', f.state);
  if (f.priority?.length) q.whereIn('priority', f.priority);
  if (f.group !== undefined) q.where('assignment_group', f.group);
  if (f.assignee !== undefined) q.where('assignee', f.assignee);
  if (f.caller !== undefined) q.where('caller_id', f.caller);
  if (f.ci !== undefined) q.where('ci_id', f.ci);
  if (f.category !== undefined) q.where('category', f.category);
  if (f.subcategory !== undefined) q.where('subcategory', f.subcategory);
  if (f.major !== undefined) q.where('major', f.major);
  if (f.problem !== undefined) q.where('problem_id', f.problem);
  if (f.openedFrom) q.where('opened_at', '>=', f.openedFrom);
  if (f.openedTo) q.where('opened_at', '<', f.openedTo);
  if (f.updatedFrom) q.where('updated_at', '>=', f.updatedFrom);
  if (f.updatedTo) q.where('updated_at', '<', f.updatedTo);
  if (f.q) q.whereRaw(`search @@ websearch_to_tsquery('simple', ?)`, [f.q]);
  return q;
}

export async function listIncidents(db: Knex, f: IncidentFilter, sort: SortField[], limit: number, cursor?: string): Promise<Page<Incident>> {
  const q = applyFilter(db('incident').select(SELECT_COLUMNS), f);
  const cols = sort.length ? sort : [{ field: 'openedAt', column: 'opened_at', direction: 'desc' as const }];
  const page = await keysetPage<Record<string, unknown>>(q, {
    sort: cols.map((s) => ({ column: s.column, direction: s.direction })),
    cursor,
    limit,
  });
  return { items: page.items.map(fromRow), nextCursor: page.nextCursor };
}

/** How many incidents match (search answers carry a total, capped to keep it cheap). */
export async function countIncidents(db: Knex, f: IncidentFilter, cap = 10_000): Promise<number> {
  const inner = applyFilter(db('incident').select('id'), f).limit(cap);
  const { rows } = await db.raw<{ rows: { n: number }[] }>('SELECT count(*)::int AS n FROM (?) AS m', [inner]);
  return rows[0].n;
}

/** Incidents with similar titles (trigram similarity), nearest first. */
export async function similarIncidents(db: Knex, title: string, excludeId: string, limit: number, callers?: string[]): Promise<Incident[]> {
  const q = db('incident')
    .select(SELECT_COLUMNS)
    .whereRaw('title % ?', [title])
    .whereNot('id', excludeId)
    .orderByRaw('title <-> ?', [title])
    .limit(limit);
  if (callers !== undefined) q.whereIn('caller_id', callers);
  return (await q).map(fromRow);
}
