/**
 * Every SLA and OLA clock of one ticket, in one workflow.
 *
 * Holds the ticket's timeline (plain JSON facts, deduplicated by id) and its
 * clocks (definition and calendar snapshots); on every change and every timer
 * it evaluates each clock with the pure `evaluateClock` at the workflow's
 * current time. Each warning threshold, breach and `met` (stopped in time) is
 * recorded once through an activity (the service stores it under a unique
 * fact key and publishes the event in the same transaction). Then it sleeps on
 * a durable timer until the next threshold of any clock, or until a signal
 * changes the timeline or a clock. A fact reached before a historical import
 * was received is recorded as `historical` (no notification).
 *
 * A stopped response clock is final: a workflow left with final clocks only
 * ends. Once every other clock has stopped, the workflow waits for a reopen
 * for `idleAfterStopMs` (30 days), then ends (the
 * service starts a new run with the whole timeline if the ticket reopens
 * later). Long histories continue as new with the timeline, the clocks and
 * their recorded fact keys.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { compileCalendar, type CompiledCalendar, type SlaClock } from '@itsm/business-time';
import { SA } from '@itsm/temporal/search-attributes';
import type { SlaClockActivities } from '../activities';
import { evaluateClock } from '../clock';
import type { ClockFact, ClockSpec, SlaTicketInput, SlaTicketResult, TicketUpdate } from '../definitions';
import {
  clockQuery,
  factsSignal,
  pauseSignal,
  priorityChangedSignal,
  recomputeSignal,
  reopenSignal,
  resumeSignal,
  statusQuery,
  stopSignal,
  updateSignal,
} from '../definitions';
import { dueFacts, iso, progressRecordOf, progressSignature, statusView, ticketDetails, ticketSearchValues, type DueFact } from './clock-view';

const activities = proxyActivities<SlaClockActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const THIRTY_DAYS_MS = 30 * 24 * 3600_000;

interface ClockRun {
  spec: ClockSpec;
  recorded: string[];
  compiled: CompiledCalendar;
  clock: SlaClock | undefined;
  /** signature of the clock row last written (or stored by the service) */
  progress: string;
}

interface TicketRun {
  input: SlaTicketInput;
  timeline: ClockFact[];
  ids: Set<string>;
  importedAt: number | null;
  dirty: boolean;
  clocks: Map<string, ClockRun>;
}

export async function slaTicketWorkflow(initial: SlaTicketInput): Promise<SlaTicketResult> {
  const run: TicketRun = {
    input: { ...initial, timeline: [], clocks: [] },
    timeline: [],
    ids: new Set(),
    importedAt: initial.importedAt ?? null,
    dirty: false,
    clocks: new Map(),
  };
  apply(run, { facts: initial.timeline, clocks: initial.clocks });
  registerHandlers(run);

  let published = '';
  for (;;) {
    run.dirty = false;
    evaluateAll(run);
    await recordDue(run);
    await syncProgress(run);
    published = publish(run, published);

    const live = [...run.clocks.values()].filter((c) => !isFinal(c));
    if (mustContinueAsNew(run)) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof slaTicketWorkflow>({
        ...run.input,
        timeline: run.timeline,
        // the rows may have changed since this run started: no `progress`
        clocks: [...run.clocks.values()].map((c) => ({ clockId: c.spec.clockId, definition: c.spec.definition, calendar: c.spec.calendar, recorded: c.recorded })),
        importedAt: run.importedAt,
      });
    }
    if (live.length === 0) {
      // only final response clocks: nothing can change them (a new clock starts a new run)
      await condition(allHandlersFinished);
      if (!run.dirty) return finish(run);
      continue;
    }
    if (live.every((c) => c.clock?.clock === 'stopped')) {
      const changed = await condition(() => run.dirty, run.input.idleAfterStopMs ?? THIRTY_DAYS_MS);
      if (!changed) {
        await condition(allHandlersFinished);
        return finish(run);
      }
      continue;
    }
    const next = nextWake(run, live);
    if (next === null) await condition(() => run.dirty);
    else await condition(() => run.dirty, Math.max(1, next - Date.now()));
  }
}

