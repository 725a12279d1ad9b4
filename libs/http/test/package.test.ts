import request from 'supertest';
import * as http from '@itsm/http';

/** Services import the built package by name inside jest: it must load and work there. */
describe('the @itsm/http package entry', () => {
  it('exports the service-facing API', () => {
    for (const name of [
      'createHttpApp', 'signToken', 'hasRole', 'etag', 'requireIfMatch', 'assertVersion', 'runIdempotent',
      'idempotencyMigration', 'paginationQuery', 'encodeCursor', 'decodeCursor', 'keysetPage', 'sortQuery', 'z',
    ]) {
      expect(http).toHaveProperty(name);
    }
    expect(typeof http.z.string().openapi).toBe('function');
  });

  it('serves an authenticated route from the built code', async () => {
    const auth = { secret: 'package-test-secret-1234', issuer: 'i', audience: 'a' };
    const { createLogger } = await import('@itsm/core');
    const api = http.createHttpApp({ service: 'pkg', version: '1', logger: createLogger('pkg', 'silent'), auth, defaultMetrics: false });
    api.route({
      method: 'get',
      path: '/api/v1/me',
      summary: 'Who am I',
      roles: ['requester'],
      responses: { 200: { description: 'The caller' } },
      handler: async ({ user }) => ({ status: 200, body: user }),
    });
    const token = await http.signToken({ sub: 'u1', roles: ['requester'] }, { ...auth, expiresIn: '5m' });
    const res = await request(api.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 'u1', roles: ['requester'], groups: [], permissions: [] });
  });
});
