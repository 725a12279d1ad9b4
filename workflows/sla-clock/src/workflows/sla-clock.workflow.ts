/**
 * One SLA (or OLA) clock of one ticket and target.
 *
 * Holds the ticket's timeline (plain JSON facts, deduplicated by id) and, on
 * every change and every timer, evaluates the clock with the pure
 * `evaluateClock` at the workflow's current time. Each warning threshold, the
 * breach, and `met` (stopped in time) is recorded once through an activity
 * (the service stores it under a unique fact key and publishes the event in
 * the same transaction). Then it sleeps on a durable timer until the next
 * threshold, or until a signal changes the timeline, the definition or the
 * calendar. A fact reached before a historical import was received is
 * recorded as `historical` (no notification).
 *
 * A stopped response clock ends; a stopped resolution clock waits for a
 * reopen for `idleAfterStopMs` (30 days), then ends (the service starts a new
 * run with the whole timeline if the ticket reopens later). Long histories
 * continue as new with the timeline and the recorded fact keys.
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
import type { ClockFact, FactsInput, SlaClockInput, SlaClockResult } from '../definitions';
import {
  factsSignal,
  pauseSignal,
  priorityChangedSignal,
  recomputeSignal,
  reopenSignal,
  resumeSignal,
  statusQuery,
  stopSignal,
} from '../definitions';
import { currentDetails, dueFacts, iso, progressRecordOf, progressSignature, stateKeyword, statusView, waitingFor, type DueFact } from './clock-view';

const activities = proxyActivities<SlaClockActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const THIRTY_DAYS_MS = 30 * 24 * 3600_000;

interface ClockRun {
  input: SlaClockInput;
  timeline: ClockFact[];
  ids: Set<string>;
  recorded: string[];
  importedAt: number | null;
  dirty: boolean;
  compiled: CompiledCalendar;
  clock: SlaClock | undefined;
}

export async function slaClockWorkflow(initial: SlaClockInput): Promise<SlaClockResult> {
  const run: ClockRun = {
    input: { ...initial },
    timeline: [],
    ids: new Set(),
    recorded: [...(initial.recorded ?? [])],
    importedAt: initial.importedAt ?? null,
    dirty: false,
    compiled: compileCalendar(initial.calendar.calendar),
    clock: undefined,
  };
  addFacts(run, { facts: initial.timeline });
  registerHandlers(run);

  let published = '';
  // The service wrote the clock row when it created the clock: no activity while nothing has changed since.
  let progress = initial.progress ? progressSignature(initial.progress) : '';
  for (;;) {
    run.dirty = false;
    run.clock = evaluate(run);
    await recordDue(run);
    progress = await syncProgress(run, progress);
    published = publish(run, published);

    const clock = run.clock;
    if (clock?.clock === 'stopped' && clock.target === 'response') return finish(run);
    if (mustContinueAsNew(run)) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof slaClockWorkflow>({
        ...run.input,
        timeline: run.timeline,
        recorded: run.recorded,
        importedAt: run.importedAt,
        progress: undefined, // the row may have changed since the first run started
      });
    }
    if (clock?.clock === 'stopped') {
      const changed = await condition(() => run.dirty, run.input.idleAfterStopMs ?? THIRTY_DAYS_MS);
      if (!changed) {
        await condition(allHandlersFinished);
        return finish(run);
      }
      continue;
    }
    const next = nextWake(run, clock?.nextTimerAt ?? null);
    if (next === null) await condition(() => run.dirty);
    else await condition(() => run.dirty, Math.max(1, next - Date.now()));
  }
}

/** The next timer, or a fact dated after now (another host's clock ran ahead), whichever comes first. */
function nextWake(run: ClockRun, nextTimerAt: number | null): number | null {
  const now = Date.now();
  let next = nextTimerAt;
  for (const f of run.timeline) if (f.at > now && (next === null || f.at < next)) next = f.at;
  return next;
}

