/** The pending clock signals: sent once committed, in order per workflow, kept until Temporal accepts them. */
import { commonConfigSchema, createLogger, loadConfig } from '@itsm/core';
import { createKnex, dropDatabase, ensureDatabase, migrateLatest, type Knex } from '@itsm/db';
import { factsSignal, recomputeSignal, type SlaClockInput } from '@itsm/wf-sla-clock';
import type { Client } from '@temporalio/client';
import { migrations } from '../src/migrations';
import { noteIntake } from '../src/service/intake-first';
import { drainOnce, queueSignal } from '../src/service/signals';

const cfg = loadConfig(commonConfigSchema);
const database = `sla_signals_${process.pid}_${Date.now()}`;
let knex: Knex;

beforeAll(async () => {
  await ensureDatabase(cfg.POSTGRES_URL, database);
  knex = createKnex({ serverUrl: cfg.POSTGRES_URL, database });
  await migrateLatest(knex, migrations);
}, 60_000);

afterAll(async () => {
  await knex?.destroy();
  await dropDatabase(cfg.POSTGRES_URL, database);
});

const target = { taskQueue: 'q', workflowIdPrefix: 'p-' };

function input(ticketNumber: string): SlaClockInput {
  return {
    clockId: `${ticketNumber}:resolution`,
    ticket: { ticketType: 'incident', ticketId: ticketNumber, ticketNumber },
    definition: {
      id: 'd1',
      name: 'standard',
      version: 1,
      kind: 'sla',
      target: 'resolution',
      durationsByPriority: { '3': 3_600_000 },
      pauseStates: ['on_hold'],
      warningThresholds: [50],
      breachAction: { escalate: 'none' },
    },
    calendar: { id: 'c1', name: '24x7', version: 1, calendar: { timeZone: 'UTC', mode: '24x7', week: {}, holidays: [] } },
    timeline: [],
    recorded: [],
    importedAt: null,
  } as unknown as SlaClockInput;
}

/** A Temporal client that records the calls and fails those `fail` picks. */
function fakeTemporal(fail: (workflowId: string, arg: unknown) => boolean) {
  const calls: Array<{ workflowId: string; signal: string; arg: unknown }> = [];
  const client = {
    workflow: {
      async signalWithStart(_type: string, o: { workflowId: string; signal: { name: string }; signalArgs: unknown[] }) {
        await new Promise((r) => setTimeout(r, 5));
        if (fail(o.workflowId, o.signalArgs[0])) throw new Error('temporal unavailable');
        calls.push({ workflowId: o.workflowId, signal: o.signal.name, arg: o.signalArgs[0] });
        return {};
      },
    },
  };
  return { calls, client: client as unknown as Client };
}

const logger = createLogger('sla-test', 'silent');
const pending = async () => Number((await knex('sla_pending_signal').count<{ count: string }[]>('* as count'))[0]!.count);

it('sends nothing that was rolled back, and each committed signal once, in order per workflow', async () => {
  await knex.transaction(async (trx) => {
    await queueSignal(trx, target, input('INC1'), factsSignal, { facts: [], importedAt: null });
    throw new Error('rolled back');
  }).catch(() => undefined);
  await knex.transaction(async (trx) => {
    for (let i = 1; i <= 3; i++) await queueSignal(trx, target, input('INC1'), factsSignal, { facts: [{ id: `f${i}`, at: i, kind: 'state' }], importedAt: null });
    await queueSignal(trx, target, input('INC2'), recomputeSignal, { reason: 'definition changed' });
  });
  const t = fakeTemporal(() => false);
  expect(await drainOnce({ knex, temporal: t.client, logger, target })).toEqual({ sent: 4, failed: 0 });
  const inc1 = t.calls.filter((c) => c.workflowId.includes('INC1'));
  expect(inc1.map((c) => (c.arg as { facts: Array<{ id: string }> }).facts[0]!.id)).toEqual(['f1', 'f2', 'f3']);
  expect(t.calls.filter((c) => c.signal === 'recompute')).toHaveLength(1);
  expect(await pending()).toBe(0);
  expect(await drainOnce({ knex, temporal: t.client, logger, target })).toEqual({ sent: 0, failed: 0 });
});

