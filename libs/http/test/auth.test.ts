import { expectProblem, useTestApi } from './test-app';
import { token } from './helpers';

describe('authentication and roles', () => {
  const { ctx, app } = useTestApi();

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
      const res = await app().get('/api/v1/incidents').set('Authorization', `Bearer ${ctx.requester}`);
      expectProblem(res, 403, 'forbidden');
      expect(res.body.requiredRoles).toEqual(['agent']);
      expect(res.body.detail).toContain('agent');
    });

    it('lets admin through every role check', async () => {
      const res = await app().get('/api/v1/incidents').set('Authorization', `Bearer ${ctx.admin}`);
      expect(res.status).toBe(200);
    });

    it('refuses roles the platform does not know', async () => {
      const res = await app().get('/api/v1/incidents').set('Authorization', `Bearer ${await token('x', ['superuser' as 'admin'])}`);
      expectProblem(res, 403, 'forbidden');
    });
  });
});
