/**
 * Clocks from incident events: keeps the ticket's read copy and timeline,
 * decides which clocks the ticket needs (SLA response and resolution, OLAs of
 * the groups that held it), writes their rows and history, and starts or
 * signals the ticket's clocks workflow (signal-with-start: idempotent, facts
 * deduplicated by id). Runs inside the consumer's inbox transaction; the
 * clock changes are written to `sla_pending_signal` in the same transaction
 * and sent by the drain job once it commits (see signals.ts): Temporal's
 * latency stays out of the transaction, and no change is lost or applied twice.
 */
import type { Logger, Clock } from '@itsm/core';
import type { Knex } from '@itsm/db';
import { appendOutbox, incidentEvents, slaEvents, type EventEnvelope, type NewEvent } from '@itsm/events';
import type { SlaTarget } from '@itsm/business-time';
import type { Client } from '@temporalio/client';
import { clockTargetKey, clockWorkflowId, progressRecordOf, type ClockChange, type ClockFact, type SlaClockInput } from '@itsm/wf-sla-clock';
import { evaluate, transitionsOf, type ClockSnapshot, type Transition } from '../domain/clock-view';
import { chooseOlaDefinitions, chooseSlaDefinition, clockCalendarOf, clockDefinitionOf, TARGETS } from '../domain/definition';
import { factsOf, groupsOf, ticketOf, type TicketFact } from '../domain/timeline';
import type { DefinitionRecord, TicketRecord } from '../domain/types';
import * as admin from '../repository/admin.repository';
import * as repo from '../repository/clock.repository';
import { currentConfig, type SlaConfig } from '../repository/config.repository';
import { pendingSignalsInsert, queueSignals } from './signals';

export interface SlaDeps {
  knex: Knex;
  temporal: Client;
  source: string;
  logger: Logger;
  clock: Clock;
  /** the clocks' task queue (instance-prefixed) */
  taskQueue: string;
  /** workflow id prefix (platform instance) */
  workflowIdPrefix: string;
}

/** Writes the clock changes, in order, in the transaction that holds them (sent after commit: signals.ts). */
export async function queuePending(deps: SlaDeps, trx: Knex.Transaction, changes: readonly ClockChange[]): Promise<void> {
  await queueSignals(trx, opts(deps), changes);
}

export const toClockFact = (f: TicketFact): ClockFact => {
  const c: ClockFact = { id: f.id, at: f.at, kind: f.kind };
  if (f.state !== undefined) c.state = f.state;
  if (f.priority !== undefined) c.priority = f.priority;
  if (f.assignmentGroup !== undefined) c.assignmentGroup = f.assignmentGroup;
  return c;
};

/** Applies one incident event (in the inbox transaction). */
export async function ingestIncidentEvent(deps: SlaDeps, trx: Knex.Transaction, env: EventEnvelope): Promise<void> {
  const data = env.data as { incident?: Parameters<typeof ticketOf>[0] };
  if (!data.incident) return;
  const imported = env.type === incidentEvents.imported.type ? new Date(env.time) : null;
  const ticket = await repo.upsertTicket(trx, ticketOf(data.incident, imported, env.version));
  const { all, added } = await repo.addFacts(trx, ticket.number, factsOf(env));
  const config = await currentConfig(trx, deps.knex);
  await syncClocks(deps, trx, config, ticket, all.map(toClockFact), added.map(toClockFact), env.id);
}

interface Wanted {
  def: DefinitionRecord;
  target: SlaTarget;
}

function wantedClocks(config: SlaConfig, ticket: TicketRecord, facts: readonly ClockFact[]): Wanted[] {
  const defs = config.definitions;
  const out: Wanted[] = [];
  const groups = groupsOf(facts);
  for (const target of TARGETS) {
    const sla = chooseSlaDefinition(defs, ticket, target);
    if (sla) out.push({ def: sla, target });
    for (const ola of chooseOlaDefinitions(defs, ticket, groups, target)) out.push({ def: ola, target });
  }
  return out;
}

