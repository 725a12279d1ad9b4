import { createLogger, systemClock, type Clock, type Logger } from '@itsm/core';
import { createKnex, databaseUrl, dropDatabase, ensureDatabase, migrateLatest, type Knex, type Migration } from '@itsm/db';
import { EventConsumer, OutboxRelay, createKafka, ensureTopics, messagingMigrations, type Handler } from '@itsm/events';
import { createHttpApp, idempotencyMigration, type HttpApi } from '@itsm/http';
import { createNativeConnection, createWorker, installTemporalLogger, type WorkerFactoryOptions } from '@itsm/temporal';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Kafka } from 'kafkajs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadRuntimeConfig, type ProcessRole, type RuntimeConfig } from './config';

/** Names that several platform instances sharing Kafka and Temporal must not share. */
export interface Instance {
  prefix: string;
  taskQueue(name: string): string;
  workflowId(id: string): string;
}

/** What a service's code gets: its config, logger, database, Kafka, Temporal and clock. */
export interface ServiceContext {
  name: string;
  /** the CloudEvents `source` of this service's events, e.g. `incident-service` */
  source: string;
  config: RuntimeConfig;
  logger: Logger;
  knex: Knex;
  databaseUrl: string;
  kafka: Kafka;
  temporal: Client;
  instance: Instance;
  clock: Clock;
}

export interface ConsumerDefinition {
  /** consumer name (the Kafka group id is `<instance><service>.<name>`) */
  name: string;
  topics: string[];
  handlers: Array<[string, Handler]>;
  maxAttempts?: number;
}

export interface WorkerDefinition {
  taskQueue: string;
  workflowsPath: string;
  activities: object;
  /** further Temporal worker options (e.g. a tuner) */
  options?: WorkerFactoryOptions['options'];
}

/**
 * A service: its migrations, routes, consumers, Temporal workers and background jobs.
 * They receive what `init` builds from the context, once per start (without `init`, the context).
 */
export interface ServiceDefinition<S = ServiceContext> {
  name: string;
  defaultPort: number;
  migrations: Migration[];
  init?(ctx: ServiceContext): S;
  routes(api: HttpApi, s: S): void;
  consumers?(s: S): ConsumerDefinition[];
  workers?(s: S): WorkerDefinition[];
  /** background jobs; returns a function that stops them */
  jobs?(s: S): Promise<() => Promise<void>>;
}

/**
 * What the code behind a service's workflows needs from the context: the database, events
 * source, clock, logger and Temporal client, this instance's workflow id prefix and its
 * name for `taskQueue`, the namespace and the Temporal UI address.
 */
export function workflowDeps(ctx: ServiceContext, taskQueue: string) {
  return {
    knex: ctx.knex,
    source: ctx.source,
    clock: ctx.clock,
    logger: ctx.logger,
    temporal: ctx.temporal,
    workflowIdPrefix: ctx.instance.workflowId(''),
    taskQueue: ctx.instance.taskQueue(taskQueue),
    namespace: ctx.config.TEMPORAL_NAMESPACE,
    temporalUiUrl: ctx.config.TEMPORAL_UI_URL,
  };
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  clock?: Clock;
  /** drop the database on stop (tests) */
  dropDatabaseOnStop?: boolean;
}

export interface RunningService {
  ctx: ServiceContext;
  api: HttpApi;
  server?: Server;
  /** base URL of the HTTP API when it listens */
  url: string;
  relay?: OutboxRelay;
  consumers: EventConsumer[];
  workers: Worker[];
  stop(): Promise<void>;
}

/**
 * Starts a service with the roles its configuration asks for (all by default):
 * creates and migrates its database, creates the topics, then runs the HTTP
 * API, the outbox relay, the Kafka consumers, the Temporal workers and the
 * background jobs. `stop()` drains them in reverse order.
 */
