/** A small JSON client for the platform's APIs: bearer token, retries on 5xx, 429 and network errors. */
import { signToken } from '@itsm/http';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClient {
  request<T>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The problem+json title/detail and field issues of an error answer, as one line. */
export function problemText(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const p = body as { title?: string; detail?: string; errors?: { field?: string; message?: string }[] };
    const fields = (p.errors ?? []).map((e) => `${e.field ?? ''} ${e.message ?? ''}`.trim()).join('; ');
    return [`${status}`, p.detail ?? p.title, fields].filter(Boolean).join(': ');
  }
  return `${status}: ${String(body).slice(0, 200)}`;
}

export function apiClient(token: string, opts: { retries?: number; timeoutMs?: number } = {}): ApiClient {
  const retries = opts.retries ?? 5;
  return {
    async request<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
      for (let attempt = 0; ; attempt++) {
        let res: Response;
        try {
          res = await fetch(url, {
            method,
            headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
          });
        } catch (e) {
          if (attempt < retries) {
            await sleep(200 * 2 ** attempt);
            continue;
          }
          throw new ApiError(0, null, `${method} ${url}: ${(e as Error).message}`);
        }
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON: keep the text */
        }
        if ((res.status >= 500 || res.status === 429) && attempt < retries) {
          await sleep(200 * 2 ** attempt);
          continue;
        }
        if (res.status >= 400) throw new ApiError(res.status, parsed, `${method} ${url}: ${problemText(res.status, parsed)}`);
        return { status: res.status, body: parsed as T, headers: res.headers };
      }
    },
  };
}

/** A token signed with the local settings the services verify (JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE). */
export function localToken(sub: string, roles: ('admin' | 'agent' | 'sla_manager' | 'requester')[], expiresIn = '8h'): Promise<string> {
  return signToken(
    { sub, roles },
    {
      secret: process.env.JWT_SECRET ?? 'itsm-local-development-secret-change-me',
      issuer: process.env.JWT_ISSUER ?? 'itsm-local',
      audience: process.env.JWT_AUDIENCE ?? 'itsm',
      expiresIn,
    },
  );
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>, stop?: () => boolean): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop?.()) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
