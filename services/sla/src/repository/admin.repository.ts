/** Calendars and definitions (knex only; every function takes the connection or transaction). */
import type { Knex } from '@itsm/db';
import type { CalendarRecord, DefinitionRecord } from '../domain/types';

type Db = Knex | Knex.Transaction;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

export function calendarFromRow(r: Row): CalendarRecord {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    timeZone: r.time_zone,
    mode: r.mode,
    week: r.week,
    holidays: r.holidays,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function calendarToRow(c: CalendarRecord): Row {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    time_zone: c.timeZone,
    mode: c.mode,
    week: JSON.stringify(c.week),
    holidays: JSON.stringify(c.holidays),
    version: c.version,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export async function listCalendars(db: Db): Promise<CalendarRecord[]> {
  return (await db('calendar').orderBy('name')).map(calendarFromRow);
}

export async function findCalendar(db: Db, id: string, forUpdate = false): Promise<CalendarRecord | undefined> {
  const q = db('calendar').where({ id }).first();
  if (forUpdate) q.forUpdate();
  const r = await q;
  return r ? calendarFromRow(r) : undefined;
}

export async function insertCalendar(db: Db, c: CalendarRecord): Promise<void> {
  await db('calendar').insert(calendarToRow(c));
}

export async function updateCalendar(db: Db, c: CalendarRecord): Promise<void> {
  await db('calendar').where({ id: c.id }).update(calendarToRow(c));
}

export async function deleteCalendar(db: Db, id: string): Promise<void> {
  await db('calendar').where({ id }).delete();
}

export function definitionFromRow(r: Row): DefinitionRecord {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    active: r.active,
    match: r.match,
    targets: r.targets,
    calendarId: r.calendar_id,
    pauseStates: r.pause_states,
    warningThresholds: r.warning_thresholds,
    breachAction: r.breach_action,
    rank: r.rank,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function definitionToRow(d: DefinitionRecord): Row {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    kind: d.kind,
    active: d.active,
    match: JSON.stringify(d.match),
    targets: JSON.stringify(d.targets),
    calendar_id: d.calendarId,
    pause_states: JSON.stringify(d.pauseStates),
    warning_thresholds: JSON.stringify(d.warningThresholds),
    breach_action: JSON.stringify(d.breachAction),
    rank: d.rank,
    version: d.version,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export async function listDefinitions(db: Db, filter: { kind?: string; active?: boolean; calendarId?: string } = {}): Promise<DefinitionRecord[]> {
  const q = db('sla_definition').orderBy([{ column: 'kind' }, { column: 'rank' }, { column: 'created_at' }, { column: 'id' }]);
  if (filter.kind) q.where('kind', filter.kind);
  if (filter.active !== undefined) q.where('active', filter.active);
  if (filter.calendarId) q.where('calendar_id', filter.calendarId);
  return (await q).map(definitionFromRow);
}

export async function findDefinition(db: Db, id: string, forUpdate = false): Promise<DefinitionRecord | undefined> {
  const q = db('sla_definition').where({ id }).first();
  if (forUpdate) q.forUpdate();
  const r = await q;
  return r ? definitionFromRow(r) : undefined;
}

export async function insertDefinition(db: Db, d: DefinitionRecord): Promise<void> {
  await db('sla_definition').insert(definitionToRow(d));
}

export async function updateDefinition(db: Db, d: DefinitionRecord): Promise<void> {
  await db('sla_definition').where({ id: d.id }).update(definitionToRow(d));
}
