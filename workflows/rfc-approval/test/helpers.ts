/** Shared test helpers: inputs, recording mock activities, polling, search attributes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { RfcApprovalActivities } from '../src/activities';
import type { ApproverGroup, RfcApprovalInput, RiskAssessment, RiskLevel } from '../src/definitions';

export const TEST_SERVER_PATH =
  process.env.TEMPORAL_TEST_SERVER_PATH ?? `${process.env.HOME}/.cache/itsm/pytools/bin/temporal-test-server`;

let counter = 0;
/** Unique per test and per run, so ids never collide on a shared server. */
export function uniqueRfcNumber(): string {
  counter += 1;
  return `CHG${Date.now().toString(36).toUpperCase()}${process.pid}${String(counter).padStart(3, '0')}`;
}

export function cab(members: string[], policy: ApproverGroup['policy'] = { mode: 'ALL' }): ApproverGroup {
  return { name: 'CAB', members, policy };
}

export function rfcInput(overrides: Partial<RfcApprovalInput> = {}): RfcApprovalInput {
  const rfcNumber = overrides.rfcNumber ?? uniqueRfcNumber();
  return {
    rfcId: `id-${rfcNumber}`,
    rfcNumber,
    title: 'Upgrade the core switch firmware',
    revision: 1,
    changeType: 'normal',
    riskInputs: { impact: 'medium', ciIds: ['ci-switch-01'], hasTestPlan: true, hasBackoutPlan: true },
    changeManagers: ['cm-maria'],
    cab: cab(['alice', 'bob', 'carol']),
    ecab: { name: 'ECAB', members: ['erin', 'frank'], policy: { mode: 'ANY' } },
    timing: { votingPeriod: '5 days', reminderInterval: '1 day', emergencyVotingPeriod: '4 hours', emergencyReminderInterval: '1 hour' },
    ...overrides,
  };
}

export type ActivityName = keyof RfcApprovalActivities;
export interface ActivityCall {
  name: ActivityName;
  input: any;
}

/** Mock activities that record their calls; risk per revision (default: the given risk). */
export function mockActivities(risk: RiskLevel | ((revision: number) => RiskLevel) = 'medium') {
  const calls: ActivityCall[] = [];
  const record = (name: ActivityName) => async (input: unknown) => {
    calls.push({ name, input });
  };
  const activities: RfcApprovalActivities = {
    async assessRisk(input): Promise<RiskAssessment> {
      calls.push({ name: 'assessRisk', input });
      const level = typeof risk === 'function' ? risk(input.revision) : risk;
      return { risk: level, reasons: [`impact ${input.riskInputs.impact}`] };
    },
    requestApproval: record('requestApproval'),
    remindApprovers: record('remindApprovers'),
    escalate: record('escalate'),
    recordVote: record('recordVote'),
    recordDecision: record('recordDecision'),
  };
  const of = (name: ActivityName) => calls.filter((c) => c.name === name).map((c) => c.input);
  return { activities, calls, of };
}

/** Polls `probe` (real time) until it returns a truthy value. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) throw new Error(`condition not met in ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Registers the platform's search attributes (infra/temporal/search-attributes.json)
 * on a server, e.g. the time-skipping test server, which refuses unknown ones.
 */
export async function registerSearchAttributes(connection: Connection, namespace = 'default'): Promise<void> {
  const file = path.resolve(__dirname, '../../../infra/temporal/search-attributes.json');
  const declared = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  const searchAttributes: Record<string, number> = {};
  for (const [name, type] of Object.entries(declared)) {
    const code = encodeSearchAttributeIndexedValueType(type.toUpperCase() as SearchAttributeType);
    if (code === undefined) throw new Error(`unknown search attribute type ${type} for ${name}`);
    searchAttributes[name] = code;
  }
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

/** Worker runtime that logs only errors (the test server lacks some capabilities core warns about). */
export function quietRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
  } catch {
    // already installed in this process
  }
}
