import { commonConfigSchema, loadConfig } from '@itsm/core';
import { DemoError } from '../demo/http';
import { runDemo, type DemoUrls } from '../demo/story';
import { SERVICES } from '../platform';

export interface DemoCommandOptions {
  instancePrefix?: string;
  runId?: string;
  timeout: string;
  cdWebhook?: boolean;
}

/**
 * `itsm demo`: the ITIL chain end to end against the running platform (service
 * URLs from INCIDENT_URL … SLA_URL or the default ports; JWT and Temporal UI
 * settings from the same environment as the services). Exit code 1 names what
 * did not happen.
 */
export async function demoCommand(o: DemoCommandOptions): Promise<number> {
  const cfg = loadConfig(commonConfigSchema, process.env);
  const url = (name: string) => SERVICES.find((s) => s.name === name)!.url;
  const urls: DemoUrls = { incident: url('incident'), problem: url('problem'), change: url('change'), release: url('release'), sla: url('sla') };
  const timeoutS = Number(o.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new Error(`--timeout must be a number of seconds, got ${o.timeout}`);
  try {
    await runDemo({
      urls,
      instancePrefix: o.instancePrefix ?? process.env.ITSM_INSTANCE ?? '',
      temporalUiUrl: cfg.TEMPORAL_UI_URL,
      temporalNamespace: cfg.TEMPORAL_NAMESPACE,
      jwt: { secret: cfg.JWT_SECRET, issuer: cfg.JWT_ISSUER, audience: cfg.JWT_AUDIENCE },
      runId: o.runId,
      timeoutMs: timeoutS * 1000,
      deploy: o.cdWebhook ? 'webhook' : 'manual',
    });
    return 0;
  } catch (e) {
    if (e instanceof DemoError) {
      console.error(`✗ ${e.message}`);
      return 1;
    }
    throw e;
  }
}