export function clockIdOf(ticketNumber: string, def: Pick<DefinitionRecord, 'kind' | 'match'>, target: SlaTarget): string {
  return `${ticketNumber}:${clockTargetKey(def.kind, target, def.match.assignmentGroup)}`;
}

/** What one incident event writes, gathered to go in one statement at the end. */
interface Writes {
  clocks: repo.ClockRecord[];
  updates: Knex.QueryBuilder[];
  history: repo.HistoryInput[];
  events: NewEvent[];
}

/**
 * Brings the ticket's clocks in line with its timeline: new clocks, updated
 * rows, history, `itsm.sla.*` events and the pending signals for their
 * workflows, all written in one statement at the end.
 */
async function syncClocks(deps: SlaDeps, trx: Knex.Transaction, config: SlaConfig, ticket: TicketRecord, facts: ClockFact[], newFacts: ClockFact[], causationId: string): Promise<void> {
  const now = deps.clock.now().getTime();
  const existing = await repo.clocksOfTicketWithRecorded(trx, ticket.number);
  const signals: ClockChange[] = [];
  const out: Writes = { clocks: [], updates: [], history: [], events: [] };
  for (const w of wantedClocks(config, ticket, facts)) {
    const id = clockIdOf(ticket.number, w.def, w.target);
    const found = existing.find((c) => c.clock.id === id);
    const current = found?.clock;
    if (!found || !current) {
      const created = createClock(deps, config, ticket, w, id, facts, now, out);
      if (!created) continue;
      signals.push({ input: created.input, spec: true, facts: newFacts, importedAt: created.input.importedAt ?? null });
      continue;
    }
    const clockDef = clockDefinitionOf(w.def, w.target);
    let snap: ClockSnapshot = { definition: current.definition, calendar: current.calendar };
    const newIds = new Set(newFacts.map((f) => f.id));
    const earlier = evaluate(snap, facts.filter((f) => !newIds.has(f.id)), now);
    if (current.target === 'response' && earlier?.clock === 'stopped') continue; // a response target is final once given
    const stopped = evaluate(snap, facts, now)?.clock === 'stopped' && newFacts.every((f) => f.kind !== 'reopened');
    const changed = current.definition.id !== clockDef.id || current.definition.version !== clockDef.version;
    if (changed && !stopped) {
      const cal = config.calendars.get(w.def.calendarId);
      snap = { definition: clockDef, calendar: cal ? clockCalendarOf(cal) : current.calendar };
      out.history.push({
        clockId: id,
        at: new Date(now),
        kind: 'recomputed',
        details: { reason: 'definition now applying to the ticket', from: { id: current.definition.id, version: current.definition.version }, to: { id: clockDef.id, version: clockDef.version } },
      });
      signals.push({ input: startInputWith(current.id, ticket, snap, facts, found.recorded), spec: true, reason: 'definition changed' });
    }
    out.updates.push(saveClock(trx, current, snap, facts, now));
    if (newFacts.length === 0) continue;
    writeTransitions({ ...current, ...snap }, ticket, transitionsOf(snap, facts, newFacts), out);
    signals.push({ input: startInputWith(id, ticket, snap, facts, found.recorded), facts: newFacts, importedAt: ticket.importedAt?.getTime() ?? null });
  }
  const writes = [repo.insertClocks(trx, out.clocks), ...out.updates, repo.appendHistory(trx, out.history), pendingSignalsInsert(trx, opts(deps), signals)];
  await appendOutbox(
    trx,
    deps.source,
    out.events.map((e) => ({ ...e, causationId })),
    writes.filter((w): w is Knex.QueryBuilder => w !== undefined),
  );
}

const opts = (deps: SlaDeps) => ({ taskQueue: deps.taskQueue, workflowIdPrefix: deps.workflowIdPrefix });

