import request from 'supertest';
import { createHttpApp } from '../src/app';
import { buildApi, expectProblem, useTestApi } from './test-app';
import { AUTH, memoryLogger } from './helpers';

describe('http app', () => {
  const { ctx, app } = useTestApi();

  describe('optimistic concurrency', () => {
    beforeEach(async () => {
      await app().post('/api/v1/incidents').set('Authorization', `Bearer ${ctx.agent}`).send({ title: 'Printer down' });
    });
    const patch = (ifMatch?: string) => {
      const r = app().patch('/api/v1/incidents/INC1').set('Authorization', `Bearer ${ctx.agent}`);
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
      const res = await app().patch('/api/v1/incidents/INC1').set('Authorization', `Bearer ${ctx.agent}`).set('If-Match', '"1"').send({ title: 'lost' });
      expectProblem(res, 412, 'version-mismatch');
      expect(res.body).toMatchObject({ currentVersion: 2, givenVersion: 1 });
      expect(ctx.t.store.get('INC1')?.title).toBe('Printer down');
    });

    it('answers a missing If-Match with 428', async () => {
      expectProblem(await patch(), 428, 'precondition-required');
    });

    it('answers a malformed If-Match with 400', async () => {
      expectProblem(await patch('"abc"'), 400, 'invalid-if-match');
      expectProblem(await patch('*'), 400, 'invalid-if-match');
    });
  });

  it('answers an unknown route with 404 and a wrong method with 405 and Allow', async () => {
    const missing = await app().get('/api/v1/nothing').set('Authorization', `Bearer ${ctx.agent}`);
    expectProblem(missing, 404, 'route-not-found');
    const wrong = await app().delete('/api/v1/incidents/INC1').set('Authorization', `Bearer ${ctx.agent}`);
    expectProblem(wrong, 405, 'method-not-allowed');
    expect(wrong.headers.allow).toBe('GET, HEAD, PATCH, OPTIONS');
  });

  it('maps a NotFoundError to 404 problem+json', async () => {
    const res = await app().get('/api/v1/incidents/INC9').set('Authorization', `Bearer ${ctx.agent}`);
    expectProblem(res, 404, 'not-found');
    expect(res.body).toMatchObject({ resource: 'Incident', id: 'INC9', detail: 'Incident INC9 not found' });
  });

  it('answers an unexpected error with a bare 500 and logs it once with its stack', async () => {
    const res = await app().get('/api/v1/boom').set('Authorization', `Bearer ${ctx.agent}`).set('X-Request-Id', 'req-42');
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
    const lines = ctx.t.records().filter((r) => (r.req as { id?: string } | undefined)?.id === 'req-42');
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
    await app().get('/api/v1/incidents/INC7').set('Authorization', `Bearer ${ctx.agent}`).set('X-Request-Id', 'log-1');
    const lines = ctx.t.lines.filter((l) => l.includes('log-1'));
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]);
    expect(rec).toMatchObject({ level: 40, route: '/api/v1/incidents/:id', userId: 'ag1', res: { statusCode: 404 } });
    expect(ctx.t.lines.join('\n')).not.toContain(ctx.agent);
    expect(ctx.t.lines.join('\n').toLowerCase()).not.toContain('authorization');
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
      await app().get('/api/v1/incidents/INC1').set('Authorization', `Bearer ${ctx.agent}`);
      await app().get('/api/v1/incidents/INC2').set('Authorization', `Bearer ${ctx.agent}`);
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
      ctx.t.api.route({ method: 'get', path: '/x', summary: 'x', roles: [] as unknown as ['agent'], responses: {}, handler: async () => undefined }),
    ).toThrow(/roles/);
  });
});
