import { loadConfig } from '@itsm/core';
import { z } from 'zod';

/** The Release service's own settings (the runtime's, such as PORT and DATABASE_NAME, are read by @itsm/runtime). */
export const releaseConfigSchema = z.object({
  /**
   * Base URL of this service as the CD system reaches it, for the callback
   * URL sent with every webhook deploy. Default: the origin of the deploy request.
   */
  RELEASE_PUBLIC_URL: z.string().url().optional(),
  /** Bearer token sent to CD webhooks (deploy and rollback), when they need one. */
  RELEASE_WEBHOOK_TOKEN: z.string().min(1).optional(),
  /** Timeout of one HTTP request to a CD webhook or health URL. */
  RELEASE_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
});

export interface ReleaseConfig {
  publicUrl?: string;
  webhookToken?: string;
  httpTimeoutMs: number;
}

export function loadReleaseConfig(env: NodeJS.ProcessEnv = process.env): ReleaseConfig {
  const c = loadConfig(releaseConfigSchema, env);
  return { publicUrl: c.RELEASE_PUBLIC_URL, webhookToken: c.RELEASE_WEBHOOK_TOKEN, httpTimeoutMs: c.RELEASE_HTTP_TIMEOUT_MS };
}
