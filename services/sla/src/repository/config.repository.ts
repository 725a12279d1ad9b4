/**
 * The active definitions and the calendars, read once per configuration
 * change instead of on every incident event.
 *
 * Every change to `calendar` or `sla_definition` bumps `sla_config_epoch.n`
 * in the same transaction (a statement trigger, migration 0004), so one cheap
 * read of the epoch tells whether the cached copy is current. The epoch is read
 * before the tables: a copy loaded meanwhile can only be newer than its epoch,
 * and the next read of the epoch then reloads it.
 */
import type { Knex } from '@itsm/db';
import type { CalendarRecord, DefinitionRecord } from '../domain/types';
import { listCalendars, listDefinitions } from './admin.repository';

type Db = Knex | Knex.Transaction;

export interface SlaConfig {
  epoch: string;
  /** active definitions, in the order `chooseSlaDefinition` expects */
  definitions: readonly DefinitionRecord[];
  calendars: ReadonlyMap<string, CalendarRecord>;
}

/** One cache per connection pool (a service process, or one test service). */
const caches = new WeakMap<object, SlaConfig>();

export async function currentConfig(db: Db, pool: Knex): Promise<SlaConfig> {
  const row = await db('sla_config_epoch').first('n');
  const epoch = String(row?.n ?? '0');
  const cached = caches.get(pool);
  if (cached?.epoch === epoch) return cached;
  const [definitions, calendars] = [await listDefinitions(db, { active: true }), await listCalendars(db)];
  const config: SlaConfig = { epoch, definitions: Object.freeze(definitions), calendars: new Map(calendars.map((c) => [c.id, c])) };
  caches.set(pool, config);
  return config;
}
