import { createKnex, dropDatabase, ensureDatabase, migrateLatest, type Knex, type Migration } from '@itsm/db';
import { randomUUID } from 'node:crypto';

/** Where the real servers that infra/local starts listen (overridable like everywhere else). */
export const testEnv = {
  postgresUrl: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432',
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  temporalAddress: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  temporalNamespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  temporalTestServerPath:
    process.env.TEMPORAL_TEST_SERVER_PATH ?? `${process.env.ITSM_CACHE ?? `${process.env.HOME}/.cache/itsm`}/pytools/bin/temporal-test-server`,
};

/** A short unique suffix for names (databases, consumer groups, task queues, workflow ids). */
export const uniqueSuffix = (): string => randomUUID().replace(/-/g, '').slice(0, 10);

export interface TestDatabase {
  name: string;
  knex: Knex;
  url: string;
  /** Empties every table except knex's own. */
  truncate(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A fresh database on the real PostgreSQL for one test file, migrated to the
 * latest version. Dropped on destroy().
 */
export async function createTestDatabase(prefix: string, migrations: Migration[]): Promise<TestDatabase> {
  const name = `itsm_test_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${uniqueSuffix()}`;
  await ensureDatabase(testEnv.postgresUrl, name);
  const knex = createKnex({ serverUrl: testEnv.postgresUrl, database: name, poolMax: 10 });
  await migrateLatest(knex, migrations);
  const u = new URL(testEnv.postgresUrl);
  u.pathname = `/${name}`;
  return {
    name,
    knex,
    url: u.toString(),
    async truncate() {
      const { rows } = await knex.raw<{ rows: { tablename: string }[] }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%'",
      );
      if (rows.length) await knex.raw(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
    },
    async destroy() {
      await knex.destroy();
      await dropDatabase(testEnv.postgresUrl, name);
    },
  };
}

/** Polls `probe` until it returns a truthy value (returned) or the timeout passes (throws with the last value). */
export async function waitFor<T>(probe: () => Promise<T> | T, { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`);
}
