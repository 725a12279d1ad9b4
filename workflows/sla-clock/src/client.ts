/**
 * Client helpers for the service: start-or-signal a clock (signal-with-start,
 * idempotent: the same facts twice change nothing), signal a running clock,
 * query it, and the start options operators see in the Temporal UI.
 */
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair, SignalDefinition } from '@temporalio/common';
import { SA } from '@itsm/temporal/search-attributes';
import type { ClockStatusView, FactsInput, RecomputeInput, SlaClockInput } from './definitions';
import { clockTargetKey, factsSignal, RECORD_TYPE, recomputeSignal, statusQuery, TASK_QUEUE, WORKFLOW_TYPE, workflowIdFor } from './definitions';
import type { slaClockWorkflow } from './workflows/sla-clock.workflow';

export interface SlaClockClientOptions {
  taskQueue?: string;
  /** prefix of workflow ids (platform instance); default none */
  workflowIdPrefix?: string;
}

export function clockWorkflowId(input: Pick<SlaClockInput, 'ticket' | 'definition'>, prefix = ''): string {
  const def = input.definition;
  return prefix + workflowIdFor(input.ticket.ticketNumber, clockTargetKey(def.kind, def.target, def.group));
}

/** `INC0000001 · resolution SLA · P2 · Standard incident SLA (24x7)` */
export function staticSummaryFor(input: SlaClockInput): string {
  const def = input.definition;
  const what = def.kind === 'ola' ? `${def.target} OLA of ${def.group ?? '?'}` : `${def.target} SLA`;
  return `${input.ticket.ticketNumber} · ${what} · ${def.name} · calendar ${input.calendar.name}`;
}

export function staticDetailsFor(input: SlaClockInput): string {
  const def = input.definition;
  const cal = input.calendar.calendar;
  const targets = Object.entries(def.durationsByPriority)
    .map(([p, ms]) => `P${p} ${ms / 60_000} min`)
    .join(', ');
  const week = cal.mode === '24x7' ? '24x7' : Object.entries(cal.week).map(([d, ivs]) => `${d} ${(ivs ?? []).map((iv) => `${iv.start}-${iv.end}`).join(',') || '-'}`).join('; ');
  return [
    `**${input.ticket.ticketNumber}** (${input.ticket.ticketType}) · clock ${input.clockId}`,
    '',
    `- Definition: ${def.name} (${def.id}, v${def.version}), ${def.kind.toUpperCase()} ${def.target} target`,
    `- Targets (business time): ${targets || 'none'}`,
    `- Calendar: ${input.calendar.name} (v${input.calendar.version}), ${cal.timeZone}, ${week}${cal.holidays?.length ? `, holidays ${cal.holidays.join(', ')}` : ''}`,
    `- Pauses in: ${def.pauseStates.join(', ') || 'none'}`,
    `- Warnings at ${def.warningThresholds.join(', ')} %; on breach: escalate ${def.breachAction.escalate}`,
  ].join('\n');
}

export function startOptionsFor(input: SlaClockInput, options: SlaClockClientOptions = {}) {
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: SA.recordId, value: input.ticket.ticketNumber },
    { key: SA.recordType, value: RECORD_TYPE },
    { key: SA.state, value: 'running' },
  ];
  return {
    workflowId: clockWorkflowId(input, options.workflowIdPrefix),
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    typedSearchAttributes,
    staticSummary: staticSummaryFor(input),
    staticDetails: staticDetailsFor(input),
  };
}

/**
 * Starts the clock with `input` (its whole timeline) unless it runs, and
 * delivers `signal` (by default the new facts) either way.
 */
export async function signalWithStartClock<T>(
  client: Client,
  input: SlaClockInput,
  signal: SignalDefinition<[T]>,
  signalArg: T,
  options: SlaClockClientOptions = {},
): Promise<WorkflowHandle<typeof slaClockWorkflow>> {
  return client.workflow.signalWithStart<typeof slaClockWorkflow, [T]>(WORKFLOW_TYPE, {
    ...startOptionsFor(input, options),
    args: [input],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    signal,
    signalArgs: [signalArg],
  });
}

/** Start-or-signal with facts. */
export function sendFacts(client: Client, input: SlaClockInput, facts: FactsInput, options: SlaClockClientOptions = {}) {
  return signalWithStartClock(client, input, factsSignal, facts, options);
}

/** Signals a running clock to recompute; false when it does not run. */
export async function recomputeClock(client: Client, workflowId: string, input: RecomputeInput): Promise<boolean> {
  try {
    const handle = client.workflow.getHandle(workflowId);
    const desc = await handle.describe();
    if (desc.status.name !== 'RUNNING') return false;
    await handle.signal(recomputeSignal, input);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The running clock's own view; undefined when it does not exist. */
export async function queryClock(client: Client, workflowId: string): Promise<ClockStatusView | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).query(statusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