export async function startService<S>(def: ServiceDefinition<S>, opts: StartOptions = {}): Promise<RunningService> {
  const config = loadRuntimeConfig(def.name, def.defaultPort, opts.env ?? process.env);
  const logger = opts.logger ?? createLogger(`${def.name}-service`, config.LOG_LEVEL);
  const has = (r: ProcessRole) => config.ITSM_ROLES.includes(r);
  installTemporalLogger(logger);

  await ensureDatabase(config.POSTGRES_URL, config.DATABASE_NAME);
  const knex = createKnex({ serverUrl: config.POSTGRES_URL, database: config.DATABASE_NAME, poolMax: 20 });
  await migrateLatest(knex, [...messagingMigrations, idempotencyMigration, ...def.migrations]);

  const kafka = createKafka({ clientId: `${config.ITSM_INSTANCE}${def.name}-service`, brokers: config.KAFKA_BROKERS, logger });
  await ensureTopics(kafka, undefined, {
    topicPrefix: config.ITSM_INSTANCE,
    numPartitions: config.KAFKA_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
  });
  // One native (Rust core) connection for the client and the workers: gRPC off the event loop, and a
  // client whose calls run in the same process as its workers.
  const nativeConnection = await createNativeConnection({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  const temporal = new Client({ connection: nativeConnection, namespace: config.TEMPORAL_NAMESPACE });
  const prefix = config.ITSM_INSTANCE;
  const ctx: ServiceContext = {
    name: def.name,
    source: `${def.name}-service`,
    config,
    logger,
    knex,
    databaseUrl: databaseUrl(config.POSTGRES_URL, config.DATABASE_NAME),
    kafka,
    temporal,
    instance: { prefix, taskQueue: (q) => `${prefix}${q}`, workflowId: (id) => `${prefix}${id}` },
    clock: opts.clock ?? systemClock,
  };

  const stops: Array<() => Promise<void>> = [];
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  stops.push(() => kafkaAdmin.disconnect());

  const api = createHttpApp({
    service: def.name,
    version: '1.0.0',
    logger,
    bodyLimit: config.BODY_LIMIT,
    auth: { secret: config.JWKS_URL ? undefined : config.JWT_SECRET, jwksUrl: config.JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE },
    readiness: {
      postgres: async () => {
        await knex.raw('select 1');
      },
      kafka: async () => {
        await kafkaAdmin.describeCluster();
      },
      temporal: async () => {
        await temporal.connection.workflowService.getSystemInfo({});
      },
    },
  });
  const services = def.init ? def.init(ctx) : (ctx as S);
  def.routes(api, services);

  let relay: OutboxRelay | undefined;
  if (has('relay')) {
    relay = new OutboxRelay({ knex, kafka, databaseUrl: ctx.databaseUrl, logger: logger.child({ component: 'relay' }), topicPrefix: prefix });
    await relay.start();
    stops.push(() => relay!.stop());
  }

  const consumers: EventConsumer[] = [];
  if (has('consumers')) {
    for (const c of def.consumers?.(services) ?? []) {
      const consumer = new EventConsumer({
        name: `${prefix}${def.name}.${c.name}`,
        kafka,
        knex,
        logger: logger.child({ component: `consumer:${c.name}` }),
        topics: c.topics,
        handlers: c.handlers,
        topicPrefix: prefix,
        maxAttempts: c.maxAttempts,
        partitionsConsumedConcurrently: config.CONSUMER_CONCURRENCY ?? config.KAFKA_PARTITIONS,
      });
      await consumer.start();
      consumers.push(consumer);
      stops.push(() => consumer.stop());
    }
  }

  const workers: Worker[] = [];
  const workerDefs = has('workers') ? (def.workers?.(services) ?? []) : [];
  if (workerDefs.length) {
    for (const w of workerDefs) {
      const worker = await createWorker({
        connection: nativeConnection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: ctx.instance.taskQueue(w.taskQueue),
        workflowsPath: w.workflowsPath,
        activities: w.activities,
        logger,
        options: w.options,
      });
      const running = worker.run();
      workers.push(worker);
      stops.push(async () => {
        // on SIGTERM the SDK has already begun the worker's shutdown itself
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch((err) => logger.error({ err }, 'worker stopped with an error'));
      });
    }
  }

  if (has('jobs') && def.jobs) stops.push(await def.jobs(services));

  let server: Server | undefined;
  let url = '';
  if (has('api')) {
    server = await api.listen(config.PORT, config.HOST);
    const addr = server.address() as AddressInfo;
    url = `http://${config.HOST}:${addr.port}`;
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server!.close(() => resolve());
          server!.closeAllConnections?.();
        }),
    );
    logger.info({ url, roles: config.ITSM_ROLES }, `${def.name} service listening`);
  }

  let stopped = false;
  return {
    ctx,
    api,
    server,
    url,
    relay,
    consumers,
    workers,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const s of stops.reverse()) {
        await s().catch((err) => logger.warn({ err }, 'error while stopping'));
      }
      // after the workers (stopped above): a native connection does not close while a worker holds it
      await nativeConnection.close().catch((err) => logger.warn({ err }, 'error while closing the Temporal connection'));
      await knex.destroy();
      if (opts.dropDatabaseOnStop) await dropDatabase(config.POSTGRES_URL, config.DATABASE_NAME);
    },
  };
}

/** Process entry point: start, and drain on SIGTERM / SIGINT. */
export function main<S>(def: ServiceDefinition<S>): void {
  startService(def)
    .then((svc) => {
      const shutdown = (signal: string) => {
        svc.ctx.logger.info({ signal }, 'shutting down');
        svc.stop().then(
          () => process.exit(0),
          (err) => {
            svc.ctx.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    })
    .catch((err) => {
      createLogger(`${def.name}-service`).fatal({ err }, 'failed to start');
      process.exit(1);
    });
}
