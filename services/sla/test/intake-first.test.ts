import type { Knex } from '@itsm/db';
import { intakeBusy, intakeFirstWorkflowSlots, noteIntake, workflowTasksInProgress } from '../src/service/intake-first';

// the policy keys its state by connection pool: any object stands for one here
const pool = () => ({}) as unknown as Knex;
const ctx = {} as never;
const slotInfo = { type: 'workflow', workflowType: 'slaTicketWorkflow', isSticky: false } as const;

it('counts the intake as busy for a short window after each incident event', async () => {
  const p = pool();
  expect(intakeBusy(p)).toBe(false);
  noteIntake(p);
  expect(intakeBusy(p, 50)).toBe(true);
  await new Promise((r) => setTimeout(r, 80));
  expect(intakeBusy(p, 50)).toBe(false);
});

it('hands out all its workflow-task slots while the intake is idle, and only the busy share while it is busy', async () => {
  const p = pool();
  const slots = intakeFirstWorkflowSlots(p, { slots: 3, busySlots: 1, yieldToIntakeMs: 200 });
  const abort = new AbortController();
  await slots.reserveSlot(ctx, abort.signal);
  await slots.reserveSlot(ctx, abort.signal);
  expect(slots.tryReserveSlot(ctx)).not.toBeNull();
  expect(slots.tryReserveSlot(ctx)).toBeNull(); // all three out
  for (let i = 0; i < 3; i++) slots.releaseSlot({ permit: {} } as never);

  noteIntake(p);
  await slots.reserveSlot(ctx, abort.signal);
  expect(slots.tryReserveSlot(ctx)).toBeNull(); // busy: one at a time
  let second = false;
  const waiting = slots.reserveSlot(ctx, abort.signal).then(() => (second = true));
  await new Promise((r) => setTimeout(r, 60));
  expect(second).toBe(false);
  await new Promise((r) => setTimeout(r, 250)); // the intake went quiet: the waiting reservation gets its slot
  await waiting;
  expect(second).toBe(true);
});

it('leaves no listener behind on the abort signal while a reservation waits', async () => {
  const p = pool();
  const slots = intakeFirstWorkflowSlots(p, { slots: 1, busySlots: 1 });
  const abort = new AbortController();
  let added = 0;
  let removed = 0;
  const signal = abort.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
  signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
  await slots.reserveSlot(ctx, signal);
  const waiting = slots.reserveSlot(ctx, signal);
  await new Promise((r) => setTimeout(r, 150)); // several 20 ms waits
  slots.releaseSlot({ permit: {} } as never);
  await waiting;
  expect(added).toBeGreaterThan(2);
  expect(added - removed).toBe(0);
});

it('counts the slots that run a task, and gives up a waiting reservation when the SDK aborts it', async () => {
  const p = pool();
  const slots = intakeFirstWorkflowSlots(p, { slots: 2, busySlots: 1 });
  const abort = new AbortController();
  const permit = await slots.reserveSlot(ctx, abort.signal);
  await slots.reserveSlot(ctx, abort.signal); // a poller holds it, no task yet
  slots.markSlotUsed({ slotInfo, permit } as never);
  expect(workflowTasksInProgress(p)).toBe(1);
  const pending = slots.reserveSlot(ctx, abort.signal);
  abort.abort(new Error('no longer needed'));
  await expect(pending).rejects.toThrow('no longer needed');
  slots.releaseSlot({ slotInfo, permit } as never);
  expect(workflowTasksInProgress(p)).toBe(0);
});
