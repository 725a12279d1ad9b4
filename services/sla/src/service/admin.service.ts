/**
 * Calendars and definitions: create, change (If-Match), delete. A change to a
 * calendar or a definition recomputes the open clocks that use it (never the
 * finished ones), in the same transaction.
 */
import { ConflictError, NotFoundError, ValidationError } from '@itsm/core';
import { isUniqueViolation, withTransaction } from '@itsm/db';
import { assertVersion } from '@itsm/http';
import { assertCalendar, assertDefinition } from '../domain/definition';
import type { CalendarRecord, DefinitionRecord } from '../domain/types';
import * as admin from '../repository/admin.repository';
import { queuePending, recomputeOpenClocks, type SlaDeps } from './clock.service';

export type CalendarInput = Pick<CalendarRecord, 'name' | 'description' | 'timeZone' | 'mode' | 'week' | 'holidays'> & { id?: string };
export type DefinitionInput = Omit<DefinitionRecord, 'id' | 'version' | 'createdAt' | 'updatedAt'> & { id?: string };

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60) || 'item';

function nameTaken(e: unknown, what: string, name: string): never {
  if (isUniqueViolation(e)) throw new ConflictError(`A ${what} named "${name}" (or with this id) exists already`, 'DUPLICATE_NAME');
  throw e;
}

export async function createCalendar(deps: SlaDeps, input: CalendarInput): Promise<CalendarRecord> {
  assertCalendar(input);
  const now = deps.clock.now();
  const rec: CalendarRecord = { ...input, id: input.id ?? slug(input.name), version: 1, createdAt: now, updatedAt: now };
  try {
    await admin.insertCalendar(deps.knex, rec);
  } catch (e) {
    nameTaken(e, 'calendar', input.name);
  }
  return rec;
}

export interface ChangeResult<T> {
  record: T;
  recomputedClocks: string[];
}

export async function updateCalendar(deps: SlaDeps, id: string, expected: number, input: CalendarInput, by: string): Promise<ChangeResult<CalendarRecord>> {
  assertCalendar(input);
  return withTransaction(deps.knex, async (trx) => {
    const cur = await admin.findCalendar(trx, id, true);
    if (!cur) throw new NotFoundError('Calendar', id);
    assertVersion(cur.version, expected);
    const next: CalendarRecord = { ...cur, ...input, id, version: cur.version + 1, updatedAt: deps.clock.now() };
    try {
      await admin.updateCalendar(trx, next);
    } catch (e) {
      nameTaken(e, 'calendar', input.name);
    }
    const { clockIds, signals } = await recomputeOpenClocks(deps, trx, { calendarId: id }, `calendar ${next.name} changed (version ${next.version})`, by);
    await queuePending(deps, trx, signals);
    return { record: next, recomputedClocks: clockIds };
  });
}

export async function deleteCalendar(deps: SlaDeps, id: string): Promise<void> {
  await withTransaction(deps.knex, async (trx) => {
    const cur = await admin.findCalendar(trx, id, true);
    if (!cur) throw new NotFoundError('Calendar', id);
    const users = await admin.listDefinitions(trx, { calendarId: id });
    if (users.length) throw new ConflictError(`Calendar ${id} is used by definitions: ${users.map((d) => d.id).join(', ')}`, 'CALENDAR_IN_USE');
    await admin.deleteCalendar(trx, id);
  });
}

async function assertCalendarExists(deps: SlaDeps, id: string): Promise<void> {
  if (!(await admin.findCalendar(deps.knex, id))) {
    throw new ValidationError('Unknown calendar', [{ field: 'calendarId', message: `no calendar ${id}` }]);
  }
}

export async function createDefinition(deps: SlaDeps, input: DefinitionInput): Promise<DefinitionRecord> {
  assertDefinition(input);
  await assertCalendarExists(deps, input.calendarId);
  const now = deps.clock.now();
  const rec: DefinitionRecord = { ...input, id: input.id ?? slug(input.name), version: 1, createdAt: now, updatedAt: now };
  try {
    await admin.insertDefinition(deps.knex, rec);
  } catch (e) {
    nameTaken(e, 'definition', input.name);
  }
  return rec;
}

export async function updateDefinition(deps: SlaDeps, id: string, expected: number, input: DefinitionInput, by: string): Promise<ChangeResult<DefinitionRecord>> {
  assertDefinition(input);
  await assertCalendarExists(deps, input.calendarId);
  return withTransaction(deps.knex, async (trx) => {
    const cur = await admin.findDefinition(trx, id, true);
    if (!cur) throw new NotFoundError('SLA definition', id);
    assertVersion(cur.version, expected);
    const next: DefinitionRecord = { ...cur, ...input, id, version: cur.version + 1, updatedAt: deps.clock.now() };
    try {
      await admin.updateDefinition(trx, next);
    } catch (e) {
      nameTaken(e, 'definition', input.name);
    }
    const { clockIds, signals } = await recomputeOpenClocks(deps, trx, { definitionId: id }, `definition ${next.name} changed (version ${next.version})`, by);
    await queuePending(deps, trx, signals);
    return { record: next, recomputedClocks: clockIds };
  });
}