/** A response clock is final once stopped (its target was given or missed for good). */
function isFinal(c: ClockRun): boolean {
  return c.clock?.clock === 'stopped' && c.clock.target === 'response';
}

/** The next timer of any live clock, or a fact dated after now (another host's clock ran ahead), whichever comes first. */
function nextWake(run: TicketRun, live: ClockRun[]): number | null {
  const now = Date.now();
  let next: number | null = null;
  for (const c of live) {
    const t = c.clock?.nextTimerAt ?? null;
    if (t !== null && (next === null || t < next)) next = t;
  }
  for (const f of run.timeline) if (f.at > now && (next === null || f.at < next)) next = f.at;
  return next;
}

function registerHandlers(run: TicketRun): void {
  setHandler(updateSignal, (update) => apply(run, update));
  setHandler(factsSignal, (input) => apply(run, input));
  for (const signal of [pauseSignal, resumeSignal, priorityChangedSignal, reopenSignal, stopSignal]) {
    setHandler(signal, (fact) => apply(run, { facts: [fact] }));
  }
  setHandler(recomputeSignal, (input) => {
    const c = run.clocks.get(input.clockId);
    if (!c) return;
    apply(run, { clocks: [{ ...c.spec, definition: input.definition ?? c.spec.definition, calendar: input.calendar ?? c.spec.calendar }] });
  });
  setHandler(statusQuery, () => ({
    ticketNumber: run.input.ticket.ticketNumber,
    clocks: [...run.clocks.values()].map((c) => statusView(c.spec, c.clock, c.recorded, run.timeline.length)),
    facts: run.timeline.length,
  }));
  setHandler(clockQuery, (clockId) => {
    const c = run.clocks.get(clockId);
    return c ? statusView(c.spec, c.clock, c.recorded, run.timeline.length) : undefined;
  });
}

/** New facts (deduplicated by id), the import instant, new clocks and new definitions or calendars of known ones. */
function apply(run: TicketRun, update: TicketUpdate): void {
  for (const fact of update.facts ?? []) {
    if (run.ids.has(fact.id)) continue;
    run.ids.add(fact.id);
    run.timeline.push(fact);
    run.dirty = true;
  }
  if (update.importedAt != null && (run.importedAt === null || update.importedAt > run.importedAt)) {
    run.importedAt = update.importedAt;
    run.dirty = true;
  }
  for (const spec of update.clocks ?? []) {
    const known = run.clocks.get(spec.clockId);
    if (!known) {
      const progress = spec.progress ? progressSignature(spec.progress) : '';
      run.clocks.set(spec.clockId, { spec, recorded: [...(spec.recorded ?? [])], compiled: compileCalendar(spec.calendar.calendar), clock: undefined, progress });
      run.dirty = true;
      continue;
    }
    for (const key of spec.recorded ?? []) if (!known.recorded.includes(key)) known.recorded.push(key);
    const sameDefinition = known.spec.definition.id === spec.definition.id && known.spec.definition.version === spec.definition.version;
    const sameCalendar = known.spec.calendar.id === spec.calendar.id && known.spec.calendar.version === spec.calendar.version;
    if (sameDefinition && sameCalendar) continue;
    if (!sameCalendar) known.compiled = compileCalendar(spec.calendar.calendar);
    known.spec = { ...known.spec, definition: spec.definition, calendar: spec.calendar };
    run.dirty = true;
  }
}

function evaluateAll(run: TicketRun): void {
  const asOf = Date.now();
  for (const c of run.clocks.values()) {
    if (isFinal(c)) continue;
    c.clock = evaluateClock({ facts: run.timeline, definition: c.spec.definition, calendar: c.compiled, asOf });
  }
}

