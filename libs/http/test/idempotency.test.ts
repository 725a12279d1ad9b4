import request from 'supertest';
import { newId, ValidationError } from '@itsm/core';
import { createKnex, dropDatabase, ensureDatabase, migrateLatest, type Knex, type Migration } from '@itsm/db';
import { createHttpApp } from '../src/app';
import { canonicalJson, idempotencyKeyOf, idempotencyMigration, runIdempotent } from '../src/idempotency';
import { z } from '../src/openapi';
import { AUTH, memoryLogger, token } from './helpers';

const SERVER = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DB = `itsm_test_http_idem_${process.env.JEST_WORKER_ID ?? '0'}`;

const ticketMigration: Migration = {
  name: '20261203_0001_ticket',
  up: (k) => k.raw('CREATE TABLE ticket (id text PRIMARY KEY, title text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())'),
  down: (k) => k.raw('DROP TABLE ticket'),
};

describe('Idempotency-Key on creates (real Postgres)', () => {
  let knex: Knex;
  let api: ReturnType<typeof createHttpApp>;
  let agent: string;

  beforeAll(async () => {
    await dropDatabase(SERVER, DB);
    await ensureDatabase(SERVER, DB);
    knex = createKnex({ serverUrl: SERVER, database: DB });
    await migrateLatest(knex, [idempotencyMigration, ticketMigration]);
    agent = await token('ag1', ['agent']);
    api = createHttpApp({ service: 'tickets', version: '1', logger: memoryLogger().logger, auth: AUTH, defaultMetrics: false });
    api.route({
      method: 'post',
      path: '/tickets',
      summary: 'Open a ticket',
      roles: ['agent', 'requester'],
      body: z.object({ title: z.string().min(1).max(255) }),
      responses: { 201: { description: 'Created' } },
      handler: async ({ body, user, req }) =>
        runIdempotent(knex, { scope: `ticket.create:${user.id}`, key: idempotencyKeyOf(req), requestBody: body }, async (trx) => {
          if (body.title === 'refused') throw new ValidationError('refused', [{ field: 'title', message: 'refused' }]);
          const id = newId();
          await trx.raw('SELECT pg_sleep(0.2)'); // widen the window for concurrent duplicates
          const [row] = await trx('ticket').insert({ id, title: body.title }).returning(['id', 'title']);
          return { status: 201, body: row, headers: { Location: `/tickets/${id}` } };
        }),
    });
  });
  afterEach(async () => {
    await knex.raw('TRUNCATE ticket, idempotency_key');
  });
  afterAll(async () => {
    await knex.destroy();
  });

  const post = (body: object, key?: string, bearer = agent) => {
    const r = request(api.app).post('/tickets').set('Authorization', `Bearer ${bearer}`);
    if (key !== undefined) r.set('Idempotency-Key', key);
    return r.send(body);
  };
  const count = async () => Number((await knex('ticket').count({ n: '*' }))[0].n);

  it('C16 A: two identical concurrent requests with one key create one ticket and both answer its id', async () => {
    const [a, b] = await Promise.all([post({ title: 'Printer down' }, 'k-7f3a'), post({ title: 'Printer down' }, 'k-7f3a')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).toEqual(expect.any(String));
    expect(b.body.id).toBe(a.body.id);
    expect([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']].sort()).toEqual(['true', undefined].sort());
    expect(await count()).toBe(1);

    const later = await post({ title: 'Printer down' }, 'k-7f3a');
    expect(later.status).toBe(201);
    expect(later.body).toEqual(a.body);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.headers.location).toBe(`/tickets/${a.body.id}`);
    expect(await count()).toBe(1);
  });

  it('C16 C: the same body with different keys creates two tickets', async () => {
    const [a, b] = await Promise.all([post({ title: 'Printer down' }, 'k-1'), post({ title: 'Printer down' }, 'k-2')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(await count()).toBe(2);
  });

  it('answers a key reused with another body with 422 IDEMPOTENCY_KEY_REUSED and creates nothing more', async () => {
    expect((await post({ title: 'Printer down' }, 'k-9')).status).toBe(201);
    const res = await post({ title: 'Scanner down' }, 'k-9');
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', type: 'urn:itsm:problem:idempotency-key-reused' });
    expect(await count()).toBe(1);
  });

  it('treats the same body with keys in another order as the same request', async () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('keeps keys apart per caller', async () => {
    const other = await token('ag2', ['agent']);
    const a = await post({ title: 'Printer down' }, 'shared', agent);
    const b = await post({ title: 'Printer down' }, 'shared', other);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
  });

  it('stores nothing when the create fails, so a retry with the key runs the create again', async () => {
    const bad = await post({ title: 'refused' }, 'k-fail');
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(Number((await knex('idempotency_key').count({ n: '*' }))[0].n)).toBe(0);
    const again = await post({ title: 'refused' }, 'k-fail');
    expect(again.status).toBe(422);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('creates every time without a key', async () => {
    await post({ title: 'Printer down' });
    await post({ title: 'Printer down' });
    expect(await count()).toBe(2);
  });

  it('answers a key longer than 255 characters with 400, and accepts 255', async () => {
    const res = await post({ title: 'x' }, 'k'.repeat(256));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_IDEMPOTENCY_KEY', errors: [{ field: 'Idempotency-Key' }] });
    expect((await post({ title: 'x' }, 'k'.repeat(255))).status).toBe(201);
    expect(await count()).toBe(1);
  });

  it('runs inside a caller transaction and rolls back with it', async () => {
    await expect(
      knex.transaction(async (trx) => {
        await runIdempotent(trx, { scope: 's', key: 'inner', requestBody: {} }, async (t) => {
          await t('ticket').insert({ id: 'T1', title: 'x' });
          return { status: 201, body: { id: 'T1' } };
        });
        throw new Error('outer failure');
      }),
    ).rejects.toThrow('outer failure');
    expect(await count()).toBe(0);
    expect(Number((await knex('idempotency_key').count({ n: '*' }))[0].n)).toBe(0);
  });
});
