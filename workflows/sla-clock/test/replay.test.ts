/**
 * Replays stored histories of earlier versions on the current workflow code:
 * a change that is not behind `patched()` makes this fail (see CHANGELOG.md).
 * histories/sla-ticket-0.2.0.json: a P2 ticket with its response and
 * resolution clocks: assigned (response met) → on hold → resumed → priority
 * P1 → the resolution definition recomputed → resolved → reopened →
 * warnings and breach.
 *
 * `RECORD_HISTORIES=1 npx jest workflows/sla-clock/test/replay` records the
 * history again (on the time-skipping server) before replaying.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { sendClockChanges } from '../src/client';
import { pauseSignal, priorityChangedSignal, recomputeSignal, reopenSignal, resumeSignal, stopSignal, type SlaClockInput } from '../src/definitions';
import { workflowsPath } from '../src/index';
import { cal24, definition, eventually, fact, H, MIN, mockActivities, registerSearchAttributes, TEST_SERVER_PATH } from './helpers';

const dir = path.join(__dirname, 'histories');
const RECORDED = 'sla-ticket-0.2.0.json';
const record = process.env.RECORD_HISTORIES === '1';
const History = temporal.api.history.v1.History;

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed by an earlier test file in this jest worker
  }
});

async function recordTicketHistory(): Promise<void> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: TEST_SERVER_PATH } } });
  try {
    await registerSearchAttributes(env.connection);
    const mock = mockActivities();
    const taskQueue = 'sla-record';
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: mock.activities });
    const ticket = { ticketType: 'incident', ticketId: 'id-INC0000042', ticketNumber: 'INC0000042' };
    const t0 = Number(await env.currentTimeMs());
    const opened = fact(t0, 'opened', { state: 'new', priority: '2' });
    const clock = (target: 'response' | 'resolution'): SlaClockInput => ({
      clockId: `${ticket.ticketNumber}:${target}`,
      ticket,
      definition: definition({ id: `def-${target}`, target, durationsByPriority: { '1': (target === 'response' ? 15 : 60) * MIN, '2': (target === 'response' ? 30 : 120) * MIN } }),
      calendar: cal24,
      timeline: [opened],
    });
    const response = clock('response');
    const resolution = clock('resolution');
    await worker.runUntil(async () => {
      const handle = await sendClockChanges(env.client, [{ input: response, spec: true }, { input: resolution, spec: true }], { taskQueue });
      await env.sleep('10 minutes');
      await handle.signal(stopSignal, fact(t0 + 10 * MIN, 'assigned'));
      await env.sleep('10 minutes');
      await handle.signal(pauseSignal, fact(t0 + 20 * MIN, 'state', { state: 'on_hold' }));
      await env.sleep('30 minutes');
      await handle.signal(resumeSignal, fact(t0 + 50 * MIN, 'state', { state: 'in_progress' }));
      await handle.signal(priorityChangedSignal, fact(t0 + 50 * MIN, 'priority', { priority: '1' }));
      await env.sleep('5 minutes');
      await handle.signal(recomputeSignal, { clockId: resolution.clockId, definition: { ...resolution.definition, version: 2 }, reason: 'definition edited' });
      await env.sleep('5 minutes');
      await handle.signal(stopSignal, fact(t0 + 60 * MIN, 'resolved', { state: 'resolved' }));
      await env.sleep('1 hour');
      await handle.signal(reopenSignal, fact(t0 + 2 * H, 'reopened', { state: 'in_progress' }));
      await env.sleep('2 hours');
      await eventually(() => mock.facts().some((f) => f.startsWith('breached@')));
      const history = await handle.fetchHistory();
      const json = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
      fs.writeFileSync(path.join(dir, RECORDED), `${JSON.stringify(json, null, 1)}\n`);
      await handle.terminate('recorded');
    });
  } finally {
    await env.teardown();
  }
}

if (record) beforeAll(recordTicketHistory, 180_000);

const files = [...new Set([...fs.readdirSync(dir).filter((f) => f.endsWith('.json')), ...(record ? [RECORDED] : [])])];

it.each(files)('replays %s deterministically', async (file) => {
  const history = History.fromObject(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, `replay-${file}`);
}, 120_000);
