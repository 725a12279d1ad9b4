/** Shared test helpers: inputs and recording mock activities. */
import type { RfcApprovalActivities } from '../src/activities';
import type { ApproverGroup, RfcApprovalInput, RiskAssessment, RiskLevel } from '../src/definitions';

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
