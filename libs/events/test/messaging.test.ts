import { createLogger, newId } from '@itsm/core';
import { createTestDatabase, testEnv, uniqueSuffix, waitFor, type TestDatabase } from '@itsm/testing';
import type { Kafka } from 'kafkajs';
import {
  EventConsumer,
  OutboxRelay,
  TOPICS,
  appendOutbox,
  createKafka,
  dlqTopic,
  ensureTopics,
  incidentEvents,
  messagingMigrations,
  on,
  toKafkaHeaders,
  type EventEnvelope,
} from '../src';

const logger = createLogger('events-test', 'silent');
let db: TestDatabase;
let kafka: Kafka;
/** Topics of this test file only: a fresh prefix each run, so earlier runs' messages never interfere. */
const topicPrefix = `t${uniqueSuffix()}-`;
const incidentTopic = topicPrefix + TOPICS.incident;
const started: Array<{ stop(): Promise<void> }> = [];

const effectsMigration = {
  name: '20260101_0001_effects',
  up: (k: TestDatabase['knex']) => k.schema.createTable('effect', (t) => {
    t.increments('id');
    t.text('subject');
    t.integer('n');
  }),
  down: (k: TestDatabase['knex']) => k.schema.dropTable('effect'),
};

function snapshot(number: string, n = 0) {
  return {
    incident: {
      id: newId(),
      number,
      title: `event ${n}`,
      state: 'new',
      impact: 2,
      urgency: 2,
      priority: 3,
      openedAt: new Date().toISOString(),
    },
    by: null,
  };
}

async function emit(subject: string, n: number) {
  await db.knex.transaction((trx) =>
    appendOutbox(trx, 'test-service', [{ event: incidentEvents.created, subject, data: snapshot(subject, n), version: n }]),
  );
}

function startRelay() {
  const relay = new OutboxRelay({ knex: db.knex, kafka, databaseUrl: db.url, logger, pollIntervalMs: 200, topicPrefix });
  started.push(relay);
  return relay;
}

/** A consumer that records, for subjects starting with `prefix`, the event's version in the `effect` table. */
async function startRecorder(prefix: string, extra: Partial<ConstructorParameters<typeof EventConsumer>[0]> = {}) {
  const consumer = new EventConsumer({
    name: `test-recorder-${uniqueSuffix()}`,
    kafka,
    knex: db.knex,
    logger,
    topics: [TOPICS.incident],
    topicPrefix,
    backoffMs: 20,
    handlers: [
      on(incidentEvents.created, async (e, trx) => {
        if (!e.subject.startsWith(prefix)) return;
        await trx('effect').insert({ subject: e.subject, n: e.version });
      }),
    ],
    ...extra,
  });
  started.push(consumer);
  await consumer.start();
  return consumer;
}

const effects = (subject: string) => db.knex('effect').where({ subject }).orderBy('id').pluck('n');

beforeAll(async () => {
  db = await createTestDatabase('events', [...messagingMigrations, effectsMigration]);
  kafka = createKafka({ clientId: 'events-test', brokers: testEnv.kafkaBrokers });
  await ensureTopics(kafka, undefined, { topicPrefix });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  await db.destroy();
});

it('delivers an event written in a committed transaction to a consumer on Kafka', async () => {
  const subject = `INC-${uniqueSuffix()}`;
  await startRecorder(subject);
  startRelay().start();
  await emit(subject, 1);
  expect(await waitFor(async () => (await effects(subject)).length === 1 && effects(subject))).toEqual([1]);
  const row = await db.knex('outbox').where({ partition_key: subject }).first();
  expect(row.sent_at).not.toBeNull();
  expect(row.envelope).toMatchObject({ type: 'itsm.incident.created.v1', subject, source: 'test-service', version: 1 });
});

