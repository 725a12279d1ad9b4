import type { Knex } from 'knex';

export type Trx = Knex.Transaction;

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK = '40P01';

/**
 * Runs `fn` in one transaction. Retries the whole transaction on serialization
 * failures and deadlocks (they are safe to retry by definition); any other error
 * rolls back and propagates.
 */
export async function withTransaction<T>(knex: Knex, fn: (trx: Trx) => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await knex.transaction(fn);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (i < attempts && (code === SERIALIZATION_FAILURE || code === DEADLOCK)) continue;
      throw e;
    }
  }
}

/** True for a Postgres unique-violation error. */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string };
  return err?.code === '23505' && (!constraint || err.constraint === constraint);
}
