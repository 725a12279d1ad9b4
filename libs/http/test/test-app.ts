import request from 'supertest';
import { NotFoundError } from '@itsm/core';
import { createHttpApp, type HttpApi } from '../src/app';
import { assertVersion, etag, requireIfMatch } from '../src/concurrency';
import { z } from '../src/openapi';
import { paginationQuery, sortQuery } from '../src/pagination';
import { AUTH, memoryLogger, token } from './helpers';

export type Agent = ReturnType<typeof request.agent>;

interface Incident {
  id: string;
  title: string;
  priority: number;
  version: number;
}

export const IncidentSchema = z
  .object({ id: z.string(), title: z.string(), priority: z.number().int(), version: z.number().int() })
  .openapi('Incident');

/** A small incident API exercising every feature of the layer. */
export function buildApi(opts: { bodyLimit?: string; readiness?: Record<string, () => Promise<void>> } = {}) {
  const mem = memoryLogger();
  const store = new Map<string, Incident>();
  let seq = 0;
  const api = createHttpApp({
    service: 'test',
    version: '1.2.3',
    logger: mem.logger,
    auth: AUTH,
    bodyLimit: opts.bodyLimit,
    readiness: opts.readiness,
    readinessTimeoutMs: 200,
    defaultMetrics: false,
  });
  api.route({
    method: 'post',
    path: '/api/v1/incidents',
    summary: 'Open an incident',
    tags: ['incidents'],
    roles: ['agent', 'requester'],
    body: z.object({
      title: z.string().min(1).max(255),
      priority: z.number().int().min(1).max(5).default(3),
      details: z.strictObject({ location: z.string() }).optional(),
    }),
    responses: { 201: { description: 'Created', schema: IncidentSchema } },
    handler: async ({ body }) => {
      const inc = { id: `INC${++seq}`, title: body.title, priority: body.priority, version: 1 };
      store.set(inc.id, inc);
      return { status: 201, body: inc, headers: { ETag: etag(1), Location: `/api/v1/incidents/${inc.id}` } };
    },
  });
  api.route({
    method: 'get',
    path: '/api/v1/incidents/:id',
    summary: 'Read an incident',
    roles: ['agent', 'requester'],
    params: z.object({ id: z.string().max(20) }),
    responses: { 200: { description: 'The incident', schema: IncidentSchema }, 404: { description: 'Not found' } },
    handler: async ({ params }) => {
      const inc = store.get(params.id);
      if (!inc) throw new NotFoundError('Incident', params.id);
      return { status: 200, body: inc, headers: { ETag: etag(inc.version) } };
    },
  });
  api.route({
    method: 'patch',
    path: '/api/v1/incidents/:id',
    summary: 'Update an incident',
    roles: ['agent'],
    body: z.object({ title: z.string().min(1).max(255).optional(), priority: z.number().int().min(1).max(5).optional() }),
    responses: { 200: { description: 'Updated', schema: IncidentSchema }, 412: { description: 'Stale version' } },
    handler: async ({ params, body, req }) => {
      const expected = requireIfMatch(req);
      const inc = store.get(params.id);
      if (!inc) throw new NotFoundError('Incident', params.id);
      assertVersion(inc.version, expected);
      Object.assign(inc, body, { version: inc.version + 1 });
      return { status: 200, body: inc, headers: { ETag: etag(inc.version) } };
    },
  });
  api.route({
    method: 'get',
    path: '/api/v1/incidents',
    summary: 'List incidents',
    roles: ['agent'],
    query: paginationQuery.extend({
      open: z.boolean().optional(),
      tags: z.array(z.string()).optional(),
      sort: sortQuery({ priority: 'priority', openedAt: 'opened_at' }, '-priority'),
    }),
    responses: { 200: { description: 'Echo of the parsed query' } },
    handler: async ({ query }) => ({ status: 200, body: query }),
  });
  api.route({
    method: 'get',
    path: '/api/v1/boom',
    summary: 'Fails',
    roles: ['agent'],
    responses: { 200: { description: 'never' } },
    handler: async () => {
      throw new Error('connection to db at 10.0.0.5 with password hunter2 failed');
    },
  });
  return { api, store, ...mem };
}

export function expectProblem(res: request.Response, status: number, type: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `urn:itsm:problem:${type}`, status, requestId: expect.any(String), instance: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

/** Per-test app and tokens: call in a describe block. */
export function useTestApi() {
  const ctx = {} as { t: ReturnType<typeof buildApi>; agent: string; requester: string; admin: string };
  beforeAll(async () => {
    ctx.agent = await token('ag1', ['agent']);
    ctx.requester = await token('ra1', ['requester']);
    ctx.admin = await token('root', ['admin']);
  });
  beforeEach(() => {
    ctx.t = buildApi();
  });
  const app = (api: HttpApi = ctx.t.api) => request(api.app);
  return { ctx, app };
}
