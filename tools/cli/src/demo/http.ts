import { signToken, type Role } from '@itsm/http';

/** A person (or system account) of the story, with the bearer token the services accept. */
export interface Actor {
  id: string;
  name: string;
  roles: Role[];
  groups?: string[];
  token: string;
}

export interface JwtSettings {
  secret: string;
  issuer: string;
  audience: string;
}

export async function actor(jwt: JwtSettings, id: string, name: string, roles: Role[], groups: string[] = []): Promise<Actor> {
  const token = await signToken({ sub: id, name, roles, groups }, { secret: jwt.secret, issuer: jwt.issuer, audience: jwt.audience, expiresIn: '2h' });
  return { id, name, roles, groups, token };
}

/** A failure the demo explains: which service, which record, what did not happen. */
export class DemoError extends Error {}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  etag: string;
}

/** One service's public API, called as one actor or another. */
export class ServiceApi {
  constructor(
    readonly service: string,
    readonly baseUrl: string,
  ) {}

  async call<T = unknown>(who: Actor, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${who.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new DemoError(`${this.service} service at ${this.baseUrl} did not answer ${method} ${path}: ${(e as Error).cause ?? (e as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed as T, etag: res.headers.get('etag') ?? '' };
  }

  /** Like call(), but anything other than the expected statuses (default: any 2xx) is a DemoError naming the call and the answer. */
  async ok<T = unknown>(who: Actor, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, expected?: number[]): Promise<Reply<T>> {
    const r = await this.call<T>(who, method, path, body, headers);
    const fine = expected ? expected.includes(r.status) : r.status >= 200 && r.status < 300;
    if (!fine) throw new DemoError(`${this.service} service refused ${method} ${path} by ${who.id} (${r.status}): ${describeProblem(r.body)}`);
    return r;
  }

  /**
   * Reads a record and sends a conditional write at its current version; a
   * 412 (the services change records concurrently: consumers, workflows) is
   * retried at the new version. `skip` answers true when the write is no
   * longer needed (someone else already did it): the current record is returned.
   */
  async writeAtVersion<T = unknown>(
    who: Actor,
    readPath: string,
    method: string,
    writePath: string,
    body: unknown,
    skip?: (current: T) => boolean,
  ): Promise<Reply<T>> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const cur = await this.ok<T>(who, 'GET', readPath);
      if (skip?.(cur.body)) return cur;
      const r = await this.call<T>(who, method, writePath, body, { 'if-match': cur.etag });
      if (r.status === 412) continue;
      if (r.status < 200 || r.status >= 300) throw new DemoError(`${this.service} service refused ${method} ${writePath} by ${who.id} (${r.status}): ${describeProblem(r.body)}`);
      return r;
    }
    throw new DemoError(`${this.service} service: ${writePath} kept changing under ${who.id} (412 ten times)`);
  }
}

export function describeProblem(body: unknown): string {
  if (!body || typeof body !== 'object') return String(body ?? '(no body)');
  const b = body as { title?: string; detail?: string; code?: string; errors?: unknown; issues?: unknown };
  const parts = [b.code, b.detail ?? b.title].filter(Boolean);
  const issues = b.errors ?? b.issues;
  if (issues) parts.push(JSON.stringify(issues));
  return parts.join(': ') || JSON.stringify(body).slice(0, 300);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WaitOptions {
  /** what did not happen, named for the operator: "problem service: no candidate problem for CI vpn-gw-01-x" */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** a hint on the likely cause, appended to the timeout message */
  hint?: string;
}

/**
 * Polls `probe` until it returns a value (returned). A DemoError thrown by the
 * probe ends the wait at once; after the timeout, a DemoError names what did
 * not happen and the last thing seen.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, o: WaitOptions): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
      lastError = undefined;
    } catch (e) {
      if (e instanceof DemoError && !(e.message.includes('did not answer'))) throw e;
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(o.intervalMs ?? 250);
  }
  const secs = (o.timeoutMs / 1000).toFixed(o.timeoutMs < 10_000 ? 1 : 0);
  throw new DemoError(`Timed out after ${secs} s: ${o.what}${o.hint ? ` (${o.hint})` : ''}${lastError ? `; last error: ${(lastError as Error).message}` : ''}`);
}
