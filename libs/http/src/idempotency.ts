import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError, BadRequestError } from '@itsm/core';
import { withTransaction, type Knex, type Migration } from '@itsm/db';

export const IDEMPOTENCY_TABLE = 'idempotency_key';

/** Add to a service's migration list to use `runIdempotent`. */
export const idempotencyMigration: Migration = {
  name: '20261203_0000_http_idempotency_key',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE IF NOT EXISTS ${IDEMPOTENCY_TABLE} (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status_code int,
        response jsonb,
        response_headers jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await knex.raw(`CREATE INDEX IF NOT EXISTS idempotency_key_created_at ON ${IDEMPOTENCY_TABLE} (created_at)`);
  },
  async down(knex) {
    await knex.raw(`DROP TABLE IF EXISTS ${IDEMPOTENCY_TABLE}`);
  },
};

export interface IdempotentResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface IdempotencyInput {
  /** What the key is unique within, e.g. `incident.create:${user.id}` (include the caller so keys never cross users). */
  scope: string;
  /** The Idempotency-Key header value; undefined runs the create without idempotency. */
  key: string | undefined;
  /** The request body; its canonical hash tells a replay from a reuse of the key. */
  requestBody: unknown;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The Idempotency-Key header of a request, if any. */
export function idempotencyKeyOf(req: { headers: IncomingHttpHeaders }): string | undefined {
  const v = req.headers['idempotency-key'];
  return Array.isArray(v) ? v.join(',') : v;
}

/** JSON with object keys sorted at every level, so equal bodies hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new BadRequestError(
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable characters`,
      'INVALID_IDEMPOTENCY_KEY',
      { errors: [{ field: 'Idempotency-Key', message: `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable characters`, in: 'headers' }] },
    );
  }
}

interface StoredRow {
  request_hash: string;
  status_code: number | null;
  response: unknown;
  response_headers: Record<string, string> | null;
}

/**
 * Runs a create exactly once per (scope, key), atomically with the create.
 *
 * In one transaction it first claims the key (`INSERT ... ON CONFLICT DO NOTHING`;
 * a concurrent request with the same key waits on the primary key until the
 * first commits), then runs `fn`, then stores the response. If `fn` throws,
 * the claim rolls back with the create, and a retry runs afresh.
 * A repeated key with the same body replays the stored response
 * (`replayed: true`, header `Idempotent-Replayed: true`); with another body it is
 * a 422 `IDEMPOTENCY_KEY_REUSED`. Use the default READ COMMITTED isolation.
 */
export async function runIdempotent(
  db: Knex | Knex.Transaction,
  input: IdempotencyInput,
  fn: (trx: Knex.Transaction) => Promise<IdempotentResult>,
): Promise<IdempotentResult & { replayed: boolean }> {
  const inTrx = <T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> =>
    db.isTransaction ? db.transaction(work) : withTransaction(db as Knex, work);

  if (input.key === undefined) {
    const result = await inTrx(fn);
    return { ...result, replayed: false };
  }
  const key = input.key;
  checkKey(key);
  const hash = requestHash(input.requestBody);

  return inTrx(async (trx) => {
    const claimed = await trx.raw(
      `INSERT INTO ${IDEMPOTENCY_TABLE} (scope, key, request_hash) VALUES (?, ?, ?)
       ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
      [input.scope, key, hash],
    );
    if (claimed.rows.length === 1) {
      const result = await fn(trx);
      await trx(IDEMPOTENCY_TABLE)
        .where({ scope: input.scope, key })
        .update({
          status_code: result.status,
          response: JSON.stringify(result.body ?? null),
          response_headers: JSON.stringify(result.headers ?? {}),
        });
      return { ...result, replayed: false };
    }
    const row: StoredRow | undefined = await trx(IDEMPOTENCY_TABLE)
      .select('request_hash', 'status_code', 'response', 'response_headers')
      .where({ scope: input.scope, key })
      .first();
    if (!row || row.status_code === null) {
      throw new AppError(409, 'IDEMPOTENT_REQUEST_IN_PROGRESS', 'A request with this Idempotency-Key is still in progress');
    }
    if (row.request_hash !== hash) {
      throw new AppError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body', {
        errors: [{ field: 'Idempotency-Key', message: 'was already used with a different request body', in: 'headers' }],
      });
    }
    return {
      status: row.status_code,
      body: row.response ?? undefined,
      headers: { ...(row.response_headers ?? {}), 'Idempotent-Replayed': 'true' },
      replayed: true,
    };
  });
}

/** Deletes keys older than `before` (run it periodically; clients retry within hours, not weeks). */
export async function purgeIdempotencyKeys(db: Knex, before: Date): Promise<number> {
  return db(IDEMPOTENCY_TABLE).where('created_at', '<', before).delete();
}
