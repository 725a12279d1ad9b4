import { formatNumber } from '@itsm/core';
import type { Knex } from '@itsm/db';
import type { FieldChange, Incident } from '../domain/types';

type Db = Knex | Knex.Transaction;

/** camelCase field → snake_case column, for every stored field. */
const COLUMNS: Record<keyof Incident, string> = {
  id: 'id',
  number: 'number',
  title: 'title',
  description: 'description',
  callerId: 'caller_id',
  openedBy: 'opened_by',
  contactType: 'contact_type',
  location: 'location',
  category: 'category',
  subcategory: 'subcategory',
  symptom: 'symptom',
  ciId: 'ci_id',
  impact: 'impact',
  urgency: 'urgency',
  priority: 'priority',
  priorityOverride: 'priority_override',
  state: 'state',
  holdReason: 'hold_reason',
  assignmentGroup: 'assignment_group',
  assignee: 'assignee',
  reassignmentCount: 'reassignment_count',
  reopenCount: 'reopen_count',
  parentId: 'parent_id',
  major: 'major',
  problemId: 'problem_id',
  causedByChange: 'caused_by_change',
  awaitingChange: 'awaiting_change',
  resolutionCode: 'resolution_code',
  resolutionNotes: 'resolution_notes',
  knowledge: 'knowledge',
  escalationLevel: 'escalation_level',
  functionalEscalationLevel: 'functional_escalation_level',
  slaBreached: 'sla_breached',
  slaNotices: 'sla_notices',
  sourceMessageId: 'source_message_id',
  source: 'source',
  sourceNumber: 'source_number',
  openedAt: 'opened_at',
  firstResponseAt: 'first_response_at',
  resolvedAt: 'resolved_at',
  closedAt: 'closed_at',
  updatedAt: 'updated_at',
  version: 'version',
};

export const SELECT_COLUMNS = Object.values(COLUMNS);
const FIELD_OF_COLUMN = Object.fromEntries(Object.entries(COLUMNS).map(([f, c]) => [c, f]));
export const columnOf = (field: keyof Incident): string => COLUMNS[field];

export function toRow(inc: Incident): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [f, c] of Object.entries(COLUMNS)) row[c] = inc[f as keyof Incident];
  row.sla_notices = JSON.stringify(inc.slaNotices);
  return row;
}

export function fromRow(row: Record<string, unknown>): Incident {
  const inc: Record<string, unknown> = {};
  for (const [c, v] of Object.entries(row)) {
    const f = FIELD_OF_COLUMN[c];
    if (f) inc[f] = v;
  }
  return inc as unknown as Incident;
}

export async function nextNumber(db: Db): Promise<string> {
  const { rows } = await db.raw<{ rows: { n: number }[] }>("SELECT nextval('incident_number_seq') AS n");
  return formatNumber('INC', rows[0].n);
}

/** A new incident number and the settings in force, in one round trip (every create needs both). */
export async function nextNumberWithSettings(db: Db): Promise<{ number: string; settings: Record<string, unknown> }> {
  const { rows } = await db.raw<{ rows: { n: number; settings: Record<string, unknown> }[] }>(
    "SELECT nextval('incident_number_seq') AS n, coalesce((SELECT jsonb_object_agg(key, value) FROM incident_setting), '{}'::jsonb) AS settings",
  );
  return { number: formatNumber('INC', rows[0].n), settings: rows[0].settings };
}

/** The insert of a new record (a query builder: await it, or hand it to `appendOutbox` to write with the events). */
export function insertIncident(trx: Db, inc: Incident): Knex.QueryBuilder {
  return trx('incident').insert(toRow(inc));
}

/** The update of a changed record; the caller already holds the row lock (findForUpdate). */
export function updateIncident(trx: Db, inc: Incident): Knex.QueryBuilder {
  const { id: _id, number: _n, ...row } = toRow(inc);
  return trx('incident').where({ id: inc.id }).update(row);
}