it('keeps a signal Temporal refused and holds back the later signals of its workflow until it is accepted', async () => {
  await knex.transaction(async (trx) => {
    for (let i = 1; i <= 2; i++) await queueSignal(trx, target, input('INC3'), factsSignal, { facts: [{ id: `g${i}`, at: i, kind: 'state' }], importedAt: null });
    await queueSignal(trx, target, input('INC4'), factsSignal, { facts: [{ id: 'h1', at: 1, kind: 'state' }], importedAt: null });
  });
  let down = true;
  const t = fakeTemporal((id) => down && id.includes('INC3'));
  expect(await drainOnce({ knex, temporal: t.client, logger, target })).toEqual({ sent: 1, failed: 1 });
  expect(t.calls.map((c) => c.workflowId.includes('INC4'))).toEqual([true]);
  const kept = await knex('sla_pending_signal').orderBy('id');
  expect(kept).toHaveLength(2);
  expect(kept[0]).toMatchObject({ attempts: 1, last_error: 'temporal unavailable' });
  down = false;
  expect(await drainOnce({ knex, temporal: t.client, logger, target })).toEqual({ sent: 2, failed: 0 });
  expect(t.calls.slice(1).map((c) => (c.arg as { facts: Array<{ id: string }> }).facts[0]!.id)).toEqual(['g1', 'g2']);
  expect(await pending()).toBe(0);
});

it('lets one drain run at a time', async () => {
  await knex.transaction(async (trx) => queueSignal(trx, target, input('INC5'), factsSignal, { facts: [], importedAt: null }));
  const t = fakeTemporal(() => false);
  const [a, b] = await Promise.all([drainOnce({ knex, temporal: t.client, logger, target }), drainOnce({ knex, temporal: t.client, logger, target })]);
  expect([a, b].filter((r) => r === undefined).length + [a, b].filter((r) => r?.sent === 0).length).toBeGreaterThanOrEqual(1);
  expect(t.calls).toHaveLength(1);
  expect(await pending()).toBe(0);
});

it('while incident events flow in, sends only what waited its longest (with the earlier rows, in order), the rest once the intake is quiet', async () => {
  await knex.transaction(async (trx) => {
    for (let i = 1; i <= 2; i++) await queueSignal(trx, target, input('INC6'), factsSignal, { facts: [{ id: `k${i}`, at: i, kind: 'state' }], importedAt: null });
    await queueSignal(trx, target, input('INC7'), factsSignal, { facts: [{ id: 'm1', at: 1, kind: 'state' }], importedAt: null });
  });
  const rows = await knex('sla_pending_signal').orderBy('id');
  await knex('sla_pending_signal').where({ id: rows[1].id }).update({ created_at: knex.raw("now() - interval '1 minute'") });
  const t = fakeTemporal(() => false);
  noteIntake(knex);
  expect(await drainOnce({ knex, temporal: t.client, logger, target, maxDeferMs: 30_000 })).toEqual({ sent: 2, failed: 0 });
  expect(t.calls.map((c) => (c.arg as { facts: Array<{ id: string }> }).facts[0]!.id)).toEqual(['k1', 'k2']);
  noteIntake(knex);
  expect(await drainOnce({ knex, temporal: t.client, logger, target, maxDeferMs: 30_000 })).toEqual({ sent: 0, failed: 0, deferred: true });
  expect(await pending()).toBe(1);
  expect(await drainOnce({ knex, temporal: t.client, logger, target, yieldToIntakeMs: 0 })).toEqual({ sent: 1, failed: 0 });
  expect(t.calls.map((c) => c.workflowId.includes('INC7'))).toEqual([false, false, true]);
  expect(await pending()).toBe(0);
});
