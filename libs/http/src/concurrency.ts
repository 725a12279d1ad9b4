import type { IncomingHttpHeaders } from 'node:http';
import { BadRequestError, PreconditionFailedError, PreconditionRequiredError } from '@itsm/core';

/** The ETag of a record version: `etag(5)` -> `"5"`. */
export function etag(version: number): string {
  return `"${version}"`;
}

type HasHeaders = { headers: IncomingHttpHeaders };

/**
 * Parses an If-Match value: `"5"`, `W/"5"` or `5` -> 5; undefined when absent.
 * Anything else (lists, `*`, non-numbers) -> 400.
 */
export function parseIfMatch(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const raw = (Array.isArray(value) ? value.join(',') : value).trim();
  const m = /^(?:W\/)?"(\d{1,15})"$|^(\d{1,15})$/.exec(raw);
  if (!m) {
    throw new BadRequestError('If-Match must hold one version ETag, such as "5"', 'INVALID_IF_MATCH', {
      errors: [{ field: 'If-Match', message: 'is not a version ETag', in: 'headers' }],
    });
  }
  return Number(m[1] ?? m[2]);
}

/** The version the client read, from If-Match. Missing -> 428; malformed -> 400. */
export function requireIfMatch(req: HasHeaders): number {
  const v = parseIfMatch(req.headers['if-match']);
  if (v === undefined) throw new PreconditionRequiredError();
  return v;
}

/** Throws 412 (with `currentVersion` in the body) unless the record is still at `expected`. */
export function assertVersion(current: number, expected: number): void {
  if (current !== expected) throw new PreconditionFailedError(current, expected);
}
