/**
 * Durable hand-off of the clocks' Temporal calls (an outbox for signals).
 *
 * The transaction that changes a clock (the consumer's inbox transaction, a
 * calendar or definition change) writes the change as a `sla_pending_signal`
 * row; the drain job sends the rows once committed and deletes them after
 * Temporal accepted them. The rows of one ticket go to its one workflow
 * (`sla-clocks:<ticket>`) as one signal-with-start (`ticketCall`: the new
 * facts, and the clocks to add or recompute). A crash between the call and
 * the delete resends the rows, which is harmless: the workflow id is fixed, a
 * running workflow is only signalled, and the workflow drops facts whose id
 * it already has and clocks it already holds with the same definition and
 * calendar. Rows of one workflow are sent in the order they were written;
 * different workflows are sent in parallel. One drain runs at a time across
 * processes (a transaction-scoped advisory lock). While incident events flow
 * in, it sends only rows that waited `maxDeferMs` (intake-first.ts).
 */
import type { Logger } from '@itsm/core';
import type { Knex } from '@itsm/db';
import type { Client } from '@temporalio/client';
import { Gauge, type Registry } from 'prom-client';
import { intakeBusy, workflowTasksInProgress } from './intake-first';
import { clockWorkflowId, sendClockChanges, type ClockChange, type SlaClockInput } from '@itsm/wf-sla-clock';

/** Any number unlikely to clash with another advisory lock of this database. */
const DRAIN_LOCK = 7_305_001;

export interface SignalTarget {
  taskQueue: string;
  workflowIdPrefix: string;
}

/** What a row says it does (for operators reading the table): new facts, a new clock, or a recompute. */
const kindOf = (c: ClockChange) => (c.reason ? 'recompute' : c.spec ? 'clock' : 'facts');

/** Writes clock changes to send once the transaction commits (one statement, in the given order). */
export async function queueSignals(trx: Knex.Transaction, target: SignalTarget, changes: readonly ClockChange[]): Promise<void> {
  await pendingSignalsInsert(trx, target, changes);
}

/** The insert of pending clock changes, in the given order (a query builder, to write with other rows in one statement), or undefined for none. */
export function pendingSignalsInsert(trx: Knex.Transaction, target: SignalTarget, changes: readonly ClockChange[]): Knex.QueryBuilder | undefined {
  if (changes.length === 0) return undefined;
  return trx('sla_pending_signal').insert(
    changes.map(({ input, ...arg }) => ({
      workflow_id: clockWorkflowId(input, target.workflowIdPrefix),
      signal: kindOf({ input, ...arg }),
      input: JSON.stringify(input),
      arg: JSON.stringify(arg),
    })),
  );
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
  /** longest a row waits for a busy intake (default 5 s) */
  maxDeferMs?: number;
}

interface Row {
  id: string;
  workflow_id: string;
  input: SlaClockInput;
  arg: Omit<ClockChange, 'input'>;
  attempts: number;
}

/** One pass: sends up to `batch` rows; returns how many were sent and whether any failed or waited for the intake (undefined: another process drains). */
export async function drainOnce(o: DrainOptions): Promise<{ sent: number; failed: number; deferred?: boolean } | undefined> {
  const batch = o.batch ?? 200;
  let concurrency = o.concurrency ?? 16;
  return o.knex.transaction(async (lockTrx) => {
    const { rows } = await lockTrx.raw('select pg_try_advisory_xact_lock(?) as locked', [DRAIN_LOCK]);
    if (!rows[0]?.locked) return undefined;
    const q = o.knex('sla_pending_signal').select('id', 'workflow_id', 'input', 'arg', 'attempts').orderBy('id').limit(batch);
    if (intakeBusy(o.knex, o.yieldToIntakeMs)) {
      // only rows up to the newest that has waited its longest, so each workflow's rows still go in order
      const overdue = await o.knex('sla_pending_signal')
        .where('created_at', '<', o.knex.raw('now() - make_interval(secs => ?)', [(o.maxDeferMs ?? 5_000) / 1000]))
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
      for (let rows = queues.shift(); rows; rows = queues.shift()) {
        const ids = rows.map((r) => r.id);
        try {
          // all of this pass's rows of the workflow, in order, as one call
          await sendClockChanges(o.temporal, rows.map((r) => ({ ...r.arg, input: r.input })), o.target);
          await o.knex('sla_pending_signal').whereIn('id', ids).delete();
          sent += rows.length;
        } catch (err) {
          failed += rows.length;
          await o.knex('sla_pending_signal')
            .whereIn('id', ids)
            .update({ attempts: o.knex.raw('attempts + 1'), last_error: String((err as Error).message ?? err).slice(0, 2000) })
            .catch(() => undefined);
          o.logger.warn({ err, workflowId: rows[0]!.workflow_id, rows: rows.length, attempts: rows[0]!.attempts + 1 }, 'clock changes not delivered; retrying on the next pass');
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
    help: 'Clock changes written and not yet accepted by Temporal',
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
    help: 'How long the oldest pending clock change has waited',
    registers: [registry],
    async collect() {
      this.set((await read()).age);
    },
  });
}