it('writes the records it is given and the outbox rows in one statement, all or nothing', async () => {
  const subject = `INC-${uniqueSuffix()}`;
  const event = { event: incidentEvents.created, subject, data: snapshot(subject), version: 1 };
  // on its own (no transaction): the one statement is the whole write
  await appendOutbox(db.knex, 'test-service', [event], [db.knex('effect').insert({ subject, n: 1 }), db.knex('effect').insert({ subject, n: 2 })]);
  expect((await effects(subject)).sort()).toEqual([1, 2]);
  expect(await db.knex('outbox').where({ partition_key: subject }).count({ n: '*' })).toEqual([{ n: 1 }]);
  // an event whose payload is invalid writes neither the records nor any outbox row
  const other = `INC-${uniqueSuffix()}`;
  await expect(
    appendOutbox(db.knex, 'test-service', [{ ...event, subject: other, data: { bad: true } as never }], [db.knex('effect').insert({ subject: other, n: 1 })]),
  ).rejects.toThrow();
  // a failing record write rolls the outbox row back with it
  await expect(
    appendOutbox(db.knex, 'test-service', [{ ...event, subject: other }], [db.knex('effect').insert({ subject: other, n: 'not a number' as never })]),
  ).rejects.toThrow();
  expect(await effects(other)).toEqual([]);
  expect(await db.knex('outbox').where({ partition_key: other }).count({ n: '*' })).toEqual([{ n: 0 }]);
});

it('publishes rows committed while it was publishing, without waiting for the poll', async () => {
  const prefix = `INC-${uniqueSuffix()}`;
  await startRecorder(prefix);
  const relay = new OutboxRelay({ knex: db.knex, kafka, databaseUrl: db.url, logger, pollIntervalMs: 60_000, topicPrefix });
  started.push(relay);
  await relay.start();
  await waitFor(async () => relay.isLeader);
  // a steady stream: many commits land while a batch is on its way to Kafka
  for (let i = 0; i < 40; i++) {
    await emit(`${prefix}-${i}`, 1);
    await new Promise((r) => setTimeout(r, 3));
  }
  const delivered = async () => (await db.knex('effect').where('subject', 'like', `${prefix}-%`).count({ n: '*' }))[0]!.n;
  // the poll fallback is a minute away: only notifications can have woken it
  expect(await waitFor(async () => (await delivered()) === 40 && 40, { timeoutMs: 15_000 })).toBe(40);
  expect(relay.stats.batches).toBeLessThan(40);
});

it('publishes nothing for a rolled-back transaction', async () => {
  const subject = `INC-${uniqueSuffix()}`;
  await expect(
    db.knex.transaction(async (trx) => {
      await appendOutbox(trx, 'test-service', [{ event: incidentEvents.created, subject, data: snapshot(subject), version: 1 }]);
      throw new Error('business rule failed');
    }),
  ).rejects.toThrow('business rule failed');
  await startRecorder(subject);
  const relay = startRelay();
  await relay.start();
  await emit(`${subject}-after`, 2); // a later event proves the relay and consumer are running
  await waitFor(async () => (await db.knex('effect').where({ subject: `${subject}-after` })).length === 1);
  expect(await db.knex('outbox').where({ partition_key: subject })).toHaveLength(0);
  expect(await effects(subject)).toEqual([]);
});

it('rejects an event whose payload does not match the catalogue, so nothing invalid is ever written', async () => {
  await expect(
    db.knex.transaction((trx) =>
      appendOutbox(trx, 'test-service', [{ event: incidentEvents.created, subject: 'X', data: { incident: { number: 1 } } as never }]),
    ),
  ).rejects.toThrow();
});

it('applies a redelivered event once', async () => {
  const subject = `INC-${uniqueSuffix()}`;
  const consumer = await startRecorder(subject);
  const { data, ...headers }: EventEnvelope = {
    specversion: '1.0',
    id: newId(),
    source: 'test-service',
    type: incidentEvents.created.type,
    subject,
    time: new Date().toISOString(),
    occurredat: new Date().toISOString(),
    version: 7,
    datacontenttype: 'application/json',
    partitionkey: subject,
    correlationid: newId(),
    data: snapshot(subject),
  };
  const producer = kafka.producer();
  await producer.connect();
  const message = { key: subject, value: JSON.stringify(data), headers: toKafkaHeaders(headers) };
  await producer.send({ topic: incidentTopic, messages: [message] });
  await producer.send({ topic: incidentTopic, messages: [message] });
  await producer.disconnect();
  await waitFor(() => consumer.stats.duplicates >= 1, { what: 'the duplicate to be seen' });
  expect(await effects(subject)).toEqual([7]);
});