/**
 * Records every reached, unrecorded fact of every clock, oldest first per
 * clock; each activity is idempotent by its key. A signal that arrives
 * meanwhile (new facts, another calendar) makes it evaluate again before the
 * next fact, so a stale evaluation never records a breach the new timeline
 * does not have.
 */
async function recordDue(run: TicketRun): Promise<void> {
  for (const c of run.clocks.values()) {
    for (;;) {
      const next = dueFacts(c.spec.clockId, c.clock, c.recorded)[0];
      if (!next) break;
      await recordOne(run, c, c.clock!, next);
      c.recorded.push(next.key);
      if (run.dirty) {
        run.dirty = false;
        evaluateAll(run);
      }
    }
  }
}

async function recordOne(run: TicketRun, c: ClockRun, clock: SlaClock, fact: DueFact): Promise<void> {
  const def = c.spec.definition;
  const base = {
    clockId: c.spec.clockId,
    ticket: run.input.ticket,
    definitionId: def.id,
    definitionName: def.name,
    kind: def.kind,
    target: def.target,
    group: def.group ?? null,
    factKey: fact.key,
    at: new Date(fact.at).toISOString(),
    dueAt: iso(clock.dueAt),
    priority: clock.priority,
    elapsedMs: fact.type === 'met' ? clock.elapsedMs : Math.min(clock.elapsedMs, clock.targetMs ?? clock.elapsedMs),
    historical: run.importedAt !== null && fact.at < run.importedAt,
  };
  if (fact.type === 'warning') await activities.recordWarning({ ...base, threshold: fact.threshold!, elapsedMs: warningElapsed(clock, fact.threshold!) });
  else if (fact.type === 'breach') await activities.recordBreach({ ...base, elapsedMs: clock.targetMs ?? base.elapsedMs, action: def.breachAction });
  else await activities.recordMet(base);
}

function warningElapsed(clock: SlaClock, threshold: number): number {
  return clock.warnings.find((w) => w.threshold === threshold)?.elapsedMs ?? 0;
}

/** Keeps the service's clock rows in step when a status, due time or version changes. */
async function syncProgress(run: TicketRun): Promise<void> {
  for (const c of run.clocks.values()) {
    const record = progressRecordOf(c.spec.clockId, c.clock, c.spec.definition.version, c.spec.calendar.version);
    const signature = progressSignature(record);
    if (signature === c.progress) continue;
    await activities.recordProgress(record);
    c.progress = signature;
  }
}

/** Search attributes (when changed) and current details (always). */
function publish(run: TicketRun, last: string): string {
  const clocks = [...run.clocks.values()].map((c) => ({ spec: c.spec, clock: c.clock }));
  const now = Date.now();
  setCurrentDetails(ticketDetails(clocks, now));
  const values = ticketSearchValues(clocks);
  const signature = JSON.stringify(values);
  if (signature === last) return last;
  const updates: SearchAttributeUpdatePair[] = [
    { key: SA.state, value: values.state },
    { key: SA.waitingFor, value: values.waitingFor },
    { key: SA.dueAt, value: values.dueAt === null ? null : new Date(values.dueAt) },
  ];
  if (values.priority) updates.push({ key: SA.priority, value: values.priority });
  upsertSearchAttributes(updates);
  return signature;
}

function mustContinueAsNew(run: TicketRun): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > (run.input.maxHistoryLength ?? 2000);
}

function finish(run: TicketRun): SlaTicketResult {
  return {
    ticketNumber: run.input.ticket.ticketNumber,
    clocks: [...run.clocks.values()].map(({ spec, clock: c }) => ({
      clockId: spec.clockId,
      status: c?.status ?? 'cancelled',
      elapsedMs: c?.elapsedMs ?? 0,
      breachedAt: iso(c?.breachedAt ?? null),
      stoppedAt: iso(c?.stoppedAt ?? null),
    })),
  };
}
