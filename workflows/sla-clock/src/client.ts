/**
 * Client helpers for the service: start-or-signal a ticket's clocks workflow
 * with the changes of its clocks (signal-with-start, idempotent: the same
 * facts or clocks twice change nothing), and the start options operators see
 * in the Temporal UI.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { instanceAttribute, SA } from '@itsm/temporal/search-attributes';
import type { ClockFact, ClockSpec, SlaClockInput, SlaTicketInput, TicketUpdate } from './definitions';
import { RECORD_TYPE, TASK_QUEUE, updateSignal, WORKFLOW_TYPE, workflowIdFor } from './definitions';
import type { slaTicketWorkflow } from './workflows/sla-ticket.workflow';

export interface SlaClockClientOptions {
  taskQueue?: string;
  /** prefix of workflow ids (platform instance); default none */
  workflowIdPrefix?: string;
  /** start input settings of the workflow (tests) */
  limits?: Pick<SlaTicketInput, 'idleAfterStopMs' | 'maxHistoryLength'>;
}

/** The workflow of the clock's ticket (`sla-clocks:<ticketNumber>`, prefixed by the instance). */
export function clockWorkflowId(input: Pick<SlaClockInput, 'ticket'>, prefix = ''): string {
  return prefix + workflowIdFor(input.ticket.ticketNumber);
}

/**
 * One change to one clock, as the service writes it after a transaction: the
 * clock with the ticket's timeline as it stood, the ticket's new facts, and
 * whether the workflow must take the clock's definition and calendar (a new
 * clock, or a recompute).
 */
export interface ClockChange {
  input: SlaClockInput;
  facts?: ClockFact[];
  /** set when the facts come from a historical import (epoch ms of the import) */
  importedAt?: number | null;
  /** send the clock itself: it is new, or its definition or calendar changed */
  spec?: boolean;
  reason?: string;
}

const specOf = (i: SlaClockInput): ClockSpec => {
  const spec: ClockSpec = { clockId: i.clockId, definition: i.definition, calendar: i.calendar };
  if (i.recorded?.length) spec.recorded = i.recorded;
  if (i.progress) spec.progress = i.progress;
  return spec;
};

function maxOf(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null) return b ?? null;
  if (b == null) return a;
  return Math.max(a, b);
}

/**
 * The one signal-with-start for changes of one ticket's clocks, in the order
 * they were written: the start input (the ticket's timeline and every clock
 * named, the later snapshot of a clock winning) is used only if the workflow
 * does not run; the update carries the new facts and the clocks to add or
 * recompute.
 */
export function ticketCall(changes: readonly ClockChange[]): { start: SlaTicketInput; update: TicketUpdate } {
  if (changes.length === 0) throw new Error('ticketCall needs at least one change');
  const timeline = new Map<string, ClockFact>();
  const clocks = new Map<string, ClockSpec>();
  const facts = new Map<string, ClockFact>();
  const updated = new Map<string, ClockSpec>();
  let importedAt: number | null = null;
  let updateImportedAt: number | null = null;
  let reason: string | undefined;
  for (const c of changes) {
    for (const f of c.input.timeline) if (!timeline.has(f.id)) timeline.set(f.id, f);
    const spec = specOf(c.input);
    const before = clocks.get(spec.clockId);
    if (before?.recorded?.length) spec.recorded = [...new Set([...before.recorded, ...(spec.recorded ?? [])])];
    clocks.set(spec.clockId, spec);
    importedAt = maxOf(importedAt, c.input.importedAt);
    for (const f of c.facts ?? []) if (!facts.has(f.id)) facts.set(f.id, f);
    updateImportedAt = maxOf(updateImportedAt, c.importedAt);
    if (c.spec) updated.set(spec.clockId, spec);
    if (c.reason) reason = c.reason;
  }
  const last = changes[changes.length - 1]!.input;
  const start: SlaTicketInput = { ticket: last.ticket, timeline: [...timeline.values()], clocks: [...clocks.values()], importedAt };
  const update: TicketUpdate = {};
  if (facts.size) update.facts = [...facts.values()];
  if (updateImportedAt !== null) update.importedAt = updateImportedAt;
  if (updated.size) update.clocks = [...updated.values()];
  if (reason) update.reason = reason;
  return { start, update };
}

/** `INC0000001 · SLA clocks of the incident` */
export function staticSummaryFor(input: SlaTicketInput): string {
  return `${input.ticket.ticketNumber} · SLA clocks of the ${input.ticket.ticketType}`;
}

export function staticDetailsFor(input: SlaTicketInput): string {
  const lines = input.clocks.map((spec) => {
    const def = spec.definition;
    const cal = spec.calendar.calendar;
    const what = def.kind === 'ola' ? `${def.target} OLA of ${def.group ?? '?'}` : `${def.target} SLA`;
    const targets = Object.entries(def.durationsByPriority)
      .map(([p, ms]) => `P${p} ${ms / 60_000} min`)
      .join(', ');
    const week = cal.mode === '24x7' ? '24x7' : Object.entries(cal.week).map(([d, ivs]) => `${d} ${(ivs ?? []).map((iv) => `${iv.start}-${iv.end}`).join(',') || '-'}`).join('; ');
    return [
      `- **${what}**: ${def.name} (${def.id}, v${def.version}), clock ${spec.clockId}`,
      `  - Targets (business time): ${targets || 'none'}`,
      `  - Calendar: ${spec.calendar.name} (v${spec.calendar.version}), ${cal.timeZone}, ${week}${cal.holidays?.length ? `, holidays ${cal.holidays.join(', ')}` : ''}`,
      `  - Pauses in: ${def.pauseStates.join(', ') || 'none'}; warnings at ${def.warningThresholds.join(', ')} %; on breach: escalate ${def.breachAction.escalate}`,
    ].join('\n');
  });
  return [
    `**${input.ticket.ticketNumber}** (${input.ticket.ticketType}): its SLA and OLA clocks. Clocks at start (later ones and recomputes arrive as \`update\` signals; the current details show each clock now):`,
    '',
    ...lines,
  ].join('\n');
}

export function startOptionsFor(input: SlaTicketInput, options: SlaClockClientOptions = {}) {
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: SA.recordId, value: input.ticket.ticketNumber },
    { key: SA.recordType, value: RECORD_TYPE },
    { key: SA.state, value: 'running' },
    instanceAttribute(options.workflowIdPrefix),
  ];
  return {
    workflowId: (options.workflowIdPrefix ?? '') + workflowIdFor(input.ticket.ticketNumber),
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    typedSearchAttributes,
    staticSummary: staticSummaryFor(input),
    staticDetails: staticDetailsFor(input),
  };
}

/**
 * Starts the ticket's workflow with the changes' clocks and timeline unless
 * it runs, and delivers the update either way. All changes must be of one ticket.
 */
export async function sendClockChanges(
  client: Client,
  changes: readonly ClockChange[],
  options: SlaClockClientOptions = {},
): Promise<WorkflowHandle<typeof slaTicketWorkflow>> {
  const { start, update } = ticketCall(changes);
  return client.workflow.signalWithStart<typeof slaTicketWorkflow, [TicketUpdate]>(WORKFLOW_TYPE, {
    ...startOptionsFor(start, options),
    args: [{ ...start, ...options.limits }],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    signal: updateSignal,
    signalArgs: [update],
  });
}