it('sends a poison message to the dead-letter topic with the error, and goes on with the next one', async () => {
  const subject = `INC-${uniqueSuffix()}`;
  const dlq: Array<{ key: string; error: string }> = [];
  const dlqConsumer = kafka.consumer({ groupId: `test-dlq-${uniqueSuffix()}` });
  started.push({ stop: () => dlqConsumer.disconnect() });
  await dlqConsumer.connect();
  await dlqConsumer.subscribe({ topic: dlqTopic(incidentTopic), fromBeginning: true });
  await dlqConsumer.run({
    eachMessage: async ({ message }) => {
      dlq.push({ key: message.key?.toString() ?? '', error: message.headers?.dlq_error?.toString() ?? '' });
    },
  });
  await startRecorder(subject);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: incidentTopic, messages: [{ key: subject, value: '{not json', headers: { ce_type: 'itsm.incident.created.v1' } }] });
  await producer.disconnect();
  startRelay().start();
  await emit(subject, 2);
  await waitFor(async () => (await effects(subject)).length === 1, { what: 'the good event after the poison one' });
  const dead = await waitFor(() => dlq.find((m) => m.key === subject), { what: 'the dead letter' });
  expect(dead.error).toMatch(/bad envelope/);
});

it('dead-letters an event whose handler keeps failing, after bounded retries, and goes on', async () => {
  const subject = `INC-${uniqueSuffix()}`;
  let calls = 0;
  const consumer = new EventConsumer({
    name: `test-failing-${uniqueSuffix()}`,
    kafka,
    knex: db.knex,
    logger,
    topics: [TOPICS.incident],
    topicPrefix,
    maxAttempts: 3,
    backoffMs: 10,
    handlers: [
      on(incidentEvents.created, async (e, trx) => {
        if (!e.subject.startsWith(subject)) return;
        if (e.subject === `${subject}-bad`) {
          calls++;
          throw new Error('downstream refused');
        }
        await trx('effect').insert({ subject: e.subject, n: e.version });
      }),
    ],
  });
  started.push(consumer);
  await consumer.start();
  startRelay().start();
  await emit(`${subject}-bad`, 1);
  await emit(`${subject}-good`, 2);
  await waitFor(async () => (await effects(`${subject}-good`)).length === 1);
  // (the poison message of an earlier test in this file is dead-lettered by this consumer too)
  await waitFor(() => calls === 3 && consumer.stats.deadLettered >= 1, { what: 'three attempts, then the dead letter' });
  await new Promise((r) => setTimeout(r, 300));
  expect(calls).toBe(3);
  // the failed attempts left no inbox row, so a replay from the DLQ can still apply it
  expect(await effects(`${subject}-bad`)).toEqual([]);
});

it('resumes after a relay restart without losing or reordering an aggregate’s events, even when a crash re-sends some', async () => {
  const subject = `INC-${uniqueSuffix()}`;
  await startRecorder(subject);
  const first = startRelay();
  await first.start();
  for (let n = 1; n <= 20; n++) await emit(subject, n);
  await first.stop();
  for (let n = 21; n <= 40; n++) await emit(subject, n);
  // A crash between publishing and marking: rows published but not marked sent.
  const firstTen = db.knex('outbox').select('seq').where({ partition_key: subject }).orderBy('seq').limit(10);
  expect(await db.knex('outbox').whereIn('seq', firstTen).update({ sent_at: null })).toBe(10);
  const second = startRelay();
  await second.start();
  const all = await waitFor(async () => {
    const list = await effects(subject);
    return list.length === 40 && list;
  }, { what: '40 effects' });
  expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
});

it('keeps a single active relay per database when several instances run', async () => {
  const a = startRelay();
  const b = startRelay();
  await a.start();
  await b.start();
  await waitFor(() => a.isLeader || b.isLeader);
  await new Promise((r) => setTimeout(r, 500));
  expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
  const leader = a.isLeader ? a : b;
  const standby = a.isLeader ? b : a;
  await leader.stop();
  await waitFor(() => standby.isLeader, { what: 'the standby to take over' });
});
