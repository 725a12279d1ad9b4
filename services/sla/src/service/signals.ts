/**
 * Durable hand-off of the clocks' Temporal calls (an outbox for signals).
 *
 * The transaction that changes a clock (the consumer's inbox transaction, a
 * calendar or definition change) writes the signal-with-start it needs as a
 * `sla_pending_signal` row; the drain job sends the rows once committed and
 * deletes each after Temporal accepted it. A crash between the two resends
 * the row, which is harmless: the workflow id is fixed, a running workflow is
 * only signalled, and the workflow drops facts whose id it already has
 * (`recompute` carries the whole definition and calendar, so applying it twice
 * changes nothing). Rows of one workflow are sent one after the other in the
 * order they were written; different workflows are sent in parallel. One
 * drain runs at a time across processes (a transaction-scoped advisory lock).
 * While incident events flow in, it sends only rows that waited `maxDeferMs`
 * (intake-first.ts).
 */
import type { Logger } from '@itsm/core';
import type { Knex } from '@itsm/db';
import type { Client, SignalDefinition } from '@temporalio/client';
import { Gauge, type Registry } from 'prom-client';
import { intakeBusy, workflowTasksInProgress } from './intake-first';
import {
  clockWorkflowId,
  factsSignal,
  pauseSignal,
  priorityChangedSignal,
  recomputeSignal,
  reopenSignal,
  resumeSignal,
  signalWithStartClock,
  stopSignal,
  type SlaClockInput,
} from '@itsm/wf-sla-clock';

const SIGNALS = new Map<string, SignalDefinition<[unknown]>>(
  [factsSignal, pauseSignal, resumeSignal, priorityChangedSignal, reopenSignal, stopSignal, recomputeSignal].map((s) => [s.name, s as SignalDefinition<[unknown]>]),
);

/** Any number unlikely to clash with another advisory lock of this database. */
const DRAIN_LOCK = 7_305_001;

export interface SignalTarget {
  taskQueue: string;
  workflowIdPrefix: string;
}

/** A signal-with-start to send for a clock once the transaction that needs it commits. */
export interface PendingSignal<T = unknown> {
  input: SlaClockInput;
  signal: SignalDefinition<[T]>;
  arg: T;
}

/** Writes signal-with-starts to send once the transaction commits (one statement, in the given order). */
export async function queueSignals(trx: Knex.Transaction, target: SignalTarget, signals: readonly PendingSignal[]): Promise<void> {
  await pendingSignalsInsert(trx, target, signals);
}

/** The insert of pending signals, in the given order (a query builder, to write with other rows in one statement), or undefined for none. */
export function pendingSignalsInsert(trx: Knex.Transaction, target: SignalTarget, signals: readonly PendingSignal[]): Knex.QueryBuilder | undefined {
  if (signals.length === 0) return undefined;
  return trx('sla_pending_signal').insert(
    signals.map((s) => ({
      workflow_id: clockWorkflowId(s.input, target.workflowIdPrefix),
      signal: s.signal.name,
      input: JSON.stringify(s.input),
      arg: JSON.stringify(s.arg ?? null),
    })),
  );
}

/** Writes one signal-with-start to send once the transaction commits. */
export async function queueSignal<T>(trx: Knex.Transaction, target: SignalTarget, input: SlaClockInput, signal: SignalDefinition<[T]>, arg: T): Promise<void> {
  await queueSignals(trx, target, [{ input, signal, arg } as PendingSignal]);
}

export interface DrainOptions {
  knex: Knex;
  temporal: Client;
  logger: Logger;
  target: SignalTarget;
  /** pause between passes when there is nothing to send */
  intervalMs?: number;
  /** rows read per pass */
  batch?: number;
  /** workflows signalled at once */
  concurrency?: number;
  /** workflows signalled at once while the intake is busy (overdue rows only; default 1) */
  busyConcurrency?: number;
  /** intake counts as busy this long after its last event (default 250 ms) */
  yieldToIntakeMs?: number;
  /** longest a row waits for a busy intake (default 30 s) */
  maxDeferMs?: number;
}

interface Row {
  id: string;
  workflow_id: string;
  signal: string;
  input: SlaClockInput;
  arg: unknown;
  attempts: number;
}

