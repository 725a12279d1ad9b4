import type { RequestHandler } from 'express';
import type { Logger } from '@itsm/core';

/** Named dependency checks, e.g. `{ postgres: () => knex.raw('select 1'), kafka: ..., temporal: ... }`. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface CheckResult {
  status: 'ok' | 'down';
  durationMs: number;
  error?: string;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check in parallel, each with its own timeout. */
export async function runReadiness(checks: ReadinessChecks, timeoutMs: number, log?: Logger) {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const start = Date.now();
      try {
        await withTimeout(Promise.resolve().then(check), timeoutMs);
        return [name, { status: 'ok', durationMs: Date.now() - start }];
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log?.warn({ check: name, err: e }, `readiness check ${name} failed`);
        // Only the kind of failure: connection details stay in the log.
        const error = /^timed out after/.test(message) ? message : 'failed';
        return [name, { status: 'down', durationMs: Date.now() - start, error }];
      }
    }),
  );
  const ok = entries.every(([, r]) => r.status === 'ok');
  return { status: ok ? ('ok' as const) : ('unavailable' as const), checks: Object.fromEntries(entries) };
}

export function readinessHandler(checks: ReadinessChecks, timeoutMs: number, log: Logger): RequestHandler {
  return async (_req, res) => {
    const result = await runReadiness(checks, timeoutMs, log);
    res.status(result.status === 'ok' ? 200 : 503).json(result);
  };
}
