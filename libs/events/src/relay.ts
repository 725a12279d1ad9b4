import type { Logger } from '@itsm/core';
import type { Knex } from '@itsm/db';
import type { Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import type { EventEnvelope } from './envelope';
import { toKafkaHeaders } from './envelope';
import { OUTBOX_CHANNEL } from './outbox';

export interface RelayOptions {
  knex: Knex;
  kafka: Kafka;
  /** connection string of the same database, for LISTEN and the leader lock */
  databaseUrl: string;
  logger: Logger;
  batchSize?: number;
  /** polling fallback when no notification arrives */
  pollIntervalMs?: number;
  /**
   * How long the relay waits after a notification before it reads the outbox,
   * so that rows committed meanwhile go out in the same batch (default 5 ms):
   * a few milliseconds of latency for far fewer queries and Kafka requests
   * under load.
   */
  lingerMs?: number;
  /** how long sent rows are kept before they are pruned */
  retainSentMs?: number;
  /** prefix of every topic name: isolates platform instances that share a Kafka cluster */
  topicPrefix?: string;
}

interface OutboxRow {
  seq: number;
  topic: string;
  partition_key: string;
  envelope: EventEnvelope;
}

const LOCK_KEY = 'itsm-outbox-relay';

/**
 * Publishes committed outbox rows to Kafka in `seq` order and marks them sent.
 * One relay per database is active at a time (a session advisory lock), so
 * several instances of a service never reorder an aggregate's events; the
 * others wait as standbys. The producer is idempotent with one request in
 * flight, so order holds within a partition. A crash after publishing and
 * before marking sends those rows again (at-least-once): consumers dedupe by id.
 */
export class OutboxRelay {
  private producer?: Producer;
  private client?: pg.Client;
  private running = false;
  private leader = false;
  private wake?: () => void;
  /** a notification arrived since the last read of the outbox began */
  private notified = false;
  private interrupt?: () => void;
  private loop?: Promise<void>;
  private lastPrune = 0;
  readonly stats = { published: 0, batches: 0 };

  constructor(private readonly opts: RelayOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.producer = this.opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.interrupt?.();
    await this.loop?.catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
    this.leader = false;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** Publishes everything pending now (used by tests and on shutdown). */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.publishBatch();
      total += n;
      if (n === 0) return total;
    }
  }

  private async run(): Promise<void> {
    const { logger } = this.opts;
    const poll = this.opts.pollIntervalMs ?? 1000;
    const batch = this.opts.batchSize ?? 500;
    while (this.running) {
      try {
        if (!this.leader) await this.tryLead();
        if (this.leader) {
          // a full batch means more may be waiting; a short one read everything committed before it began
          while (this.running && (await this.publishBatch()) >= batch) {
            /* drain */
          }
          await this.prune();
        }
      } catch (e) {
        logger.error({ err: e }, 'outbox relay iteration failed; retrying');
        await this.dropConnection();
      }
      if (this.running) await this.idle(this.leader ? poll : poll * 3);
    }
  }

  /**
   * Waits for a notification (or `ms`, the polling fallback), then lingers a
   * moment. A notification that came while the relay was publishing counts:
   * its rows may have been committed after the read began.
   */
  private idle(ms: number): Promise<void> {
    const linger = this.opts.lingerMs ?? 5;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.interrupt = undefined;
        resolve();
      };
      const woken = () => {
        this.wake = undefined;
        clearTimeout(timer);
        timer = setTimeout(done, linger);
      };
      let timer = setTimeout(done, ms);
      this.interrupt = done;
      if (this.notified) woken();
      else this.wake = woken;
    });
  }

  private async tryLead(): Promise<void> {
    if (!this.client) {
      const client = new pg.Client({ connectionString: this.opts.databaseUrl });
      client.on('error', (err) => {
        this.opts.logger.warn({ err }, 'outbox relay connection lost');
        void this.dropConnection();
      });
      client.on('notification', () => {
        this.notified = true;
        this.wake?.();
      });
      await client.connect();
      this.client = client;
    }
    const { rows } = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [LOCK_KEY]);
    if (rows[0]?.ok) {
      await this.client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.leader = true;
      this.opts.logger.info('outbox relay is active');
    }
  }

  private async dropConnection(): Promise<void> {
    this.leader = false;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async publishBatch(): Promise<number> {
    const { knex } = this.opts;
    this.notified = false;
    const rows: OutboxRow[] = await knex('outbox')
      .select('seq', 'topic', 'partition_key', 'envelope')
      .whereNull('sent_at')
      .orderBy('seq')
      .limit(this.opts.batchSize ?? 500);
    if (rows.length === 0) return 0;
    // Group consecutive rows by topic, keeping the seq order inside each topic.
    const byTopic = new Map<string, OutboxRow[]>();
    for (const r of rows) {
      const list = byTopic.get(r.topic);
      if (list) list.push(r);
      else byTopic.set(r.topic, [r]);
    }
    await this.producer!.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic: (this.opts.topicPrefix ?? '') + topic,
        messages: list.map((r) => {
          const { data, ...headers } = r.envelope;
          return { key: r.partition_key, value: JSON.stringify(data), headers: toKafkaHeaders(headers) };
        }),
      })),
    });
    await knex('outbox')
      .whereIn(
        'seq',
        rows.map((r) => r.seq),
      )
      .update({ sent_at: knex.fn.now() });
    this.stats.published += rows.length;
    this.stats.batches += 1;
    return rows.length;
  }

  private async prune(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const keep = this.opts.retainSentMs ?? 7 * 24 * 3600_000;
    await this.opts.knex('outbox').whereNotNull('sent_at').andWhere('sent_at', '<', new Date(now - keep)).delete();
  }
}