/** One pass: sends up to `batch` rows; returns how many were sent and whether any failed or waited for the intake (undefined: another process drains). */
export async function drainOnce(o: DrainOptions): Promise<{ sent: number; failed: number; deferred?: boolean } | undefined> {
  const batch = o.batch ?? 200;
  let concurrency = o.concurrency ?? 16;
  return o.knex.transaction(async (lockTrx) => {
    const { rows } = await lockTrx.raw('select pg_try_advisory_xact_lock(?) as locked', [DRAIN_LOCK]);
    if (!rows[0]?.locked) return undefined;
    const q = o.knex('sla_pending_signal').select('id', 'workflow_id', 'signal', 'input', 'arg', 'attempts').orderBy('id').limit(batch);
    if (intakeBusy(o.knex, o.yieldToIntakeMs)) {
      // only rows up to the newest that has waited its longest, so each workflow's rows still go in order
      const overdue = await o.knex('sla_pending_signal')
        .where('created_at', '<', o.knex.raw('now() - make_interval(secs => ?)', [(o.maxDeferMs ?? 30_000) / 1000]))
        .max('id as id')
        .first();
      if (!overdue?.id) return { sent: 0, failed: 0, deferred: true };
      q.where('id', '<=', overdue.id);
      concurrency = Math.min(concurrency, Math.max(1, o.busyConcurrency ?? 1));
    }
    const pending: Row[] = await q;
    const byWorkflow = new Map<string, Row[]>();
    for (const r of pending) {
      const list = byWorkflow.get(r.workflow_id);
      if (list) list.push(r);
      else byWorkflow.set(r.workflow_id, [r]);
    }
    let sent = 0;
    let failed = 0;
    const queues = [...byWorkflow.values()];
    const work = async () => {
      for (let q = queues.shift(); q; q = queues.shift()) {
        for (const r of q) {
          try {
            const signal = SIGNALS.get(r.signal);
            if (!signal) throw new Error(`unknown clock signal ${r.signal}`);
            await signalWithStartClock(o.temporal, r.input, signal, r.arg, o.target);
            await o.knex('sla_pending_signal').where({ id: r.id }).delete();
            sent++;
          } catch (err) {
            failed++;
            await o.knex('sla_pending_signal').where({ id: r.id }).update({ attempts: r.attempts + 1, last_error: String((err as Error).message ?? err).slice(0, 2000) }).catch(() => undefined);
            o.logger.warn({ err, workflowId: r.workflow_id, signal: r.signal, attempts: r.attempts + 1 }, 'clock signal not delivered; retrying on the next pass');
            break; // keeps this workflow's order: its later rows wait for this one
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, work));
    return { sent, failed };
  });
}

/** Runs `drainOnce` until stopped: at once again after a full batch, after `intervalMs` when idle, after a second on failures. */
export function startSignalDrain(o: DrainOptions): () => Promise<void> {
  const interval = o.intervalMs ?? 100;
  const batch = o.batch ?? 200;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const pass = async (): Promise<number> => {
    try {
      const r = await drainOnce({ ...o, batch });
      if (!r) return interval * 5;
      if (r.failed) return 1000;
      return r.sent >= batch ? 0 : interval;
    } catch (err) {
      o.logger.error({ err }, 'clock signal drain failed; retrying');
      return 1000;
    }
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().then(schedule);
    }, delay);
  };
  running = pass().then(schedule);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}

/** `/metrics`: how many clock signals wait for Temporal, and how long the oldest has waited. */
export function registerSignalMetrics(registry: Registry, knex: Knex): void {
  let last: Promise<{ n: number; age: number }> | undefined;
  // one query per scrape for both gauges
  const read = () =>
    (last ??= knex('sla_pending_signal')
      .first(knex.raw('count(*)::int AS n'), knex.raw('coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS age'))
      .then((r: { n: number; age: number } | undefined) => r ?? { n: 0, age: 0 })
      .finally(() => setImmediate(() => (last = undefined))));
  new Gauge({
    name: 'sla_pending_signals',
    help: 'Clock signal-with-starts written and not yet accepted by Temporal',
    registers: [registry],
    async collect() {
      this.set((await read()).n);
    },
  });
  new Gauge({
    name: 'sla_clock_workflow_tasks_running',
    help: 'Clock workflow tasks the worker of this process is running',
    registers: [registry],
    collect() {
      this.set(workflowTasksInProgress(knex) ?? 0);
    },
  });
  new Gauge({
    name: 'sla_pending_signal_oldest_seconds',
    help: 'How long the oldest pending clock signal has waited',
    registers: [registry],
    async collect() {
      this.set((await read()).age);
    },
  });
}
