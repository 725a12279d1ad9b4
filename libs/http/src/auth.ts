import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, ForbiddenError, UnauthorizedError } from '@itsm/core';

/** The platform's roles. `admin` passes every role check. */
export const ROLES = [
  'requester',
  'agent',
  'problem_manager',
  'change_manager',
  'cab_member',
  'release_manager',
  'sla_manager',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** The caller, from the bearer token's claims `sub`, `name`, `roles`, `groups`, `permissions`. */
export interface AuthUser {
  id: string;
  name?: string;
  roles: Role[];
  groups: string[];
  permissions: string[];
}

export interface AuthOptions {
  /** HS256 shared secret (local development and tests). */
  secret?: string;
  /** JWKS URL of the identity provider (production); tokens are then verified with its public keys. */
  jwksUrl?: string;
  issuer: string;
  audience: string;
  /** Allowed clock skew when checking `exp` and `nbf`. Default 5 s. */
  clockToleranceSec?: number;
}

export interface TokenClaims {
  sub: string;
  roles: Role[];
  groups?: string[];
  permissions?: string[];
  name?: string;
}

export interface SignOptions {
  secret: string;
  issuer: string;
  audience: string;
  /** Lifetime in seconds (negative gives an already expired token), or a string such as '15m', '8h', '7d'. */
  expiresIn: number | string;
}

/** True when the user has one of `roles`, or is an admin. */
export function hasRole(user: Pick<AuthUser, 'roles'> | undefined, ...roles: Role[]): boolean {
  if (!user) return false;
  return user.roles.includes('admin') || roles.some((r) => user.roles.includes(r));
}

/** Throws 403 naming the roles needed unless the user has one of them (admin always passes). */
export function assertRole(user: AuthUser, roles: readonly Role[]): void {
  if (!hasRole(user, ...roles)) {
    throw new ForbiddenError(`This operation needs one of the roles: ${roles.join(', ')}`, {
      requiredRoles: [...roles],
    });
  }
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
const B64URL = /^[A-Za-z0-9_-]+$/;

function lifetimeSeconds(expiresIn: number | string): number {
  if (typeof expiresIn === 'number') return Math.trunc(expiresIn);
  const m = /^(-?\d+)\s*(s|m|h|d)?$/.exec(expiresIn.trim());
  if (!m) throw new Error(`Bad expiresIn: ${expiresIn} (use seconds or e.g. '15m', '8h', '7d')`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** Signs an HS256 JWT for local use (`itsm token`) and tests. */
export async function signToken(claims: TokenClaims, opts: SignOptions): Promise<string> {
  if (!opts.secret) throw new Error('signToken needs a secret');
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    sub: claims.sub,
    ...(claims.name !== undefined ? { name: claims.name } : {}),
    roles: claims.roles,
    groups: claims.groups ?? [],
    permissions: claims.permissions ?? [],
    iss: opts.issuer,
    aud: opts.audience,
    iat: now,
    exp: now + lifetimeSeconds(opts.expiresIn),
  };
  const head = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(payload))}`;
  const sig = createHmac('sha256', opts.secret).update(head).digest('base64url');
  return `${head}.${sig}`;
}

/** Raised for any token that is not acceptable; `message` goes to the client. */
export class TokenError extends UnauthorizedError {}

function decodePart(part: string): Record<string, unknown> {
  if (!B64URL.test(part)) throw new TokenError('malformed token');
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed token');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TokenError('malformed token');
  return v as Record<string, unknown>;
}

function verifyHs256(token: string, secret: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed token');
  const header = decodePart(parts[0]);
  if (header.alg !== 'HS256') throw new TokenError('unsupported token algorithm');
  if (header.crit !== undefined) throw new TokenError('unsupported critical token header');
  if (!B64URL.test(parts[2])) throw new TokenError('malformed token');
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TokenError('invalid token signature');
  }
  return decodePart(parts[1]);
}

/** Registered-claim checks shared by both verification paths (jose re-checks the JWKS path too). */
function checkClaims(p: Record<string, unknown>, opts: AuthOptions): void {
  const now = Math.floor(Date.now() / 1000);
  const tol = opts.clockToleranceSec ?? 5;
  if (typeof p.exp !== 'number') throw new TokenError('token has no expiry');
  if (now - tol >= p.exp) throw new TokenError('token expired');
  if (p.nbf !== undefined && (typeof p.nbf !== 'number' || now + tol < p.nbf)) throw new TokenError('token not yet valid');
  if (p.iss !== opts.issuer) throw new TokenError('token issuer not accepted');
  const aud = Array.isArray(p.aud) ? p.aud : [p.aud];
  if (!aud.includes(opts.audience)) throw new TokenError('token audience not accepted');
}

const stringArray = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function toUser(p: Record<string, unknown>): AuthUser {
  if (typeof p.sub !== 'string' || p.sub.length === 0) throw new TokenError('token has no subject');
  const roles = stringArray(p.roles).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  return {
    id: p.sub,
    ...(typeof p.name === 'string' ? { name: p.name } : {}),
    roles: [...new Set(roles)],
    groups: stringArray(p.groups),
    permissions: stringArray(p.permissions),
  };
}

type JwtVerifyFn = (token: string) => Promise<Record<string, unknown>>;

/**
 * JWKS verification with jose. jose is an ES module, so it is loaded with a
 * dynamic import the first time a token arrives; the key set is cached by jose.
 */
function jwksVerifier(opts: AuthOptions & { jwksUrl: string }): JwtVerifyFn {
  let ready: Promise<JwtVerifyFn> | undefined;
  const init = async (): Promise<JwtVerifyFn> => {
    const jose = await import('jose');
    const keys = jose.createRemoteJWKSet(new URL(opts.jwksUrl));
    return async (token) => {
      try {
        const { payload } = await jose.jwtVerify(token, keys, {
          issuer: opts.issuer,
          audience: opts.audience,
          clockTolerance: opts.clockToleranceSec ?? 5,
          algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
        });
        return payload as Record<string, unknown>;
      } catch (e) {
        const code = (e as { code?: string }).code ?? '';
        if (code === 'ERR_JWT_EXPIRED') throw new TokenError('token expired');
        if (code === 'ERR_JWKS_TIMEOUT' || !/^ERR_JO?[WS]/.test(code) || code === 'ERR_JOSE_GENERIC') {
          // The key set could not be fetched: the provider is down, not the token bad.
          throw new AppError(503, 'AUTH_PROVIDER_UNAVAILABLE', 'The identity provider cannot be reached');
        }
        throw new TokenError('invalid token');
      }
    };
  };
  return async (token) => {
    ready ??= init().catch((e) => {
      ready = undefined;
      throw e;
    });
    return (await ready)(token);
  };
}

/** Builds the token verifier: HS256 with `secret`, or the provider's keys from `jwksUrl`. */
export function createTokenVerifier(opts: AuthOptions): (token: string) => Promise<AuthUser> {
  if (!opts.secret && !opts.jwksUrl) throw new Error('auth needs a secret (HS256) or a jwksUrl');
  const verify: JwtVerifyFn = opts.jwksUrl
    ? jwksVerifier({ ...opts, jwksUrl: opts.jwksUrl })
    : async (token) => verifyHs256(token, opts.secret as string);
  return async (token) => {
    const payload = await verify(token);
    checkClaims(payload, opts);
    return toUser(payload);
  };
}

/** The bearer token of an Authorization header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header);
  if (!m) throw new TokenError('Authorization header must be "Bearer <token>"');
  return m[1];
}