/** The workflow's start input, with the fact keys the clock's history holds. */
async function startInput(db: Knex | Knex.Transaction, clockId: string, ticket: TicketRecord, snap: ClockSnapshot, facts: ClockFact[]): Promise<SlaClockInput> {
  return startInputWith(clockId, ticket, snap, facts, await repo.recordedFactKeys(db, clockId));
}

function startInputWith(clockId: string, ticket: TicketRecord, snap: ClockSnapshot, facts: ClockFact[], recorded: string[]): SlaClockInput {
  return {
    clockId,
    ticket: { ticketType: ticket.type, ticketId: ticket.id, ticketNumber: ticket.number },
    definition: snap.definition,
    calendar: snap.calendar,
    timeline: facts,
    recorded,
    importedAt: ticket.importedAt?.getTime() ?? null,
  };
}

/** A new clock: its row, its first history and events go into `out`; returns its workflow's start input. */
function createClock(deps: SlaDeps, config: SlaConfig, ticket: TicketRecord, w: Wanted, id: string, facts: ClockFact[], now: number, out: Writes) {
  const cal = config.calendars.get(w.def.calendarId);
  if (!cal) return undefined;
  const snap: ClockSnapshot = { definition: clockDefinitionOf(w.def, w.target), calendar: clockCalendarOf(cal) };
  const c = evaluate(snap, facts, now);
  if (!c) return undefined; // nothing to measure yet (an OLA whose group has not held the ticket)
  const input = startInputWith(id, ticket, snap, facts, []);
  input.progress = progressRecordOf(id, c, snap.definition.version, snap.calendar.version);
  const record: repo.ClockRecord = {
    id,
    ticketNumber: ticket.number,
    ticketId: ticket.id,
    ticketType: ticket.type,
    kind: w.def.kind,
    target: w.target,
    group: snap.definition.group ?? null,
    definitionId: snap.definition.id,
    definition: snap.definition,
    calendarId: cal.id,
    calendar: snap.calendar,
    workflowId: clockWorkflowId(input, deps.workflowIdPrefix),
    status: c.status,
    dueAt: c.dueAt === null ? null : new Date(c.dueAt),
    priority: c.priority === null ? null : Number(c.priority),
    elapsedMs: c.elapsedMs,
    pausedMs: c.pausedMs,
    breachedAt: c.breachedAt === null ? null : new Date(c.breachedAt),
    stoppedAt: c.stoppedAt === null ? null : new Date(c.stoppedAt),
    openedAt: new Date(c.openedAt),
    importedAt: ticket.importedAt,
    version: 1,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  };
  out.clocks.push(record);
  writeTransitions(record, ticket, transitionsOf(snap, facts, facts), out);
  return { input };
}

function clockRef(c: repo.ClockRecord, ticket: TicketRecord, dueAt: string | null, historical: boolean) {
  return {
    clockId: c.id,
    ticketType: c.ticketType,
    ticketId: c.ticketId,
    ticketNumber: c.ticketNumber,
    definitionId: c.definition.id,
    definitionName: c.definition.name,
    target: c.target,
    kind: c.kind,
    assignmentGroup: c.group,
    dueAt,
    historical,
    ...(ticket.priority ? { priority: ticket.priority } : {}),
  };
}

/** History rows for the transitions, and the events operators' tools follow (started, paused, resumed). */
function writeTransitions(c: repo.ClockRecord, ticket: TicketRecord, transitions: Transition[], out: Writes): void {
  const { events, history } = out;
  const importedAt = ticket.importedAt?.getTime() ?? null;
  for (const t of transitions) {
    const historical = importedAt !== null && t.at < importedAt;
    history.push({ clockId: c.id, at: new Date(t.at), kind: t.kind, historical, details: t.details });
    const at = new Date(t.at).toISOString();
    const ref = clockRef(c, ticket, (t.details.dueAt as string | null | undefined) ?? null, historical);
    const common = { subject: c.ticketNumber, occurredAt: at };
    if (t.kind === 'started') events.push({ ...common, event: slaEvents.clockStarted, data: { ...ref, startedAt: (t.details.startedAt as string) ?? at } });
    if (t.kind === 'paused') events.push({ ...common, event: slaEvents.paused, data: { ...ref, pausedAt: at } });
    if (t.kind === 'resumed' || t.kind === 'reopened') events.push({ ...common, event: slaEvents.resumed, data: { ...ref, resumedAt: at } });
  }
}