function registerHandlers(run: ClockRun): void {
  setHandler(factsSignal, (input) => addFacts(run, input));
  for (const signal of [pauseSignal, resumeSignal, priorityChangedSignal, reopenSignal, stopSignal]) {
    setHandler(signal, (fact) => addFacts(run, { facts: [fact] }));
  }
  setHandler(recomputeSignal, (input) => {
    if (input.definition) run.input = { ...run.input, definition: input.definition };
    if (input.calendar) {
      run.input = { ...run.input, calendar: input.calendar };
      run.compiled = compileCalendar(input.calendar.calendar);
    }
    run.dirty = true;
  });
  setHandler(statusQuery, () => statusView(run.input, run.clock, run.recorded, run.timeline.length));
}

function addFacts(run: ClockRun, input: FactsInput): void {
  for (const fact of input.facts) {
    if (run.ids.has(fact.id)) continue;
    run.ids.add(fact.id);
    run.timeline.push(fact);
    run.dirty = true;
  }
  if (input.importedAt != null && (run.importedAt === null || input.importedAt > run.importedAt)) {
    run.importedAt = input.importedAt;
    run.dirty = true;
  }
}

function evaluate(run: ClockRun): SlaClock | undefined {
  return evaluateClock({ facts: run.timeline, definition: run.input.definition, calendar: run.compiled, asOf: Date.now() });
}

/**
 * Records every reached, unrecorded fact, oldest first; each activity is
 * idempotent by its key. A signal that arrives meanwhile (new facts, another
 * calendar) makes it evaluate again before the next fact, so a stale
 * evaluation never records a breach the new timeline does not have.
 */
async function recordDue(run: ClockRun): Promise<void> {
  for (;;) {
    const next = dueFacts(run.input.clockId, run.clock, run.recorded)[0];
    if (!next) return;
    await recordOne(run, run.clock!, next);
    run.recorded.push(next.key);
    if (run.dirty) {
      run.dirty = false;
      run.clock = evaluate(run);
    }
  }
}

async function recordOne(run: ClockRun, clock: SlaClock, fact: DueFact): Promise<void> {
  const { input } = run;
  const def = input.definition;
  const base = {
    clockId: input.clockId,
    ticket: input.ticket,
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

/** Keeps the service's clock row in step when the status, due time or versions change. */
async function syncProgress(run: ClockRun, last: string): Promise<string> {
  const record = progressRecordOf(run.input.clockId, run.clock, run.input.definition.version, run.input.calendar.version);
  const signature = progressSignature(record);
  if (signature === last) return last;
  await activities.recordProgress(record);
  return signature;
}

/** Search attributes (when changed) and current details (always). */
function publish(run: ClockRun, last: string): string {
  const c = run.clock;
  const now = Date.now();
  setCurrentDetails(currentDetails(c, now));
  const dueAt = c?.dueAt ?? null;
  const values = { state: stateKeyword(c), priority: c?.priority ?? '', dueAt, waitingFor: waitingFor(c) };
  const signature = JSON.stringify(values);
  if (signature === last) return last;
  const updates: SearchAttributeUpdatePair[] = [
    { key: SA.state, value: values.state },
    { key: SA.waitingFor, value: values.waitingFor },
    { key: SA.dueAt, value: dueAt === null ? null : new Date(dueAt) },
  ];
  if (values.priority) updates.push({ key: SA.priority, value: values.priority });
  upsertSearchAttributes(updates);
  return signature;
}

function mustContinueAsNew(run: ClockRun): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > (run.input.maxHistoryLength ?? 2000);
}

function finish(run: ClockRun): SlaClockResult {
  const c = run.clock;
  return {
    clockId: run.input.clockId,
    status: c?.status ?? 'cancelled',
    elapsedMs: c?.elapsedMs ?? 0,
    breachedAt: iso(c?.breachedAt ?? null),
    stoppedAt: iso(c?.stoppedAt ?? null),
  };
}
