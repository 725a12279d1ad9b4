/** Tickets (read copy), their facts, clocks and clock history (knex only). */
import type { Knex } from '@itsm/db';
import type { ClockCalendar, ClockDefinition, ClockKind } from '@itsm/wf-sla-clock';
import type { SlaTarget } from '@itsm/business-time';
import type { TicketFact } from '../domain/timeline';
import type { TicketRecord } from '../domain/types';

type Db = Knex | Knex.Transaction;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

export interface ClockRecord {
  id: string;
  ticketNumber: string;
  ticketId: string;
  ticketType: string;
  kind: ClockKind;
  target: SlaTarget;
  group: string | null;
  definitionId: string;
  definition: ClockDefinition;
  calendarId: string;
  calendar: ClockCalendar;
  workflowId: string;
  status: string;
  dueAt: Date | null;
  priority: number | null;
  elapsedMs: number;
  pausedMs: number;
  breachedAt: Date | null;
  stoppedAt: Date | null;
  openedAt: Date;
  importedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface HistoryRecord {
  id: number;
  clockId: string;
  at: Date;
  kind: string;
  factKey: string | null;
  historical: boolean;
  details: Record<string, unknown>;
  by: string | null;
  recordedAt: Date;
}

export function ticketFromRow(r: Row): TicketRecord {
  return {
    number: r.number,
    id: r.id,
    type: r.type,
    callerId: r.caller_id,
    state: r.state,
    priority: r.priority,
    category: r.category,
    ciId: r.ci_id,
    service: r.service,
    assignmentGroup: r.assignment_group,
    assignee: r.assignee,
    openedAt: r.opened_at,
    importedAt: r.imported_at,
    version: r.version,
  };
}

/** Inserts or refreshes the read copy; an older event (lower version) does not overwrite a newer one. Returns the stored ticket. */
export async function upsertTicket(trx: Knex.Transaction, t: TicketRecord): Promise<TicketRecord> {
  const row = {
    number: t.number,
    id: t.id,
    type: t.type,
    caller_id: t.callerId,
    state: t.state,
    priority: t.priority,
    category: t.category,
    ci_id: t.ciId,
    service: t.service,
    assignment_group: t.assignmentGroup,
    assignee: t.assignee,
    opened_at: t.openedAt,
    imported_at: t.importedAt,
    version: t.version,
    updated_at: trx.fn.now(),
  };
  const { imported_at: _ignored, ...update } = row;
  const [stored] = await trx('ticket')
    .insert(row)
    .onConflict('number')
    .merge({ ...update, ...(t.importedAt ? { imported_at: t.importedAt } : {}) })
    .whereRaw('ticket.version IS NULL OR excluded.version IS NULL OR ticket.version <= excluded.version')
    .returning('*');
  // written (and so locked) by the upsert; else an older event: lock and read what is stored
  return ticketFromRow(stored ?? (await trx('ticket').where({ number: t.number }).forUpdate().first()));
}

export async function findTicket(db: Db, number: string): Promise<TicketRecord | undefined> {
  const r = await db('ticket').where({ number }).first();
  return r ? ticketFromRow(r) : undefined;
}

const factRow = (ticketNumber: string, f: TicketFact) => ({
  id: f.id,
  ticket_number: ticketNumber,
  at: new Date(f.at),
  kind: f.kind,
  state: f.state ?? null,
  priority: f.priority === undefined ? null : Number(f.priority),
  assignment_group: f.assignmentGroup ?? null,
  has_group: f.assignmentGroup !== undefined,
  assignee: f.assignee ?? null,
  event_type: f.eventType,
});

const factFromRow = (r: Row): TicketFact => {
  const f: TicketFact = { id: r.id, at: new Date(r.at).getTime(), kind: r.kind, eventType: r.event_type };
  if (r.state !== null) f.state = r.state;
  if (r.priority !== null) f.priority = String(r.priority);
  if (r.has_group) f.assignmentGroup = r.assignment_group;
  if (r.assignee !== null) f.assignee = r.assignee;
  return f;
};

/** Stores new facts; returns those that were new (by id). */
export async function insertFacts(trx: Knex.Transaction, ticketNumber: string, facts: TicketFact[]): Promise<TicketFact[]> {
  return (await addFacts(trx, ticketNumber, facts)).added;
}

/**
 * Stores new facts (by id) and reads the ticket's whole timeline, in one
 * statement: `all` in timeline order (at, then arrival), `added` those that
 * were new.
 */
export async function addFacts(trx: Knex.Transaction, ticketNumber: string, facts: TicketFact[]): Promise<{ all: TicketFact[]; added: TicketFact[] }> {
  if (facts.length === 0) return { all: await listFacts(trx, ticketNumber), added: [] };
  const insert = trx('ticket_fact').insert(facts.map((f) => factRow(ticketNumber, f))).onConflict('id').ignore().returning('*');
  // a statement's own inserts are not visible to its other parts: the stored rows and the new ones, together
  const { rows } = await trx.raw<{ rows: Row[] }>(
    `WITH added AS (?)
     SELECT *, false AS added FROM ticket_fact WHERE ticket_number = ?
     UNION ALL SELECT *, true AS added FROM added
     ORDER BY at, seq`,
    [insert, ticketNumber],
  );
  const all = rows.map(factFromRow);
  return { all, added: all.filter((_, i) => rows[i]!.added) };
}

/** The timelines of many tickets (one query per 5,000 tickets), each in timeline order. */
export async function factsOfTickets(db: Db, ticketNumbers: readonly string[]): Promise<Map<string, TicketFact[]>> {
  const out = new Map<string, TicketFact[]>(ticketNumbers.map((n) => [n, []]));
  for (let i = 0; i < ticketNumbers.length; i += 5000) {
    const rows = await db('ticket_fact')
      .whereIn('ticket_number', ticketNumbers.slice(i, i + 5000))
      .orderBy([{ column: 'ticket_number' }, { column: 'at' }, { column: 'seq' }]);
    for (const r of rows) out.get(r.ticket_number)!.push(factFromRow(r));
  }
  return out;
}

/** The current assignment group of many tickets (one query per 5,000 tickets). */
export async function assignmentGroupsOf(db: Db, ticketNumbers: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (let i = 0; i < ticketNumbers.length; i += 5000) {
    const rows = await db('ticket').whereIn('number', ticketNumbers.slice(i, i + 5000)).select('number', 'assignment_group');
    for (const r of rows) out.set(r.number, r.assignment_group ?? null);
  }
  return out;
}

export async function listFacts(db: Db, ticketNumber: string): Promise<TicketFact[]> {
  const rows = await db('ticket_fact').where({ ticket_number: ticketNumber }).orderBy([{ column: 'at' }, { column: 'seq' }]);
  return rows.map(factFromRow);
}

export function clockFromRow(r: Row): ClockRecord {
  return {
    id: r.id,
    ticketNumber: r.ticket_number,
    ticketId: r.ticket_id,
    ticketType: r.ticket_type,
    kind: r.kind,
    target: r.target,
    group: r.group,
    definitionId: r.definition_id,
    definition: r.definition,
    calendarId: r.calendar_id,
    calendar: r.calendar,
    workflowId: r.workflow_id,
    status: r.status,
    dueAt: r.due_at,
    priority: r.priority,
    elapsedMs: Number(r.elapsed_ms),
    pausedMs: Number(r.paused_ms),
    breachedAt: r.breached_at,
    stoppedAt: r.stopped_at,
    openedAt: r.opened_at,
    importedAt: r.imported_at,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function clockToRow(c: ClockRecord): Row {
  return {
    id: c.id,
    ticket_number: c.ticketNumber,
    ticket_id: c.ticketId,
    ticket_type: c.ticketType,
    kind: c.kind,
    target: c.target,
    group: c.group,
    definition_id: c.definitionId,
    definition: JSON.stringify(c.definition),
    calendar_id: c.calendarId,
    calendar: JSON.stringify(c.calendar),
    workflow_id: c.workflowId,
    status: c.status,
    due_at: c.dueAt,
    priority: c.priority,
    elapsed_ms: c.elapsedMs,
    paused_ms: c.pausedMs,
    breached_at: c.breachedAt,
    stopped_at: c.stoppedAt,
    opened_at: c.openedAt,
    imported_at: c.importedAt,
    version: c.version,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

/** The insert of new clocks (a query builder: await it, or write it with the events through `appendOutbox`). */
export function insertClocks(trx: Knex.Transaction, clocks: readonly ClockRecord[]): Knex.QueryBuilder | undefined {
  return clocks.length ? trx('sla_clock').insert(clocks.map(clockToRow)) : undefined;
}

/** The update of one clock row (a query builder, as `insertClocks`). */
export function updateClock(trx: Knex.Transaction, c: ClockRecord): Knex.QueryBuilder {
  return trx('sla_clock').where({ id: c.id }).update(clockToRow(c));
}

export async function findClock(db: Db, id: string, forUpdate = false): Promise<ClockRecord | undefined> {
  const q = db('sla_clock').where({ id }).first();
  if (forUpdate) q.forUpdate();
  const r = await q;
  return r ? clockFromRow(r) : undefined;
}

export async function clocksOfTicket(db: Db, ticketNumber: string, forUpdate = false): Promise<ClockRecord[]> {
  return (await clocksOfTicketQuery(db, ticketNumber, forUpdate)).map(clockFromRow);
}

const clocksOfTicketQuery = (db: Db, ticketNumber: string, forUpdate: boolean) => {
  const q = db('sla_clock').where({ ticket_number: ticketNumber }).orderBy([{ column: 'kind', order: 'desc' }, { column: 'target', order: 'desc' }, { column: 'id' }]);
  if (forUpdate) q.forUpdate();
  return q;
};

/** The ticket's clocks, locked, each with the fact keys its history holds (what its workflow already recorded). */
export async function clocksOfTicketWithRecorded(trx: Knex.Transaction, ticketNumber: string): Promise<Array<{ clock: ClockRecord; recorded: string[] }>> {
  const rows: Row[] = await clocksOfTicketQuery(trx, ticketNumber, true).select(
    'sla_clock.*',
    trx.raw(
      "coalesce((SELECT array_agg(h.fact_key ORDER BY h.id) FROM sla_clock_history h WHERE h.clock_id = sla_clock.id AND h.fact_key IS NOT NULL), '{}') AS recorded_keys",
    ),
  );
  return rows.map((r) => ({ clock: clockFromRow(r), recorded: r.recorded_keys as string[] }));
}

/** Clocks not stopped that use a calendar or a definition (candidates for a recompute). */
export async function openClocksUsing(trx: Knex.Transaction, by: { calendarId?: string; definitionId?: string }): Promise<ClockRecord[]> {
  const q = trx('sla_clock').whereNull('stopped_at').orderBy('id').forUpdate();
  if (by.calendarId) q.where('calendar_id', by.calendarId);
  if (by.definitionId) q.where('definition_id', by.definitionId);
  return (await q).map(clockFromRow);
}

export async function clocksOpenedBetween(db: Db, from: Date | undefined, to: Date | undefined, kind?: string): Promise<ClockRecord[]> {
  const q = db('sla_clock').orderBy('id');
  if (kind) q.where('kind', kind);
  if (from) q.where('opened_at', '>=', from);
  if (to) q.where('opened_at', '<', to);
  return (await q).map(clockFromRow);
}

export type HistoryInput = { clockId: string; at: Date; kind: string; factKey?: string | null; historical?: boolean; details?: Record<string, unknown>; by?: string | null };

const historyRow = (h: HistoryInput) => ({
  clock_id: h.clockId,
  at: h.at,
  kind: h.kind,
  fact_key: h.factKey ?? null,
  historical: h.historical ?? false,
  details: JSON.stringify(h.details ?? {}),
  by: h.by ?? null,
});

/** Appends a history row; with a fact key, only once (false when it was already there). */
export async function insertHistory(trx: Knex.Transaction, h: HistoryInput): Promise<boolean> {
  if (!h.factKey) {
    await trx('sla_clock_history').insert(historyRow(h));
    return true;
  }
  const inserted = await trx('sla_clock_history').insert(historyRow(h)).onConflict('fact_key').ignore().returning('id');
  return inserted.length > 0;
}

/** The insert of history rows without fact keys (a query builder, as `insertClocks`). */
export function appendHistory(trx: Knex.Transaction, rows: readonly Omit<HistoryInput, 'factKey'>[]): Knex.QueryBuilder | undefined {
  return rows.length ? trx('sla_clock_history').insert(rows.map(historyRow)) : undefined;
}

export async function historyOf(db: Db, clockId: string): Promise<HistoryRecord[]> {
  const rows = await db('sla_clock_history').where({ clock_id: clockId }).orderBy([{ column: 'at' }, { column: 'id' }]);
  return rows.map((r: Row) => ({
    id: Number(r.id),
    clockId: r.clock_id,
    at: r.at,
    kind: r.kind,
    factKey: r.fact_key,
    historical: r.historical,
    details: r.details,
    by: r.by,
    recordedAt: r.recorded_at,
  }));
}

export async function recordedFactKeys(db: Db, clockId: string): Promise<string[]> {
  const rows = await db('sla_clock_history').where({ clock_id: clockId }).whereNotNull('fact_key').select('fact_key');
  return rows.map((r: Row) => r.fact_key as string);
}
