import { newId } from '@itsm/core';
import type { Knex, Migration } from '@itsm/db';
import type { z } from 'zod';
import { EVENT_CATALOGUE, type EventDefinition } from './catalogue';
import type { EventEnvelope } from './envelope';
import { topicForType } from './topics';

export const OUTBOX_CHANNEL = 'itsm_outbox';

/** Tables every service needs for messaging: `outbox` (written with the change) and `inbox` (consumer dedupe). */
export const messagingMigrations: Migration[] = [
  {
    name: '00000000_0001_messaging_outbox_inbox',
    async up(knex) {
      await knex.schema.createTable('outbox', (t) => {
        t.bigIncrements('seq').primary();
        t.uuid('id').notNullable().unique();
        t.text('topic').notNullable();
        t.text('partition_key').notNullable();
        t.text('type').notNullable();
        t.jsonb('envelope').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('sent_at', { useTz: true });
      });
      await knex.raw('CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL');
      await knex.schema.createTable('inbox', (t) => {
        t.text('consumer').notNullable();
        t.uuid('event_id').notNullable();
        t.text('type').notNullable();
        t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.primary(['consumer', 'event_id']);
      });
    },
    async down(knex) {
      await knex.schema.dropTable('inbox');
      await knex.schema.dropTable('outbox');
    },
  },
];

export interface NewEvent<S extends z.ZodType = z.ZodType> {
  event: EventDefinition<S>;
  /** aggregate id (partition key and CloudEvents subject) */
  subject: string;
  data: z.input<S>;
  /** business time of the fact; defaults to now */
  occurredAt?: Date | string;
  /** aggregate version after the change */
  version?: number;
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
}

/** Builds a typed NewEvent (keeps `data` checked against the definition's schema at compile time). */
export function newEvent<S extends z.ZodType>(e: NewEvent<S>): NewEvent<S> {
  return e;
}

/**
 * Appends events to the outbox inside the caller's transaction: they are
 * published if and only if the transaction commits. Append AFTER writing the
 * aggregate row, so that the row lock orders one aggregate's events.
 * Validates each payload against the catalogue (a bad event is a bug: it throws).
 *
 * `alongside` are the writes the events record (the aggregate's insert or
 * update, its history rows): they go in the same SQL statement as the outbox
 * rows (data-modifying CTEs, all or nothing), one round trip for the whole write.
 * Row locks are still taken first by the caller's `SELECT ... FOR UPDATE`.
 * When that one statement is the whole write (a create that read nothing it
 * must lock), `trx` may be the knex instance: a single statement is atomic.
 */
export async function appendOutbox(
  trx: Knex.Transaction | Knex,
  source: string,
  events: NewEvent[],
  alongside: Knex.QueryBuilder[] = [],
): Promise<EventEnvelope[]> {
  if (events.length === 0) {
    if (alongside.length > 0) await writeTogether(trx, alongside);
    return [];
  }
  const now = new Date().toISOString();
  const envelopes = events.map((e): EventEnvelope => {
    const def = EVENT_CATALOGUE.get(e.event.type);
    if (!def) throw new Error(`Event type ${e.event.type} is not in the catalogue`);
    const data = def.schema.parse(e.data);
    const id = newId();
    return {
      specversion: '1.0',
      id,
      source,
      type: def.type,
      subject: e.subject,
      time: now,
      occurredat: e.occurredAt ? new Date(e.occurredAt).toISOString() : now,
      ...(e.version !== undefined ? { version: e.version } : {}),
      datacontenttype: 'application/json',
      partitionkey: e.subject,
      correlationid: e.correlationId ?? id,
      ...(e.causationId ? { causationid: e.causationId } : {}),
      ...(e.traceparent ? { traceparent: e.traceparent } : {}),
      data,
    };
  });
  const insert = trx('outbox').insert(
    envelopes.map((env) => ({
      id: env.id,
      topic: topicForType(env.type),
      partition_key: env.partitionkey,
      type: env.type,
      envelope: env,
    })),
  );
  // One round trip; the notification reaches listeners only when the transaction commits.
  const ctes = [...alongside, insert].map((_, i) => `w${i} AS (?)`).join(', ');
  await trx.raw(`WITH ${ctes} SELECT pg_notify(?, ?)`, [...alongside, insert, OUTBOX_CHANNEL, '']);
  return envelopes;
}

/** Runs several writes as one statement (data-modifying CTEs). */
async function writeTogether(trx: Knex.Transaction | Knex, writes: Knex.QueryBuilder[]): Promise<void> {
  if (writes.length === 1) {
    await writes[0];
    return;
  }
  const ctes = writes.slice(1).map((_, i) => `w${i} AS (?)`).join(', ');
  await trx.raw(`WITH ${ctes} ?`, [...writes.slice(1), writes[0]]);
}
