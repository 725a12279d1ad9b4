/**
 * Start options shared by `startRfcApproval` and `reviseRfc`: workflow id,
 * task queue, the search attributes known at start, and the static summary
 * and details operators read in the Temporal UI.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { instanceAttribute } from '@itsm/temporal/search-attributes';
import type { RfcApprovalInput } from './definitions';
import { DEFAULT_TIMING, RECORD_TYPE, searchAttributes as sa, TASK_QUEUE, workflowIdFor } from './definitions';
import { describePolicy } from './policy';

export interface RfcApprovalStartOptions {
  workflowId: string;
  taskQueue: string;
  typedSearchAttributes: SearchAttributePair[];
  staticSummary: string;
  staticDetails: string;
}

const SUMMARY_MAX = 200;

export function startOptionsFor(input: RfcApprovalInput, taskQueue: string = TASK_QUEUE, workflowIdPrefix = ''): RfcApprovalStartOptions {
  return {
    workflowId: workflowIdPrefix + workflowIdFor(input.rfcNumber),
    taskQueue,
    typedSearchAttributes: [
      { key: sa.recordId, value: input.rfcNumber },
      { key: sa.recordType, value: RECORD_TYPE },
      { key: sa.changeType, value: input.changeType },
      { key: sa.state, value: 'assessing' },
      instanceAttribute(workflowIdPrefix),
    ],
    staticSummary: staticSummaryFor(input),
    staticDetails: staticDetailsFor(input),
  };
}

/** One line: "CHG0000001 · normal change · revision 2 · Upgrade core switch". */
export function staticSummaryFor(input: RfcApprovalInput): string {
  const text = `${input.rfcNumber} · ${input.changeType} change · revision ${input.revision} · ${oneLine(input.title ?? '')}`;
  return text.length > SUMMARY_MAX ? text.slice(0, SUMMARY_MAX - 1) + '…' : text;
}

/** Markdown: what is being approved, by whom, under which rules. */
export function staticDetailsFor(input: RfcApprovalInput): string {
  const timing = { ...DEFAULT_TIMING, ...input.timing };
  const r = input.riskInputs;
  const lines = [
    `**${input.rfcNumber}** ${oneLine(input.title ?? '')}`,
    '',
    `- Change type: ${input.changeType}; submitted revision ${input.revision}`,
    `- Impact: ${r?.impact ?? 'n/a'}; CI criticality: ${r?.ciCriticality ?? 'n/a'}; CIs: ${r?.ciIds?.join(', ') || 'none'}`,
    `- Test plan: ${r?.hasTestPlan ? 'yes' : 'no'}; backout plan: ${r?.hasBackoutPlan ? 'yes' : 'no'}`,
    `- Planned window: ${r?.plannedStart ?? '?'} to ${r?.plannedEnd ?? '?'}`,
    `- Change managers (low risk, escalation): ${input.changeManagers?.join(', ')}`,
    `- ${input.cab?.name} (medium/high risk): ${input.cab?.members?.join(', ')}; policy ${input.cab ? describePolicy(input.cab.policy) : '?'}`,
  ];
  if (input.ecab) {
    lines.push(`- ${input.ecab.name} (emergency): ${input.ecab.members.join(', ')}; policy ${describePolicy(input.ecab.policy)}`);
  }
  lines.push(
    `- Voting period: ${String(timing.votingPeriod)} (emergency ${String(timing.emergencyVotingPeriod)}); ` +
      `reminders every ${String(timing.reminderInterval)} (emergency ${String(timing.emergencyReminderInterval)})`,
    `- When the deadline passes: ${input.onDeadline === 'escalate-and-reject' ? 'escalate, then reject' : 'escalate and keep waiting'}`,
  );
  return lines.join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
