import request from 'supertest';
import { NotFoundError } from '@itsm/core';
import { createHttpApp, type HttpApi } from '../src/app';
import { assertVersion, etag, requireIfMatch } from '../src/concurrency';
import { z } from '../src/openapi';
import { paginationQuery, sortQuery } from '../src/pagination';
import { AUTH, memoryLogger, token } from './helpers';

type Agent = ReturnType<typeof request.agent>;

interface Incident {
  id: string;
  title: string;
  priority: number;
  version: number;
}

const IncidentSchema = z
  .object({ id: z.string(), title: z.string(), priority: z.number().int(), version: z.number().int() })
  .openapi('Incident');

function buildApi(opts: { bodyLimit?: string; readiness?: Record<string, () => Promise<void>> } = {}) {
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

describe('http app', () => {
  let t: ReturnType<typeof buildApi>;
  let agent: string;
  let requester: string;
  let admin: string;
  beforeAll(async () => {
    agent = await token('ag1', ['agent']);
    requester = await token('ra1', ['requester']);
    admin = await token('root', ['admin']);
  });
  beforeEach(() => {
    t = buildApi();
  });
  const app = (api: HttpApi = t.api) => request(api.app);

  const expectProblem = (res: request.Response, status: number, type: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: `urn:itsm:problem:${type}`, status, requestId: expect.any(String), instance: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  };

  it('creates with a valid body and returns the handler headers', async () => {
    const res = await app()
      .post('/api/v1/incidents')
      .set('Authorization', `Bearer ${agent}`)
      .send({ title: '<script>alert(1)</script>Printer down' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 'INC1', title: '<script>alert(1)</script>Printer down', priority: 3, version: 1 });
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe('/api/v1/incidents/INC1');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers malformed JSON with 400 malformed-json', async () => {
    const res = await app()
      .post('/api/v1/incidents')
      .set('Authorization', `Bearer ${agent}`)
      .set('Content-Type', 'application/json')
      .send('{"title": "x",');
    expectProblem(res, 400, 'malformed-json');
    expect(res.body.instance).toBe('/api/v1/incidents');
  });

  it('answers bad fields with 422 naming every one of them', async () => {
    const res = await app()
      .post('/api/v1/incidents')
      .set('Authorization', `Bearer ${agent}`)
      .send({ title: 'x'.repeat(256), priority: 9, details: { location: 5 } });
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['details.location', 'priority', 'title']);
    expect(res.body.errors[0]).toEqual({ field: expect.any(String), message: expect.any(String), in: 'body' });
    expect(t.store.size).toBe(0);
  });

  it('accepts a title of exactly 255 characters', async () => {
    const res = await app().post('/api/v1/incidents').set('Authorization', `Bearer ${agent}`).send({ title: 'x'.repeat(255) });
    expect(res.status).toBe(201);
  });

  it('names missing required fields', async () => {
    const res = await app().post('/api/v1/incidents').set('Authorization', `Bearer ${agent}`).send({});
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors).toEqual([{ field: 'title', message: 'is required', in: 'body' }]);
  });

  it('rejects unknown body fields, also in nested strict objects, naming them', async () => {
    const res = await app()
      .post('/api/v1/incidents')
      .set('Authorization', `Bearer ${agent}`)
      .send({ title: 'ok', state: 'closed', details: { location: 'HQ', floor: 3 } });
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['details.floor', 'state']);
    expect(res.body.detail).toContain('state');
  });

  it('answers a missing body with 422 and a non-JSON body with 415', async () => {
    const none = await app().post('/api/v1/incidents').set('Authorization', `Bearer ${agent}`);
    expectProblem(none, 422, 'validation-failed');
    const text = await app().post('/api/v1/incidents').set('Authorization', `Bearer ${agent}`).set('Content-Type', 'text/plain').send('title=x');
    expectProblem(text, 415, 'unsupported-media-type');
  });

  it('answers a body over the limit with 413, never 500, and creates nothing', async () => {
    const body = (n: number) => JSON.stringify({ title: 'x'.repeat(n - 12) });
    expect(Buffer.byteLength(body(1024 * 1024 + 1))).toBe(1024 * 1024 + 1);
    const post = (b: string) =>
      app().post('/api/v1/incidents').set('Authorization', `Bearer ${agent}`).set('Content-Type', 'application/json').send(b);
    expectProblem(await post(body(1024 * 1024 + 1)), 413, 'payload-too-large');
    // Exactly at the limit the body is parsed, and the title is refused by its own rule.
    expectProblem(await post(body(1024 * 1024)), 422, 'validation-failed');
    expect(t.store.size).toBe(0);
  });

  it('honours a smaller app body limit', async () => {
    const small = buildApi({ bodyLimit: '1kb' });
    const res = await app(small.api).post('/api/v1/incidents').set('Authorization', `Bearer ${agent}`).send({ title: 'x'.repeat(2000) });
    expectProblem(res, 413, 'payload-too-large');
    expect(res.body.limit).toBe('1kb');
  });

  describe('authentication', () => {
    it('answers a missing token with 401 and WWW-Authenticate', async () => {
      const res = await app().get('/api/v1/incidents/INC1');
      expectProblem(res, 401, 'unauthenticated');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="itsm"');
    });

    it.each([
      ['a token signed with another secret', () => token('x', ['agent'], { secret: 'another-secret-of-16-chars' }), 'invalid token signature'],
      ['an expired token', () => token('x', ['agent'], { expiresIn: -60 }), 'token expired'],
      ['a token for another audience', () => token('x', ['agent'], { audience: 'other' }), 'token audience not accepted'],
      ['a token from another issuer', () => token('x', ['agent'], { issuer: 'evil' }), 'token issuer not accepted'],
      ['garbage', async () => 'not-a-jwt', 'malformed token'],
      [
        'an unsigned token (alg none)',
        async () => {
          const [, payload] = (await token('x', ['admin'])).split('.');
          return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
        },
        'unsupported token algorithm',
      ],
    ])('answers %s with 401', async (_name, make, detail) => {
      const res = await app().get('/api/v1/incidents/INC1').set('Authorization', `Bearer ${await make()}`);
      expectProblem(res, 401, 'unauthenticated');
      expect(res.body.detail).toBe(detail);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('answers a non-bearer Authorization header with 401', async () => {
      const res = await app().get('/api/v1/incidents/INC1').set('Authorization', 'Basic dXNlcjpwYXNz');
      expectProblem(res, 401, 'unauthenticated');
    });

    it('does not parse the body of an unauthenticated request', async () => {
      const res = await app().post('/api/v1/incidents').set('Content-Type', 'application/json').send('{bad');
      expectProblem(res, 401, 'unauthenticated');
    });
  });

  describe('roles', () => {
    it('answers a caller without the role with 403 naming the roles needed', async () => {
      const res = await app().get('/api/v1/incidents').set('Authorization', `Bearer ${requester}`);
      expectProblem(res, 403, 'forbidden');
      expect(res.body.requiredRoles).toEqual(['agent']);
      expect(res.body.detail).toContain('agent');
    });

    it('lets admin through every role check', async () => {
      const res = await app().get('/api/v1/incidents').set('Authorization', `Bearer ${admin}`);
      expect(res.status).toBe(200);
    });

    it('refuses roles the platform does not know', async () => {
      const res = await app().get('/api/v1/incidents').set('Authorization', `Bearer ${await token('x', ['superuser' as 'admin'])}`);
      expectProblem(res, 403, 'forbidden');
    });
  });

  describe('optimistic concurrency', () => {
    beforeEach(async () => {
      await app().post('/api/v1/incidents').set('Authorization', `Bearer ${agent}`).send({ title: 'Printer down' });
    });
    const patch = (ifMatch?: string) => {
      const r = app().patch('/api/v1/incidents/INC1').set('Authorization', `Bearer ${agent}`);
      if (ifMatch !== undefined) r.set('If-Match', ifMatch);
      return r.send({ priority: 1 });
    };

    it('applies an update with the current ETag and returns the next one', async () => {
      const res = await patch('"1"');
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect((await patch('W/"2"')).status).toBe(200);
      expect((await patch('3')).status).toBe(200);
    });

    it('answers a stale If-Match with 412 carrying the current version, and applies nothing', async () => {
      await patch('"1"');
      const res = await app().patch('/api/v1/incidents/INC1').set('Authorization', `Bearer ${agent}`).set('If-Match', '"1"').send({ title: 'lost' });
      expectProblem(res, 412, 'version-mismatch');
      expect(res.body).toMatchObject({ currentVersion: 2, givenVersion: 1 });
      expect(t.store.get('INC1')?.title).toBe('Printer down');
    });

    it('answers a missing If-Match with 428', async () => {
      expectProblem(await patch(), 428, 'precondition-required');
    });

    it('answers a malformed If-Match with 400', async () => {
      expectProblem(await patch('"abc"'), 400, 'invalid-if-match');
      expectProblem(await patch('*'), 400, 'invalid-if-match');
    });
  });

  describe('query parsing', () => {
    it('coerces numbers, booleans, lists and parses sort', async () => {
      const res = await app()
        .get('/api/v1/incidents?limit=5&open=false&tags=a,b&sort=-openedAt,priority')
        .set('Authorization', `Bearer ${agent}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        limit: 5,
        open: false,
        tags: ['a', 'b'],
        sort: [
          { field: 'openedAt', column: 'opened_at', direction: 'desc' },
          { field: 'priority', column: 'priority', direction: 'asc' },
        ],
      });
    });

    it('applies defaults', async () => {
      const res = await app().get('/api/v1/incidents').set('Authorization', `Bearer ${agent}`);
      expect(res.body).toEqual({ limit: 50, sort: [{ field: 'priority', column: 'priority', direction: 'desc' }] });
    });

    it('answers an out-of-range limit, a bad boolean and an unknown sort field with 422 naming each', async () => {
      const res = await app().get('/api/v1/incidents?limit=500&open=maybe&sort=-secret').set('Authorization', `Bearer ${agent}`);
      expectProblem(res, 422, 'validation-failed');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'open', 'sort']);
      expect(res.body.errors.every((e: { in: string }) => e.in === 'query')).toBe(true);
    });
  });

  it.each([
    ['a malformed percent-encoding in the path', (r: Agent) => r.get('/api/v1/incidents/%E0%A4%A')],
    ['a repeated scalar query parameter', (r: Agent) => r.get('/api/v1/incidents?limit=1&limit=2')],
    ['a repeated boolean query parameter', (r: Agent) => r.get('/api/v1/incidents?open=true&open=false')],
    ['a JSON array body', (r: Agent) => r.post('/api/v1/incidents').set('Content-Type', 'application/json').send('[]')],
    ['a JSON null body', (r: Agent) => r.post('/api/v1/incidents').set('Content-Type', 'application/json').send('null')],
    ['a JSON string body', (r: Agent) => r.post('/api/v1/incidents').set('Content-Type', 'application/json').send('"x"')],
    ['a __proto__ key', (r: Agent) => r.post('/api/v1/incidents').set('Content-Type', 'application/json').send('{"title":"x","__proto__":{"admin":true}}')],
    ['deeply nested JSON', (r: Agent) => r.post('/api/v1/incidents').set('Content-Type', 'application/json').send(`{"title":${'['.repeat(5000)}${']'.repeat(5000)}}`)],
    ['an unknown charset', (r: Agent) => r.post('/api/v1/incidents').set('Content-Type', 'application/json; charset=klingon').send('{"title":"x"}')],
    ['a corrupt gzip body', (r: Agent) => r.post('/api/v1/incidents').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('not gzip')],
    ['an unknown content encoding', (r: Agent) => r.post('/api/v1/incidents').set('Content-Type', 'application/json').set('Content-Encoding', 'br2').send('{}')],
    ['a number where a string belongs', (r: Agent) => r.post('/api/v1/incidents').send({ title: 42 })],
    ['a huge number', (r: Agent) => r.post('/api/v1/incidents').set('Content-Type', 'application/json').send('{"title":"x","priority":1e999}')],
    ['an If-Match with a huge version', (r: Agent) => r.patch('/api/v1/incidents/INC1').set('If-Match', `"${'9'.repeat(40)}"`).send({})],
  ])('answers %s with a 4xx problem, never a 5xx', async (_name, make) => {
    const res = await make(request.agent(t.api.app).set('Authorization', `Bearer ${agent}`) as unknown as Agent);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers an unknown route with 404 and a wrong method with 405 and Allow', async () => {
    const missing = await app().get('/api/v1/nothing').set('Authorization', `Bearer ${agent}`);
    expectProblem(missing, 404, 'route-not-found');
    const wrong = await app().delete('/api/v1/incidents/INC1').set('Authorization', `Bearer ${agent}`);
    expectProblem(wrong, 405, 'method-not-allowed');
    expect(wrong.headers.allow).toBe('GET, HEAD, PATCH, OPTIONS');
  });

  it('maps a NotFoundError to 404 problem+json', async () => {
    const res = await app().get('/api/v1/incidents/INC9').set('Authorization', `Bearer ${agent}`);
    expectProblem(res, 404, 'not-found');
    expect(res.body).toMatchObject({ resource: 'Incident', id: 'INC9', detail: 'Incident INC9 not found' });
  });

  it('answers an unexpected error with a bare 500 and logs it once with its stack', async () => {
    const res = await app().get('/api/v1/boom').set('Authorization', `Bearer ${agent}`).set('X-Request-Id', 'req-42');
    expectProblem(res, 500, 'internal-error');
    expect(res.body).toEqual({
      type: 'urn:itsm:problem:internal-error',
      title: 'Internal Server Error',
      status: 500,
      detail: 'internal error',
      instance: '/api/v1/boom',
      code: 'INTERNAL_ERROR',
      requestId: 'req-42',
    });
    const lines = t.records().filter((r) => (r.req as { id?: string } | undefined)?.id === 'req-42');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, route: '/api/v1/boom', res: { statusCode: 500 } });
    expect((lines[0].err as { stack: string }).stack).toContain('hunter2');
  });

  it('echoes a sane X-Request-Id and replaces an insane one', async () => {
    const ok = await app().get('/healthz').set('X-Request-Id', 'abc-123');
    expect(ok.headers['x-request-id']).toBe('abc-123');
    const bad = await app().get('/healthz').set('X-Request-Id', 'x'.repeat(300));
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one line per request with route, status and user, and never the Authorization header', async () => {
    await app().get('/api/v1/incidents/INC7').set('Authorization', `Bearer ${agent}`).set('X-Request-Id', 'log-1');
    const lines = t.lines.filter((l) => l.includes('log-1'));
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]);
    expect(rec).toMatchObject({ level: 40, route: '/api/v1/incidents/:id', userId: 'ag1', res: { statusCode: 404 } });
    expect(t.lines.join('\n')).not.toContain(agent);
    expect(t.lines.join('\n').toLowerCase()).not.toContain('authorization');
  });

  describe('public operations endpoints', () => {
    it('serves /healthz', async () => {
      const res = await app().get('/healthz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('answers /readyz 200 when every check passes', async () => {
      const ready = buildApi({ readiness: { postgres: async () => {}, kafka: async () => {} } });
      const res = await app(ready.api).get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', checks: { postgres: { status: 'ok' }, kafka: { status: 'ok' } } });
    });

    it('answers /readyz 503 naming the check that throws or hangs', async () => {
      const down = buildApi({
        readiness: {
          postgres: async () => {},
          kafka: async () => {
            throw new Error('connect ECONNREFUSED 127.0.0.1:9092');
          },
          temporal: () => new Promise<void>(() => {}),
        },
      });
      const res = await app(down.api).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        status: 'unavailable',
        checks: { postgres: { status: 'ok' }, kafka: { status: 'down', error: 'failed' }, temporal: { status: 'down', error: 'timed out after 200 ms' } },
      });
      expect(JSON.stringify(res.body)).not.toContain('127.0.0.1');
    });

    it('exposes the request histogram by route pattern on /metrics', async () => {
      await app().get('/api/v1/incidents/INC1').set('Authorization', `Bearer ${agent}`);
      await app().get('/api/v1/incidents/INC2').set('Authorization', `Bearer ${agent}`);
      await app().get('/no/such/path');
      const res = await app().get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
      expect(res.text).toMatch(/http_request_duration_seconds_count\{[^}]*method="GET",route="\/api\/v1\/incidents\/:id",status="404"[^}]*\} 2/);
      expect(res.text).toContain('route="(unmatched)"');
      expect(res.text).not.toContain('INC1');
    });

    it('collects default process metrics when enabled', async () => {
      const api = createHttpApp({ service: 'm', version: '1', logger: memoryLogger().logger, auth: AUTH });
      const res = await request(api.app).get('/metrics');
      expect(res.text).toContain('process_cpu_user_seconds_total');
      expect(res.text).toContain('service="m"');
    });

    it('serves the OpenAPI document with {id} params, the bearer scheme and roles', async () => {
      const res = await app().get('/openapi.json');
      expect(res.status).toBe(200);
      const doc = res.body;
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info).toMatchObject({ title: 'test API', version: '1.2.3' });
      expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      const get = doc.paths['/api/v1/incidents/{id}'].get;
      expect(get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
      expect(get.security).toEqual([{ bearerAuth: [] }]);
      expect(get.description).toContain('agent, requester');
      expect(get['x-roles']).toEqual(['agent', 'requester']);
      expect(get.responses['404'].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
      expect(get.responses['401']).toBeDefined();
      const post = doc.paths['/api/v1/incidents'].post;
      expect(post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
      expect(post.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/Incident');
      const list = doc.paths['/api/v1/incidents'].get;
      expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'limit', 'open', 'sort', 'tags']);
      expect(doc.paths['/healthz'].get.security).toEqual([]);
    });

    it('serves Swagger UI at /docs from local assets', async () => {
      const redirect = await app().get('/docs');
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe('/docs/');
      const page = await app().get('/docs/');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.text).toContain('swagger-ui');
      expect(page.text).not.toMatch(/https?:\/\/(cdn|unpkg)/);
      const init = await app().get('/docs/swagger-ui-init.js');
      expect(init.text).toContain('/openapi.json');
      const bundle = await app().get('/docs/swagger-ui-bundle.js');
      expect(bundle.status).toBe(200);
    });
  });

  it('refuses a route without roles at definition time', () => {
    expect(() =>
      t.api.route({ method: 'get', path: '/x', summary: 'x', roles: [] as unknown as ['agent'], responses: {}, handler: async () => undefined }),
    ).toThrow(/roles/);
  });
});