/** The row refreshed from the clock's evaluation now (the workflow keeps it in step as well): a query builder to await or write with others. */
function saveClock(trx: Knex.Transaction, current: repo.ClockRecord, snap: ClockSnapshot, facts: ClockFact[], now: number): Knex.QueryBuilder {
  const c = evaluate(snap, facts, now);
  return repo.updateClock(trx, {
    ...current,
    definitionId: snap.definition.id,
    definition: snap.definition,
    calendarId: snap.calendar.id,
    calendar: snap.calendar,
    status: c?.status ?? current.status,
    dueAt: c?.dueAt == null ? null : new Date(c.dueAt),
    priority: c?.priority == null ? null : Number(c.priority),
    elapsedMs: c?.elapsedMs ?? 0,
    pausedMs: c?.pausedMs ?? 0,
    breachedAt: c?.breachedAt == null ? current.breachedAt : new Date(c.breachedAt),
    stoppedAt: c?.stoppedAt == null ? null : new Date(c.stoppedAt),
    version: current.version + 1,
    updatedAt: new Date(now),
  });
}

/**
 * Recomputes the open clocks that use a calendar or a definition after it
 * changed: new snapshot, a history row, and a `recompute` signal (the
 * workflow is started again if it had ended). Stopped clocks are not touched.
 * Returns the signals to queue in the same transaction (sent once it commits).
 */
export async function recomputeOpenClocks(
  deps: SlaDeps,
  trx: Knex.Transaction,
  by: { calendarId?: string; definitionId?: string },
  reason: string,
  by_user: string,
): Promise<{ clockIds: string[]; signals: ClockChange[] }> {
  const now = deps.clock.now().getTime();
  const clocks = await repo.openClocksUsing(trx, by);
  const signals: ClockChange[] = [];
  const clockIds: string[] = [];
  const def = by.definitionId ? await admin.findDefinition(trx, by.definitionId) : undefined;
  for (const current of clocks) {
    const facts = (await repo.listFacts(trx, current.ticketNumber)).map(toClockFact);
    const before: ClockSnapshot = { definition: current.definition, calendar: current.calendar };
    const was = evaluate(before, facts, now);
    if (was?.clock === 'stopped') {
      await saveClock(trx, current, before, facts, now); // finished: only mark it stopped
      continue;
    }
    const cal = await admin.findCalendar(trx, by.calendarId ?? def?.calendarId ?? current.calendarId);
    if (!cal) continue;
    const snap: ClockSnapshot = { definition: def ? clockDefinitionOf(def, current.target) : current.definition, calendar: clockCalendarOf(cal) };
    const after = evaluate(snap, facts, now);
    await repo.insertHistory(trx, {
      clockId: current.id,
      at: new Date(now),
      kind: 'recomputed',
      by: by_user,
      details: {
        reason,
        calendar: { id: cal.id, fromVersion: current.calendar.version, toVersion: cal.version },
        definition: { id: snap.definition.id, fromVersion: current.definition.version, toVersion: snap.definition.version },
        dueAt: { from: was?.dueAt == null ? null : new Date(was.dueAt).toISOString(), to: after?.dueAt == null ? null : new Date(after.dueAt).toISOString() },
      },
    });
    await saveClock(trx, { ...current, calendarId: cal.id }, snap, facts, now);
    const ticket = await repo.findTicket(trx, current.ticketNumber);
    if (!ticket) continue;
    const input = await startInput(trx, current.id, ticket, snap, facts);
    signals.push({ input, spec: true, reason });
    clockIds.push(current.id);
  }
  return { clockIds, signals };
}
