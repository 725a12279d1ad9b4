/**
 * Input checks shared by the client helper (before starting) and the
 * workflow (which refuses to run a malformed input instead of failing its
 * workflow task over and over). Pure and deterministic.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { ReleaseDeploymentInput } from './definitions';

export interface InputIssue {
  /** Dotted path of the offending field: `stages.1.deploy.callbackTimeout`. */
  path: string;
  message: string;
}

/** Milliseconds of a Temporal duration (`'30m'`, `'2 hours'`, or a number of ms); undefined when malformed. */
export function durationMs(value: Duration | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    const ms = msToNumber(value);
    return Number.isFinite(ms) && ms > 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;
const isInstant = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Every problem of the input (empty when it is valid). */
export function validateDeploymentInput(input: ReleaseDeploymentInput): InputIssue[] {
  const issues: InputIssue[] = [];
  const need = (ok: boolean, path: string, message: string) => {
    if (!ok) issues.push({ path, message });
  };
  if (!input || typeof input !== 'object') return [{ path: '', message: 'input must be an object' }];
  need(isText(input.releaseId), 'releaseId', 'required');
  need(isText(input.releaseNumber), 'releaseNumber', 'required');
  need(isText(input.name), 'name', 'required');
  need(isText(input.version), 'version', 'required');
  need(Array.isArray(input.changes), 'changes', 'must be a list');
  need(input.callbackUrl === undefined || isHttpUrl(input.callbackUrl), 'callbackUrl', 'must be an http(s) URL');
  const window = input.window;
  if (!window || typeof window !== 'object') {
    issues.push({ path: 'window', message: 'required' });
  } else {
    need(isInstant(window.start), 'window.start', 'must be an ISO-8601 instant');
    need(window.end === undefined || isInstant(window.end), 'window.end', 'must be an ISO-8601 instant');
    if (isInstant(window.start) && isInstant(window.end)) {
      need(Date.parse(window.end) > Date.parse(window.start), 'window.end', 'must be after window.start');
    }
  }
  if (!Array.isArray(input.stages) || input.stages.length === 0) {
    issues.push({ path: 'stages', message: 'at least one stage is required' });
    return issues;
  }
  const seen = new Set<string>();
  input.stages.forEach((stage, i) => {
    const at = `stages.${i}`;
    if (!stage || typeof stage !== 'object') {
      issues.push({ path: at, message: 'must be an object' });
      return;
    }
    need(isText(stage.name), `${at}.name`, 'required');
    if (isText(stage.name)) {
      need(!seen.has(stage.name), `${at}.name`, `duplicate stage name ${stage.name}`);
      seen.add(stage.name);
    }
    if (stage.gate !== undefined) {
      need(stage.gate.timeout === undefined || durationMs(stage.gate.timeout) !== undefined, `${at}.gate.timeout`, 'must be a positive duration');
      need(stage.gate.approvers === undefined || (Array.isArray(stage.gate.approvers) && stage.gate.approvers.length > 0), `${at}.gate.approvers`, 'must list at least one approver');
    }
    const deploy = stage.deploy;
    if (!deploy || (deploy.kind !== 'webhook' && deploy.kind !== 'manual')) {
      issues.push({ path: `${at}.deploy.kind`, message: "must be 'webhook' or 'manual'" });
    } else if (deploy.kind === 'webhook') {
      need(isHttpUrl(deploy.url), `${at}.deploy.url`, 'must be an http(s) URL');
      need(durationMs(deploy.callbackTimeout) !== undefined, `${at}.deploy.callbackTimeout`, 'must be a positive duration');
    } else {
      need(deploy.timeout === undefined || durationMs(deploy.timeout) !== undefined, `${at}.deploy.timeout`, 'must be a positive duration');
    }
    if (stage.verify !== undefined) {
      need(isHttpUrl(stage.verify.healthUrl), `${at}.verify.healthUrl`, 'must be an http(s) URL');
      need(durationMs(stage.verify.timeout) !== undefined, `${at}.verify.timeout`, 'must be a positive duration');
      need(durationMs(stage.verify.interval) !== undefined, `${at}.verify.interval`, 'must be a positive duration');
    }
  });
  return issues;
}
