/**
 * Generic HTTP deploy steps: the webhook POST to a CD system and the health
 * poll. They need no database, so the release service registers them as they
 * are (`createHttpStepActivities(options)`), next to its own
 * `recordDeploymentEvent` and `rollbackStage`.
 *
 * Health verification loops inside one activity, with heartbeats, rather than
 * in the workflow (sleep + one-check activity): one activity costs a handful
 * of history events however long it polls, where a workflow loop adds a timer
 * and an activity (about ten events and a workflow task) per poll. It stays
 * durable because each heartbeat carries when polling started: if the worker
 * dies, the heartbeat timeout fires, the retry resumes from the heartbeat
 * details and keeps the original deadline instead of starting over.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type {
  ReleaseDeploymentActivities,
  TriggerWebhookDeployInput,
  TriggerWebhookDeployResult,
  VerifyHealthInput,
  VerifyHealthResult,
} from '../activities';

export interface HttpStepOptions {
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Extra headers for the CD webhook (e.g. authorization). */
  webhookHeaders?: Record<string, string>;
  /** Timeout of one HTTP request (webhook POST or health probe). Default 10 s. */
  requestTimeoutMs?: number;
  /** Longest gap between two heartbeats while verifyHealth waits. Default 5 s. */
  heartbeatEveryMs?: number;
}

/** Failure types the activities throw (ApplicationFailure `type`). */
export const HttpStepFailureType = {
  /** The CD system answered 4xx: it refused the request; retrying will not help. */
  webhookRejected: 'WebhookRejected',
  /** The CD system answered 5xx, 408 or 429: retry. */
  webhookUnavailable: 'WebhookUnavailable',
  /** No answer (connection refused, DNS, timeout): retry. */
  webhookUnreachable: 'WebhookUnreachable',
  /** The URL is not an http(s) URL. */
  invalidUrl: 'InvalidUrl',
} as const;

/** Statuses below 500 that still deserve a retry. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/** Heartbeat details of verifyHealth, read back on retry. */
interface VerifyHeartbeat {
  startedAt: number;
  checks: number;
}

export type HttpStepActivities = Pick<ReleaseDeploymentActivities, 'triggerWebhookDeploy' | 'verifyHealth'>;

export function createHttpStepActivities(options: HttpStepOptions = {}): HttpStepActivities {
  const doFetch = options.fetch ?? fetch;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const heartbeatEveryMs = options.heartbeatEveryMs ?? 5_000;

  async function triggerWebhookDeploy(input: TriggerWebhookDeployInput): Promise<TriggerWebhookDeployResult> {
    assertHttpUrl(input.url, 'webhook');
    const ctx = Context.current();
    const body = {
      action: 'deploy',
      release: input.release,
      stage: input.stage,
      callback: input.callback,
      idempotencyKey: input.idempotencyKey,
    };
    let response: Response;
    try {
      response = await doFetch(input.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'idempotency-key': input.idempotencyKey,
          ...options.webhookHeaders,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([AbortSignal.timeout(requestTimeoutMs), ctx.cancellationSignal]),
      });
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      throw ApplicationFailure.retryable(
        `CD webhook ${input.url} unreachable: ${errorMessage(err)}`,
        HttpStepFailureType.webhookUnreachable,
      );
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      return { status: response.status, externalId: externalIdOf(text) };
    }
    const message = `CD webhook ${input.url} answered ${response.status}${text ? `: ${text.slice(0, 500)}` : ''}`;
    if (response.status < 500 && !RETRYABLE_4XX.has(response.status)) {
      throw ApplicationFailure.nonRetryable(message, HttpStepFailureType.webhookRejected, { status: response.status });
    }
    throw ApplicationFailure.retryable(message, HttpStepFailureType.webhookUnavailable, { status: response.status });
  }

  async function verifyHealth(input: VerifyHealthInput): Promise<VerifyHealthResult> {
    assertHttpUrl(input.url, 'health');
    const ctx = Context.current();
    const previous = ctx.info.heartbeatDetails as VerifyHeartbeat | undefined;
    const startedAt = previous?.startedAt ?? Date.now();
    let checks = previous?.checks ?? 0;
    const deadline = startedAt + input.timeoutMs;
    let lastStatus: number | undefined;
    let lastError: string | undefined;

    for (;;) {
      checks += 1;
      const remaining = deadline - Date.now();
      const probe = await probeOnce(input.url, Math.max(1, Math.min(requestTimeoutMs, Math.max(remaining, 1_000))));
      lastStatus = probe.status;
      lastError = probe.error;
      ctx.heartbeat({ startedAt, checks } satisfies VerifyHeartbeat);
      if (probe.status !== undefined && probe.status >= 200 && probe.status < 300) {
        return { healthy: true, checks, lastStatus };
      }
      const left = deadline - Date.now();
      if (left <= 0) return { healthy: false, checks, lastStatus, lastError };
      // Sleep until the next poll, heartbeating so a long interval does not look like a dead worker.
      let wait = Math.min(input.intervalMs, left);
      while (wait > 0) {
        const chunk = Math.min(wait, heartbeatEveryMs);
        await ctx.sleep(chunk); // rejects when the activity is cancelled
        wait -= chunk;
        ctx.heartbeat({ startedAt, checks } satisfies VerifyHeartbeat);
      }
    }

    async function probeOnce(url: string, timeoutMs: number): Promise<{ status?: number; error?: string }> {
      try {
        const res = await doFetch(url, {
          method: 'GET',
          headers: { accept: 'application/json, text/plain, */*' },
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), ctx.cancellationSignal]),
        });
        await res.arrayBuffer().catch(() => undefined);
        return { status: res.status, error: res.ok ? undefined : `answered ${res.status}` };
      } catch (err) {
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
        return { error: errorMessage(err) };
      }
    }
  }

  return { triggerWebhookDeploy, verifyHealth };
}

function assertHttpUrl(url: string, what: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw ApplicationFailure.nonRetryable(`invalid ${what} URL: ${url}`, HttpStepFailureType.invalidUrl);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw ApplicationFailure.nonRetryable(`${what} URL must be http(s): ${url}`, HttpStepFailureType.invalidUrl);
  }
}

function externalIdOf(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    if (json && typeof json === 'object') {
      const { id, deploymentId } = json as { id?: unknown; deploymentId?: unknown };
      const value = deploymentId ?? id;
      if (typeof value === 'string' || typeof value === 'number') return String(value);
    }
  } catch {
    // not JSON: no id
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
