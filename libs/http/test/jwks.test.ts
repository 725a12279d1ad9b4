import { execFile } from 'node:child_process';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * The JWKS path loads jose (an ES module) with a dynamic import, which jest's
 * CommonJS runtime cannot do; so these checks run the built package in a plain
 * Node process against a local JWKS endpoint.
 */
const DIST = join(__dirname, '..', 'dist', 'index.js');
const ISSUER = 'https://idp.test';
const AUDIENCE = 'itsm';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function rs256(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
  return `${head}.${createSign('RSA-SHA256').update(head).sign(key).toString('base64url')}`;
}

function verifyInChild(jwksUrl: string, tokens: string[]): Promise<Array<Record<string, unknown>>> {
  const script = `
    const { createTokenVerifier } = require(${JSON.stringify(DIST)});
    const verify = createTokenVerifier({ jwksUrl: process.env.JWKS_URL, issuer: ${JSON.stringify(ISSUER)}, audience: ${JSON.stringify(AUDIENCE)} });
    (async () => {
      const out = [];
      for (const t of JSON.parse(process.env.TOKENS)) {
        try { out.push({ user: await verify(t) }); }
        catch (e) { out.push({ status: e.status, code: e.code, message: e.message }); }
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--no-warnings', '-e', script],
      { env: { ...process.env, JWKS_URL: jwksUrl, TOKENS: JSON.stringify(tokens) }, timeout: 20_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe('JWKS verification (production path)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let server: Server;
  let url: string;
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({
    sub: 'ag1',
    roles: ['agent', 'bogus'],
    groups: ['desk'],
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 600,
    ...extra,
  });

  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error('Build first: npx tsc -b libs/http');
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts a token signed by the provider and refuses forged, expired and foreign ones', async () => {
    const results = await verifyInChild(url, [
      rs256(privateKey, 'k1', claims()),
      rs256(other.privateKey, 'k1', claims()),
      rs256(privateKey, 'k1', claims({ exp: now() - 60 })),
      rs256(privateKey, 'k1', claims({ aud: 'another-app' })),
      `${b64({ alg: 'none' })}.${b64(claims())}.`,
    ]);
    expect(results[0]).toEqual({ user: { id: 'ag1', roles: ['agent'], groups: ['desk'], permissions: [] } });
    expect(results[1]).toMatchObject({ status: 401, message: 'invalid token' });
    expect(results[2]).toMatchObject({ status: 401, message: 'token expired' });
    expect(results[3]).toMatchObject({ status: 401 });
    expect(results[4]).toMatchObject({ status: 401 });
  });

  it('answers 503 when the provider cannot be reached', async () => {
    const [r] = await verifyInChild('http://127.0.0.1:9/jwks', [rs256(privateKey, 'k1', claims())]);
    expect(r).toMatchObject({ status: 503, code: 'AUTH_PROVIDER_UNAVAILABLE' });
  });
});
