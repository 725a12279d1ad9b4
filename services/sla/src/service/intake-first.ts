/**
 * Incident events come first. While the consumer is taking them in (an event
 * within the last `yieldToIntakeMs`), the clocks' Temporal work waits: the
 * signal drain sends only rows older than its `maxDeferMs` (signals.ts), and
 * the clock worker runs at most `busySlots` workflow tasks at once instead of
 * `slots`. A burst of new incidents gets its clock rows and `clock_started`
 * events at once; the workflows' timers follow when the burst ends. A late
 * workflow task loses nothing: the workflow computes warnings and breach from
 * the facts' own times. Per connection pool, that is per process: with the
 * roles split over processes, the worker and the drain do not wait.
 */
import type { Knex } from '@itsm/db';
import type { CustomSlotSupplier, WorkflowSlotInfo } from '@temporalio/worker';

const lastIntake = new WeakMap<object, number>();
const slotsInUse = new WeakMap<object, { used: number; working: number }>();

/** Clock workflow tasks this process's worker is running now (for /metrics); undefined without a worker here. */
export function workflowTasksInProgress(pool: Knex): number | undefined {
  return slotsInUse.get(pool)?.working;
}

/** The consumer calls this for every incident event it takes in. */
export function noteIntake(pool: Knex): void {
  lastIntake.set(pool, Date.now());
}

/** True while incident events are flowing in (one within `windowMs`). */
export function intakeBusy(pool: Knex, windowMs = 250): boolean {
  return Date.now() - (lastIntake.get(pool) ?? 0) < windowMs;
}

export interface WorkflowSlotsOptions {
  /** workflow tasks run at once when the intake is idle */
  slots: number;
  /** workflow tasks run at once while it is busy (at least 1, so timers never stop) */
  busySlots: number;
  yieldToIntakeMs?: number;
}

/**
 * A workflow-task slot supplier for the clock worker (Temporal's worker
 * tuner): `slots` at once, `busySlots` while incident events flow in.
 */
export function intakeFirstWorkflowSlots(pool: Knex, o: WorkflowSlotsOptions): CustomSlotSupplier<WorkflowSlotInfo> {
  // used: slots handed out (a poller holds one while it waits for a task); working: slots running a task
  const state = { used: 0, working: 0 };
  slotsInUse.set(pool, state);
  const limit = () => (intakeBusy(pool, o.yieldToIntakeMs) ? Math.max(1, o.busySlots) : Math.max(1, o.slots));
  return {
    type: 'custom',
    async reserveSlot(_ctx, abort) {
      while (state.used >= limit()) {
        if (abort.aborted) throw abort.reason;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            abort.removeEventListener('abort', done);
            resolve();
          };
          const t = setTimeout(done, 20);
          abort.addEventListener('abort', done, { once: true });
        });
      }
      if (abort.aborted) throw abort.reason;
      state.used++;
      return {};
    },
    tryReserveSlot() {
      if (state.used >= limit()) return null;
      state.used++;
      return {};
    },
    markSlotUsed() {
      state.working++;
    },
    releaseSlot(ctx) {
      state.used = Math.max(0, state.used - 1);
      if (ctx.slotInfo) state.working = Math.max(0, state.working - 1);
    },
  };
}
