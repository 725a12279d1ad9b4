import type { Logger } from '@itsm/core';
import type { Knex } from '@itsm/db';
import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import type { z } from 'zod';
import { EVENT_CATALOGUE, type EventDefinition } from './catalogue';
import { envelopeHeaderSchema, fromKafkaHeaders, type EventEnvelope } from './envelope';
import { dlqTopic } from './topics';

export type Handler<T = unknown> = (event: EventEnvelope<T>, trx: Knex.Transaction) => Promise<void>;

/** Typed handler registration: `on(incidentEvents.created, async (e, trx) => …)`. */
export function on<S extends z.ZodType>(def: EventDefinition<S>, handler: Handler<z.infer<S>>): [string, Handler] {
  return [def.type, handler as Handler];
}

export interface ConsumerOptions {
  /** the consumer's name: the Kafka group id and the inbox key */
  name: string;
  kafka: Kafka;
  knex: Knex;
  logger: Logger;
  topics: string[];
  handlers: Array<[string, Handler]>;
  /** attempts before a message goes to the dead-letter topic */
  maxAttempts?: number;
  /** first retry delay; doubles each attempt */
  backoffMs?: number;
  fromBeginning?: boolean;
  /** prefix of every topic name (see RelayOptions.topicPrefix) */
  topicPrefix?: string;
  partitionsConsumedConcurrently?: number;
}

/** Thrown for input that can never be processed: straight to the DLQ, no retries. */
export class PoisonMessageError extends Error {}

/**
 * Runs a Kafka consumer whose handlers take effect exactly once per event id:
 * each handler runs in a transaction that first records (consumer, event id)
 * in the inbox; a redelivered event finds its row and is skipped. A failing
 * handler is retried with backoff; after `maxAttempts`, or at once for a
 * message that cannot be parsed or fails its schema, the message goes to
 * `<topic>.dlq` with the error in headers and the consumer moves on.
 * Event types without a handler are acknowledged and ignored.
 */
export class EventConsumer {
  private consumer?: Consumer;
  private producer?: Producer;
  private readonly handlers: Map<string, Handler>;
  readonly stats = { handled: 0, duplicates: 0, deadLettered: 0, ignored: 0 };

  constructor(private readonly opts: ConsumerOptions) {
    this.handlers = new Map(opts.handlers);
  }

  async start(): Promise<void> {
    const { kafka, name, topics } = this.opts;
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    // A fetch answers as soon as a message is there; maxWaitTimeInMs only bounds an idle fetch, which
    // is also what a stop waits for (5 s by default): 500 ms keeps a stop quick at one idle fetch a second or two.
    this.consumer = kafka.consumer({ groupId: name, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 500 });
    await this.consumer.connect();
    const prefix = this.opts.topicPrefix ?? '';
    await this.consumer.subscribe({ topics: topics.map((t) => prefix + t), fromBeginning: this.opts.fromBeginning ?? true });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? 3,
      eachMessage: (p) => this.process(p),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  private parse(p: EachMessagePayload): EventEnvelope {
    const headers = envelopeHeaderSchema.safeParse(fromKafkaHeaders(p.message.headers));
    if (!headers.success) throw new PoisonMessageError(`bad envelope: ${headers.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    let data: unknown;
    try {
      data = JSON.parse(p.message.value?.toString() ?? 'null');
    } catch (e) {
      throw new PoisonMessageError(`value is not JSON: ${(e as Error).message}`);
    }
    const def = EVENT_CATALOGUE.get(headers.data.type);
    if (def) {
      const parsed = def.schema.safeParse(data);
      if (!parsed.success) throw new PoisonMessageError(`data does not match ${def.type}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      data = parsed.data;
    }
    return { ...headers.data, data };
  }

  private async process(p: EachMessagePayload): Promise<void> {
    const { logger, knex, name } = this.opts;
    const maxAttempts = this.opts.maxAttempts ?? 5;
    let event: EventEnvelope;
    try {
      event = this.parse(p);
    } catch (e) {
      await this.deadLetter(p, e as Error, 1);
      return;
    }
    const handler = this.handlers.get(event.type);
    if (!handler) {
      this.stats.ignored++;
      return;
    }
    const log = logger.child({ consumer: name, eventId: event.id, type: event.type, subject: event.subject });
    for (let attempt = 1; ; attempt++) {
      try {
        const fresh = await knex.transaction(async (trx) => {
          const inserted = await trx('inbox')
            .insert({ consumer: name, event_id: event.id, type: event.type })
            .onConflict(['consumer', 'event_id'])
            .ignore()
            .returning('event_id');
          if (inserted.length === 0) return false;
          await handler(event, trx);
          return true;
        });
        if (fresh) this.stats.handled++;
        else {
          this.stats.duplicates++;
          log.debug('duplicate event skipped');
        }
        return;
      } catch (e) {
        if (e instanceof PoisonMessageError || attempt >= maxAttempts) {
          log.error({ err: e, attempt }, 'event handling failed; sending it to the dead-letter topic');
          await this.deadLetter(p, e as Error, attempt);
          return;
        }
        const delay = (this.opts.backoffMs ?? 200) * 2 ** (attempt - 1);
        log.warn({ err: e, attempt, delay }, 'event handling failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async deadLetter(p: EachMessagePayload, error: Error, attempts: number): Promise<void> {
    this.stats.deadLettered++;
    await this.producer!.send({
      topic: dlqTopic(p.topic),
      messages: [
        {
          key: p.message.key,
          value: p.message.value,
          headers: {
            ...(p.message.headers ?? {}),
            dlq_error: error.message.slice(0, 4000),
            dlq_error_type: error.name,
            dlq_consumer: this.opts.name,
            dlq_attempts: String(attempts),
            dlq_original_topic: p.topic,
            dlq_original_partition: String(p.partition),
            dlq_original_offset: p.message.offset,
          },
        },
      ],
    });
  }
}