export async function findByNumber(db: Db, number: string): Promise<Incident | undefined> {
  const row = await db('incident').select(SELECT_COLUMNS).where({ number }).first();
  return row ? fromRow(row) : undefined;
}

/** Locks the row for the rest of the transaction: one writer per incident at a time. */
export async function findForUpdate(trx: Knex.Transaction, number: string): Promise<Incident | undefined> {
  const row = await trx('incident').select(SELECT_COLUMNS).where({ number }).forUpdate().first();
  return row ? fromRow(row) : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** By id (uuid) or number, locked: consumers receive either from other services. */
export async function findRefForUpdate(trx: Knex.Transaction, ref: string): Promise<Incident | undefined> {
  const q = trx('incident').select(SELECT_COLUMNS).forUpdate();
  const row = UUID.test(ref) ? await q.where({ id: ref }).first() : await q.where({ number: ref }).first();
  return row ? fromRow(row) : undefined;
}

export async function findById(db: Db, id: string): Promise<Incident | undefined> {
  const row = await db('incident').select(SELECT_COLUMNS).where({ id }).first();
  return row ? fromRow(row) : undefined;
}

export async function findBySource(db: Db, source: string, sourceNumber: string): Promise<Incident | undefined> {
  const row = await db('incident').select(SELECT_COLUMNS).where({ source, source_number: sourceNumber }).first();
  return row ? fromRow(row) : undefined;
}

export async function childrenForUpdate(trx: Knex.Transaction, parentId: string): Promise<Incident[]> {
  const rows = await trx('incident').select(SELECT_COLUMNS).where({ parent_id: parentId }).orderBy('number').forUpdate();
  return rows.map(fromRow);
}

export async function children(db: Db, parentId: string): Promise<Incident[]> {
  const rows = await db('incident').select(SELECT_COLUMNS).where({ parent_id: parentId }).orderBy('number');
  return rows.map(fromRow);
}

/** Incidents linked to a problem (by its id or number), locked. */
export async function linkedToProblemForUpdate(trx: Knex.Transaction, refs: string[]): Promise<Incident[]> {
  if (refs.length === 0) return [];
  const rows = await trx('incident').select(SELECT_COLUMNS).whereIn('problem_id', refs).orderBy('number').forUpdate();
  return rows.map(fromRow);
}

/** Resolved incidents whose auto-close is due, locked; rows another instance holds are skipped. */
export async function dueForCloseForUpdate(trx: Knex.Transaction, before: Date, limit: number): Promise<Incident[]> {
  const rows = await trx('incident')
    .select(SELECT_COLUMNS)
    .where({ state: 'resolved' })
    .andWhere('resolved_at', '<=', before)
    .orderBy('resolved_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
  return rows.map(fromRow);
}

/** The history rows of one change (a query builder, or undefined when nothing changed). */
export function insertHistory(trx: Db, inc: Incident, actor: { id: string; name?: string }, at: Date, changes: FieldChange[]): Knex.QueryBuilder | undefined {
  if (changes.length === 0) return undefined;
  return trx('incident_history').insert(
    changes.map((c) => ({
      incident_id: inc.id,
      at,
      actor_id: actor.id,
      actor_name: actor.name ?? null,
      field: c.field,
      from_value: JSON.stringify(c.from ?? null),
      to_value: JSON.stringify(c.to ?? null),
      version: inc.version,
    })),
  );
}

export interface HistoryRow {
  at: Date;
  actorId: string;
  actorName: string | null;
  field: string;
  from: unknown;
  to: unknown;
  version: number;
}

export async function history(db: Db, incidentId: string, fields?: readonly string[]): Promise<HistoryRow[]> {
  const q = db('incident_history').where({ incident_id: incidentId }).orderBy([{ column: 'at' }, { column: 'id' }]);
  if (fields) q.whereIn('field', fields as string[]);
  const rows = await q;
  return rows.map((r) => ({ at: r.at, actorId: r.actor_id, actorName: r.actor_name, field: r.field, from: r.from_value, to: r.to_value, version: r.version }));
}
