import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { sendClockChanges } from '../src/client';
import { clockQuery, pauseSignal, priorityChangedSignal, recomputeSignal, reopenSignal, resumeSignal, statusQuery, stopSignal } from '../src/definitions';
import type { ClockStatusView, SlaClockInput } from '../src/definitions';
import { evaluateClock, workflowsPath } from '../src/index';
import { progressRecordOf } from '../src/workflows/clock-view';
import type { slaTicketWorkflow } from '../src/workflows/sla-ticket.workflow';
import { cal24, clockInput, definition, eventually, fact, H, MIN, mockActivities, registerSearchAttributes, TEST_SERVER_PATH } from './helpers';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let queue = 0;

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed by an earlier test file in this jest worker
  }
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEST_SERVER_PATH } },
  });
  await registerSearchAttributes(env.connection);
  bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}, 180_000);

afterAll(async () => {
  await env?.teardown();
});

type Mock = ReturnType<typeof mockActivities>;
type Handle = WorkflowHandle<typeof slaTicketWorkflow>;

async function withWorker<T>(mock: Mock, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  queue += 1;
  const taskQueue = `sla-clock-test-${process.pid}-${queue}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: mock.activities });
  return worker.runUntil(fn(taskQueue));
}

const now = async () => Number(await env.currentTimeMs());
const iso = (ms: number) => new Date(ms).toISOString();

/** Starts the ticket's workflow with the clock (as the service does for a new clock). */
async function start(input: SlaClockInput, taskQueue: string): Promise<Handle> {
  return sendClockChanges(env.client, [{ input, spec: true }], { taskQueue });
}

/** The one clock of the test's ticket. */
async function clockOf(handle: Handle, input: SlaClockInput): Promise<ClockStatusView> {
  const view = await handle.query(clockQuery, input.clockId);
  if (!view) throw new Error(`the workflow does not hold ${input.clockId}`);
  return view;
}

const recorded = (mock: Mock, n: number) => eventually(() => mock.facts().length >= n && mock.facts());

describe('slaTicketWorkflow', () => {
  it('writes the clock row at start only when the service did not already store what it shows', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const timeline = [fact(t0, 'opened', { state: 'new', priority: '1' })];
      const plain = clockInput(timeline);
      const stored = clockInput(timeline);
      const atStart = evaluateClock({ facts: timeline, definition: stored.definition, calendar: stored.calendar.calendar, asOf: t0 });
      // as it comes back from the service's jsonb column: keys in another order
      const record = progressRecordOf(stored.clockId, atStart, stored.definition.version, stored.calendar.version);
      stored.progress = Object.fromEntries(Object.entries(record).reverse()) as typeof record;
      const stale = clockInput(timeline);
      stale.progress = { ...progressRecordOf(stale.clockId, atStart, 1, 1), dueAt: iso(t0 + 2 * H) };
      const handles: Handle[] = [];
      for (const input of [plain, stored, stale]) handles.push(await start(input, taskQueue));
      for (const h of handles) await h.query(statusQuery);
      const progressOf = (id: string) => mock.calls.filter((c) => c.name === 'recordProgress' && c.input.clockId === id);
      await eventually(() => progressOf(plain.clockId).length === 1 && progressOf(stale.clockId).length === 1);
      expect(progressOf(plain.clockId)[0]!.input).toMatchObject({ status: 'running', dueAt: iso(t0 + H) });
      expect(progressOf(stale.clockId)[0]!.input).toMatchObject({ status: 'running', dueAt: iso(t0 + H) });
      expect(progressOf(stored.clockId)).toEqual([]);
      // the first timer still records its fact for the clock that skipped the write
      await env.sleep('31 minutes');
      await eventually(() => mock.facts().filter((f) => f.startsWith(`warning:50@`)).length === 3);
      // running workflows left on the time-skipping server would hold its clock for the next tests
      for (const h of handles) await h.terminate('test over');
    });
  });

  it('records the warnings at 50, 75 and 90 % and the breach, each at its instant, then shows it breached', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const input = clockInput([fact(t0, 'opened', { state: 'new', priority: '1' })]); // 1 h target, 24x7
      const handle = await start(input, taskQueue);
      await env.sleep('2 hours');
      expect(await recorded(mock, 4)).toEqual([
        `warning:50@${iso(t0 + 30 * MIN)}`,
        `warning:75@${iso(t0 + 45 * MIN)}`,
        `warning:90@${iso(t0 + 54 * MIN)}`,
        `breached@${iso(t0 + H)}`,
      ]);
      const status = await clockOf(handle, input);
      expect(status).toMatchObject({ status: 'breached', clock: 'running', dueAt: iso(t0 + H), breachedAt: iso(t0 + H) });
      const breach = mock.calls.find((c) => c.name === 'recordBreach')!.input;
      expect(breach).toMatchObject({ factKey: `${input.clockId}:breached`, historical: false, action: { escalate: 'functional' }, priority: '1' });
      const desc = await handle.describe();
      expect(desc.searchAttributes).toMatchObject({
        ItsmRecordId: [input.ticket.ticketNumber],
        ItsmRecordType: ['sla'],
        ItsmState: ['breached'],
        ItsmPriority: ['1'],
      });
      // the server keeps Datetime search attributes to the second
      expect(Math.abs(new Date(String((desc.searchAttributes.ItsmDueAt as unknown[])[0])).getTime() - (t0 + H))).toBeLessThan(1000);
      // the recorded history replays deterministically on the current code (what a patch must keep true)
      await Worker.runReplayHistory({ workflowBundle: bundle }, await handle.fetchHistory(), handle.workflowId);
      await handle.terminate();
    });
  });

  it('stops counting while paused and resumes from where it stopped', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const input = clockInput([fact(t0, 'opened', { state: 'new', priority: '1' })]);
      const handle = await start(input, taskQueue);
      await env.sleep('20 minutes');
      const p = await now();
      await handle.signal(pauseSignal, fact(p, 'state', { state: 'on_hold' }));
      await env.sleep('5 hours');
      const paused = await eventually(async () => {
        const s = await clockOf(handle, input);
        return s.clock === 'paused' && s;
      });
      expect(paused).toMatchObject({ status: 'paused', elapsedMs: p - t0, dueAt: null, pausedSince: iso(p) });
      expect(mock.facts()).toEqual([]);
      expect((await handle.describe()).searchAttributes).toMatchObject({ ItsmState: ['paused'], ItsmWaitingFor: ['resume'] });

      const r = await now();
      await handle.signal(resumeSignal, fact(r, 'state', { state: 'in_progress' }));
      const remaining = H - (p - t0);
      await env.sleep('2 hours');
      const facts = await recorded(mock, 4);
      expect(facts[3]).toBe(`breached@${iso(r + remaining)}`);
      expect(facts[0]).toBe(`warning:50@${iso(r + 30 * MIN - (p - t0))}`);
      await handle.terminate();
    });
  });

  it('applies a priority change from the original start, and a paused clock stays paused', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const input = clockInput([fact(t0, 'opened', { state: 'new', priority: '3' })]); // 4 h
      const handle = await start(input, taskQueue);
      await env.sleep('30 minutes');
      const p = await now();
      await handle.signal(pauseSignal, fact(p, 'state', { state: 'on_hold' }));
      await env.sleep('10 minutes');
      const c = await now();
      await handle.signal(priorityChangedSignal, fact(c, 'priority', { priority: '2' })); // 2 h
      const afterChange = await eventually(async () => {
        const s = await clockOf(handle, input);
        return s.priority === '2' && s;
      });
      expect(afterChange).toMatchObject({ status: 'paused', targetMs: 2 * H, elapsedMs: p - t0, breachedAt: null });
      const r = await now();
      await handle.signal(resumeSignal, fact(r, 'state', { state: 'in_progress' }));
      await env.sleep('3 hours');
      const facts = await recorded(mock, 4);
      expect(facts[3]).toBe(`breached@${iso(r + 2 * H - (p - t0))}`);
      expect(mock.calls.find((x) => x.name === 'recordBreach')!.input.priority).toBe('2');
      await handle.terminate();
    });
  });

  it('records met when resolved in time; a reopen resumes the clock from where it stopped, never reset', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const input = clockInput([fact(t0, 'opened', { state: 'new', priority: '1' })]);
      const handle = await start(input, taskQueue);
      await env.sleep('20 minutes');
      const s = await now();
      await handle.signal(stopSignal, fact(s, 'resolved', { state: 'resolved' }));
      expect(await recorded(mock, 1)).toEqual([`met@${iso(s)}`]);
      await env.sleep('3 hours');
      const r = await now();
      await handle.signal(reopenSignal, fact(r, 'reopened', { state: 'in_progress' }));
      await env.sleep('2 hours');
      const facts = await recorded(mock, 5);
      expect(facts).toEqual([
        `met@${iso(s)}`,
        `warning:50@${iso(r + 30 * MIN - (s - t0))}`,
        `warning:75@${iso(r + 45 * MIN - (s - t0))}`,
        `warning:90@${iso(r + 54 * MIN - (s - t0))}`,
        `breached@${iso(r + H - (s - t0))}`,
      ]);
      await handle.terminate();
    });
  });

  it('ends a response clock as met at the first assignment', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const def = definition({ id: 'def-response', target: 'response', durationsByPriority: { '1': 15 * MIN } });
      const input = clockInput([fact(t0, 'opened', { state: 'new', priority: '1' })], { definition: def });
      const handle = await start(input, taskQueue);
      await env.sleep('5 minutes');
      const a = await now();
      await handle.signal(stopSignal, fact(a, 'assigned'));
      const result = await handle.result();
      expect(result.clocks).toEqual([expect.objectContaining({ clockId: input.clockId, status: 'met', elapsedMs: a - t0, stoppedAt: iso(a) })]);
      expect(mock.facts()).toEqual([`met@${iso(a)}`]);
    });
  });

  it('fires nothing twice: repeated facts, a retried activity and a recompute with the same targets', async () => {
    const mock = mockActivities({ failFirst: true });
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const opened = fact(t0, 'opened', { state: 'new', priority: '1' });
      const input = clockInput([opened]);
      const handle = await start(input, taskQueue);
      await sendClockChanges(env.client, [{ input, facts: [opened] }], { taskQueue });
      await env.sleep('40 minutes');
      await recorded(mock, 1);
      await handle.signal(recomputeSignal, { clockId: input.clockId, definition: { ...input.definition, version: 2 }, reason: 'definition edited' });
      await sendClockChanges(env.client, [{ input, facts: [opened] }], { taskQueue });
      await env.sleep('2 hours');
      await recorded(mock, 4);
      await env.sleep('1 hour');
      const keys = mock.calls.filter((c) => c.name !== 'recordProgress').map((c) => c.input.factKey);
      expect(keys).toEqual([...new Set(keys)]);
      expect(keys).toHaveLength(4);
      await handle.terminate();
    });
  });

  it('recomputes with a new definition from the original start, keeping what was recorded', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const input = clockInput([fact(t0, 'opened', { state: 'new', priority: '1' })]);
      const handle = await start(input, taskQueue);
      await env.sleep('40 minutes');
      expect(await recorded(mock, 1)).toEqual([`warning:50@${iso(t0 + 30 * MIN)}`]);
      await handle.signal(recomputeSignal, { clockId: input.clockId, definition: { ...input.definition, version: 2, durationsByPriority: { '1': 2 * H } } });
      await env.sleep('3 hours');
      const facts = await recorded(mock, 4);
      expect(facts).toEqual([`warning:50@${iso(t0 + 30 * MIN)}`, `warning:75@${iso(t0 + 90 * MIN)}`, `warning:90@${iso(t0 + 108 * MIN)}`, `breached@${iso(t0 + 2 * H)}`]);
      expect((await clockOf(handle, input)).definitionVersion).toBe(2);
      await handle.terminate();
    });
  });

  it('records the facts of a historical import as historical, with the same results as live', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const o = t0 - 3 * 24 * H;
      const input = clockInput(
        [fact(o, 'opened', { state: 'new', priority: '1' }), fact(o + 20 * MIN, 'state', { state: 'on_hold' }), fact(o + 2 * H, 'state', { state: 'in_progress' }), fact(o + 3 * H, 'resolved', { state: 'resolved' })],
      );
      const handle = await sendClockChanges(env.client, [{ input: { ...input, timeline: [], importedAt: t0 }, spec: true, facts: input.timeline, importedAt: t0 }], { taskQueue });
      const facts = await recorded(mock, 4);
      // 20 min before the hold, then from o+2h: 50 % at o+2h10, 75 % at o+2h25, 90 % at o+2h34, breach o+2h40
      expect(facts).toEqual([
        `warning:50@${iso(o + 2 * H + 10 * MIN)} (historical)`,
        `warning:75@${iso(o + 2 * H + 25 * MIN)} (historical)`,
        `warning:90@${iso(o + 2 * H + 34 * MIN)} (historical)`,
        `breached@${iso(o + 2 * H + 40 * MIN)} (historical)`,
      ]);
      expect((await clockOf(handle, input)).status).toBe('breached');
      await handle.terminate();
    });
  });

  // Skipped: on the time-skipping test server this test hangs in about one run
  // of two (its worker then outlives the test); the hang needs its own look.
  // Real time, not time skipping: the test server does not skip time reliably once a workflow has continued as new.
  it('continues as new when its history grows, keeping the timeline and what was recorded', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const o = (await now()) - 5000;
      // an 8 s target: 50 % is already due at start (recorded by the first run), the rest comes seconds later
      const input = clockInput([fact(o, 'opened', { state: 'new', priority: '1' })], { calendar: cal24, definition: definition({ durationsByPriority: { '1': 8000 } }) });
      const handle = await sendClockChanges(env.client, [{ input, spec: true }], { taskQueue, limits: { maxHistoryLength: 30 } });
      const firstRun = (await handle.describe()).runId;
      await recorded(mock, 1);
      for (let i = 0; i < 8; i++) {
        await handle.signal(pauseSignal, fact(o + i * 100 + 1, 'state', { state: 'on_hold' }));
        await handle.signal(resumeSignal, fact(o + i * 100 + 51, 'state', { state: 'in_progress' }));
      }
      await eventually(async () => (await handle.describe()).runId !== firstRun);
      await eventually(async () => (await clockOf(handle, input)).facts === 17);
      const facts = await recorded(mock, 4);
      expect(facts[0]).toBe(`warning:50@${iso(o + 4000)}`);
      expect(facts.filter((f) => f.startsWith('warning:50@'))).toHaveLength(1); // the new run knows it was recorded
      expect(facts[3]).toBe(`breached@${iso(o + 8400)}`);
      const status = await clockOf(handle, input);
      expect(status).toMatchObject({ facts: 17, status: 'breached', pausedMs: 400, breachedAt: iso(o + 8400) });
      await handle.terminate();
    });
  });
});

describe('one workflow per ticket', () => {
  // Real time (seconds-long targets), not time skipping: the test server stalls now and then on a workflow with several timers and signals.
  it('holds the response, resolution and OLA clocks of a ticket: the response clock ends at assignment, a clock added later runs alongside', async () => {
    const mock = mockActivities();
    await withWorker(mock, async (taskQueue) => {
      const t0 = await now();
      const opened = fact(t0, 'opened', { state: 'new', priority: '1', assignmentGroup: 'service-desk' });
      const resolution = clockInput([opened], { definition: definition({ durationsByPriority: { '1': 6000 } }) });
      const ticket = resolution.ticket;
      const response: SlaClockInput = { ...resolution, clockId: `${ticket.ticketNumber}:response`, definition: definition({ id: 'def-response', target: 'response', durationsByPriority: { '1': 60_000 } }) };
      const handle = await sendClockChanges(env.client, [{ input: response, spec: true }, { input: resolution, spec: true }], { taskQueue });
      expect(handle.workflowId).toBe(`sla-clocks:${ticket.ticketNumber}`);
      await new Promise((r) => setTimeout(r, 300));
      const a = await now();
      const assigned = fact(a, 'assigned', { assignmentGroup: 'network' });
      // what the service sends for the assignment: the facts to each open clock, and the new OLA of the group
      const ola: SlaClockInput = {
        ...resolution,
        timeline: [opened, assigned],
        clockId: `${ticket.ticketNumber}:ola-resolution:network`,
        definition: definition({ id: 'def-ola', kind: 'ola', group: 'network', durationsByPriority: { '1': 4000 } }),
      };
      const after = (c: SlaClockInput) => ({ ...c, timeline: [opened, assigned] });
      await sendClockChanges(env.client, [{ input: after(response), facts: [assigned] }, { input: after(resolution), facts: [assigned] }, { input: ola, spec: true, facts: [assigned] }], { taskQueue });
      const all = await eventually(async () => {
        const s = await handle.query(statusQuery);
        return s.clocks.length === 3 && s.clocks[0]!.status === 'met' && s;
      });
      expect(all.clocks.map((c) => c.clockId)).toEqual([response.clockId, resolution.clockId, ola.clockId]);
      expect(all.clocks.map((c) => c.status)).toEqual(['met', expect.stringMatching(/running|breached/), expect.stringMatching(/running|breached/)]);
      // the earliest due time of the running clocks (the server keeps Datetime search attributes to the second)
      const dueAt = (sa: Record<string, unknown>) => new Date(String((sa.ItsmDueAt as unknown[] | undefined)?.[0])).getTime();
      const earliest = Math.min(t0 + 6000, a + 4000);
      const desc = await eventually(async () => {
        const d = await handle.describe();
        return Math.abs(dueAt(d.searchAttributes) - earliest) < 1000 && d;
      });
      expect(desc.searchAttributes).toMatchObject({ ItsmRecordId: [ticket.ticketNumber], ItsmRecordType: ['sla'], ItsmInstance: ['default'] });
      const facts = await recorded(mock, 9);
      expect(facts).toEqual(
        expect.arrayContaining([`met@${iso(a)}`, `warning:50@${iso(t0 + 3000)}`, `breached@${iso(t0 + 6000)}`, `warning:50@${iso(a + 2000)}`, `breached@${iso(a + 4000)}`]),
      );
      const keys = mock.calls.filter((c) => c.name !== 'recordProgress').map((c) => c.input.factKey);
      expect(keys).toEqual([...new Set(keys)]);
      expect(await eventually(async () => (await handle.describe()).searchAttributes.ItsmState?.[0] === 'breached')).toBe(true);
      await Worker.runReplayHistory({ workflowBundle: bundle }, await handle.fetchHistory(), handle.workflowId);
      await handle.terminate();
    });
  });
});
