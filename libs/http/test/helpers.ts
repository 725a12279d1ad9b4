import { Writable } from 'node:stream';
import pino from 'pino';
import { signToken, type Role } from '../src/auth';

export const AUTH = { secret: 'test-secret-at-least-16-chars', issuer: 'itsm-test', audience: 'itsm' };

export function token(sub: string, roles: Role[], extra: { expiresIn?: number | string; secret?: string; issuer?: string; audience?: string } = {}) {
  return signToken(
    { sub, roles, groups: ['desk'], name: `User ${sub}` },
    {
      secret: extra.secret ?? AUTH.secret,
      issuer: extra.issuer ?? AUTH.issuer,
      audience: extra.audience ?? AUTH.audience,
      expiresIn: extra.expiresIn ?? '1h',
    },
  );
}

/** A pino logger that keeps its lines for assertions. */
export function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
