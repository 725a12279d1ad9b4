import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DeploymentEvent, ReleaseDeploymentActivities, RollbackStageInput, TriggerWebhookDeployInput, VerifyHealthInput } from '../src/activities';
import { getProgress } from '../src/client';
import { type DeploymentProgress, type ReleaseDeploymentInput, type StageDefinition } from '../src/definitions';

export const workflowsSrc = require.resolve('../src/workflows');

/** A release number no other test uses (the workflow id derives from it). */
export const newReleaseNumber = (): string => `REL-T${randomUUID().replace(/-/g, '').slice(0, 12)}`;

export const webhook = (name: string, extra: Partial<StageDefinition> = {}): StageDefinition => ({
  name,
  deploy: { kind: 'webhook', url: `http://cd.example.test/deploy/${name}`, callbackTimeout: '30 minutes' },
  ...extra,
});

export const manual = (name: string, extra: Partial<StageDefinition> = {}): StageDefinition => ({
  name,
  deploy: { kind: 'manual', instructions: `deploy ${name} by hand`, timeout: '2 hours' },
  ...extra,
});

export const verify = (name: string) => ({ healthUrl: `http://${name}.example.test/healthz`, timeout: '10 minutes', interval: '15 seconds' });

export function releaseInput(stages: StageDefinition[], overrides: Partial<ReleaseDeploymentInput> = {}): ReleaseDeploymentInput {
  return {
    releaseId: randomUUID(),
    releaseNumber: newReleaseNumber(),
    name: 'Payments',
    version: '2.3.0',
    changes: [
      { id: randomUUID(), number: 'CHG0000101' },
      { id: randomUUID(), number: 'CHG0000102' },
    ],
    // opened a minute ago (the test server's clock starts at the real time)
    window: { start: new Date(Date.now() - 60_000).toISOString() },
    stages,
    callbackUrl: 'http://release.example.test/api/v1/releases/callback',
    requestedBy: 'rm-alice',
    ...overrides,
  };
}

/** The three stages of a typical release: webhook + verify, gated webhook + verify, gated manual. */
export const threeStages = (): StageDefinition[] => [
  webhook('test', { verify: verify('test') }),
  webhook('staging', { gate: { role: 'release_manager', timeout: '4 hours' }, verify: verify('staging') }),
  manual('production', { gate: { approvers: ['rm-bob', 'rm-carol'] } }),
];

export interface Recorded {
  events: DeploymentEvent[];
  triggers: TriggerWebhookDeployInput[];
  verifies: VerifyHealthInput[];
  rollbacks: RollbackStageInput[];
  /** Every activity call in order: `record:stage_started:test`, `trigger:test`, `verify:test`, `rollback:test`. */
  log: string[];
}

/** Activity mocks typed from the interface, recording their calls. */
export function mockActivities(overrides: Partial<ReleaseDeploymentActivities> = {}): { activities: ReleaseDeploymentActivities; recorded: Recorded } {
  const recorded: Recorded = { events: [], triggers: [], verifies: [], rollbacks: [], log: [] };
  const base: ReleaseDeploymentActivities = {
    async recordDeploymentEvent(event) {
      recorded.events.push(event);
      recorded.log.push(`record:${event.type}${'stage' in event ? `:${event.stage}` : ''}`);
    },
    async triggerWebhookDeploy(input) {
      recorded.triggers.push(input);
      recorded.log.push(`trigger:${input.stage}`);
      return { status: 202, externalId: `cd-${input.stage}` };
    },
    async verifyHealth(input) {
      recorded.verifies.push(input);
      recorded.log.push(`verify:${input.stage}`);
      return { healthy: true, checks: 1, lastStatus: 200 };
    },
    async rollbackStage(input) {
      recorded.rollbacks.push(input);
      recorded.log.push(`rollback:${input.stage.name}`);
    },
  };
  const activities: ReleaseDeploymentActivities = {
    recordDeploymentEvent: base.recordDeploymentEvent,
    triggerWebhookDeploy: overrides.triggerWebhookDeploy
      ? async (input) => {
          await base.triggerWebhookDeploy(input);
          return overrides.triggerWebhookDeploy!(input);
        }
      : base.triggerWebhookDeploy,
    verifyHealth: overrides.verifyHealth
      ? async (input) => {
          await base.verifyHealth(input);
          return overrides.verifyHealth!(input);
        }
      : base.verifyHealth,
    rollbackStage: overrides.rollbackStage
      ? async (input) => {
          await base.rollbackStage(input);
          return overrides.rollbackStage!(input);
        }
      : base.rollbackStage,
  };
  return { activities, recorded };
}

/** Polls the progress query until `pred` holds (real time; the test server's clock does not move meanwhile). */
export async function progressWhen(
  client: Client,
  releaseNumber: string,
  pred: (p: DeploymentProgress) => boolean,
  what = 'progress condition',
  timeoutMs = 60_000,
): Promise<DeploymentProgress> {
  const deadline = Date.now() + timeoutMs;
  let last: DeploymentProgress | undefined;
  while (Date.now() < deadline) {
    try {
      last = await getProgress(client, releaseNumber);
      if (pred(last)) return last;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`timed out waiting for ${what}; last progress: ${JSON.stringify(last, null, 1)}`);
}

export const waitingAt = (kind: string, stage?: string) => (p: DeploymentProgress) =>
  p.waitingFor?.kind === kind && (stage === undefined || p.waitingFor.stage === stage);

/** Registers the platform's search attributes on the time-skipping server (it knows none and refuses a start that carries unknown ones). */
export { registerSearchAttributes } from '@itsm/testing/temporal';
