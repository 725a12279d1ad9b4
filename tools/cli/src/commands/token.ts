export const ROLES = ['requester', 'agent', 'problem_manager', 'change_manager', 'cab_member', 'release_manager', 'sla_manager', 'admin'] as const;

export interface TokenOptions {
  sub: string;
  roles: string[];
  groups?: string[];
  permissions?: string[];
  name?: string;
  expires: string;
}

/** Signs a local HS256 token with the same settings the services verify (JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE). */
export async function token(o: TokenOptions): Promise<string> {
  const bad = o.roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (bad.length) throw new Error(`Unknown role(s): ${bad.join(', ')}. Roles: ${ROLES.join(', ')}`);
  // jose is an ES module: loaded with a dynamic import from this CommonJS build.
  const { SignJWT } = await import('jose');
  const secret = process.env.JWT_SECRET ?? 'itsm-local-development-secret-change-me';
  return new SignJWT({ roles: o.roles, groups: o.groups ?? [], permissions: o.permissions ?? [], ...(o.name ? { name: o.name } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(o.sub)
    .setIssuer(process.env.JWT_ISSUER ?? 'itsm-local')
    .setAudience(process.env.JWT_AUDIENCE ?? 'itsm')
    .setIssuedAt()
    .setExpirationTime(o.expires)
    .sign(new TextEncoder().encode(secret));
}
