import { appendOutbox, incidentEvents, on, TOPICS } from '@itsm/events';
import { signToken, z } from '@itsm/http';
import { waitFor } from '@itsm/testing';
import { newInstance, startTestService, type RunningService, type ServiceDefinition } from '../src';

const secret = 'itsm-local-development-secret-change-me';
const seen: string[] = [];

const demo: ServiceDefinition = {
  name: 'demo',
  defaultPort: 0,
  migrations: [
    {
      name: '20260101_0001_note',
      up: (k) => k.schema.createTable('note', (t) => {
        t.increments('id');
        t.text('text').notNullable();
      }),
      down: (k) => k.schema.dropTable('note'),
    },
  ],
  routes(api, ctx) {
    api.route({
      method: 'post',
      path: '/api/v1/notes',
      summary: 'Write a note and its event in one transaction',
      roles: ['agent'],
      body: z.strictObject({ text: z.string().min(1) }),
      responses: { 201: { description: 'Created', schema: z.object({ id: z.number() }) } },
      handler: async ({ body }) => {
        const id = await ctx.knex.transaction(async (trx) => {
          const [row] = await trx('note').insert({ text: body.text }).returning('id');
          await appendOutbox(trx, ctx.source, [
            {
              event: incidentEvents.created,
              subject: `NOTE${row.id}`,
              data: {
                incident: { id: String(row.id), number: `NOTE${row.id}`, title: body.text, state: 'new', impact: 3, urgency: 3, priority: 4, openedAt: new Date().toISOString() },
                by: null,
              },
            },
          ]);
          return row.id as number;
        });
        return { status: 201, body: { id } };
      },
    });
  },
  consumers: () => [
    {
      name: 'echo',
      topics: [TOPICS.incident],
      handlers: [
        on(incidentEvents.created, async (e) => {
          seen.push(e.data.incident.title);
        }),
      ],
    },
  ],
};

let svc: RunningService;
beforeAll(async () => {
  svc = await startTestService(demo, { instance: newInstance() });
});
afterAll(async () => {
  await svc?.stop();
});

it('serves health, readiness (Postgres, Kafka, Temporal) and metrics without a token', async () => {
  expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  const ready = await fetch(`${svc.url}/readyz`);
  expect(ready.status).toBe(200);
  expect((await fetch(`${svc.url}/metrics`)).status).toBe(200);
});

it('runs a route, the outbox relay and a consumer together, isolated by its instance prefix', async () => {
  const token = await signToken({ sub: 'ag1', roles: ['agent'] }, { secret, issuer: 'itsm-local', audience: 'itsm', expiresIn: '5m' });
  const res = await fetch(`${svc.url}/api/v1/notes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'printer on fire' }),
  });
  expect(res.status).toBe(201);
  await waitFor(() => seen.includes('printer on fire'), { what: 'the consumer to see the event' });
  const row = await svc.ctx.knex('outbox').first();
  expect(row.topic).toBe(TOPICS.incident);
  expect(row.sent_at).not.toBeNull();
});
