/** The pending clock changes: sent once committed, in order per ticket workflow (its rows of a pass as one call), kept until Temporal accepts them. */
import { commonConfigSchema, createLogger, loadConfig } from '@itsm/core';
import { createKnex, dropDatabase, ensureDatabase, migrateLatest, type Knex } from '@itsm/db';
import type { ClockFact, SlaClockInput, TicketUpdate } from '@itsm/wf-sla-clock';
import type { Client } from '@temporalio/client';
import { migrations } from '../src/migrations';
import { noteIntake } from '../src/service/intake-first';
import { drainOnce, queueSignals } from '../src/service/signals';

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

const state = (id: string): ClockFact => ({ id, at: 1, kind: 'state' });
const queueFacts = (trx: Knex.Transaction, ticket: string, ...ids: string[]) => queueSignals(trx, target, ids.length ? ids.map((id) => ({ input: input(ticket), facts: [state(id)] })) : [{ input: input(ticket), spec: true }]);
const factIds = (arg: unknown) => ((arg as TicketUpdate).facts ?? []).map((f) => f.id);

/** A Temporal client that records the calls and fails those `fail` picks (to see what the drain does when Temporal refuses). */
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

it('sends nothing that was rolled back, and each committed change once, in order, one call per ticket workflow', async () => {
  await knex.transaction(async (trx) => {
    await queueFacts(trx, 'INC1');
    throw new Error('rolled back');
  }).catch(() => undefined);
  await knex.transaction(async (trx) => {
    await queueFacts(trx, 'INC1', 'f1', 'f2', 'f3');
    await queueSignals(trx, target, [{ input: input('INC2'), spec: true, reason: 'definition changed' }]);
  });
  expect((await knex('sla_pending_signal').orderBy('id')).map((r) => `${r.workflow_id} ${r.signal}`)).toEqual([
    'p-sla-clocks:INC1 facts',
    'p-sla-clocks:INC1 facts',
    'p-sla-clocks:INC1 facts',
    'p-sla-clocks:INC2 recompute',
  ]);
  const t = fakeTemporal(() => false);
  expect(await drainOnce({ knex, temporal: t.client, logger, target })).toEqual({ sent: 4, failed: 0 });
  const inc1 = t.calls.filter((c) => c.workflowId.includes('INC1'));
  expect(inc1.map((c) => factIds(c.arg))).toEqual([['f1', 'f2', 'f3']]);
  const inc2 = t.calls.filter((c) => c.workflowId.includes('INC2'));
  expect(inc2.map((c) => c.arg)).toEqual([{ clocks: [expect.objectContaining({ clockId: 'INC2:resolution' })], reason: 'definition changed' }]);
  expect(t.calls.every((c) => c.signal === 'update')).toBe(true);
  expect(await pending()).toBe(0);
  expect(await drainOnce({ knex, temporal: t.client, logger, target })).toEqual({ sent: 0, failed: 0 });
});

it('keeps the changes Temporal refused, with their attempts, until it accepts them; other tickets go on', async () => {
  await knex.transaction(async (trx) => {
    await queueFacts(trx, 'INC3', 'g1', 'g2');
    await queueFacts(trx, 'INC4', 'h1');
  });
  let down = true;
  const t = fakeTemporal((id) => down && id.includes('INC3'));
  expect(await drainOnce({ knex, temporal: t.client, logger, target })).toEqual({ sent: 1, failed: 2 });
  expect(t.calls.map((c) => c.workflowId.includes('INC4'))).toEqual([true]);
  const kept = await knex('sla_pending_signal').orderBy('id');
  expect(kept).toHaveLength(2);
  expect(kept.map((r) => ({ attempts: r.attempts, last_error: r.last_error }))).toEqual([
    { attempts: 1, last_error: 'temporal unavailable' },
    { attempts: 1, last_error: 'temporal unavailable' },
  ]);
  down = false;
  expect(await drainOnce({ knex, temporal: t.client, logger, target })).toEqual({ sent: 2, failed: 0 });
  expect(t.calls.slice(1).map((c) => factIds(c.arg))).toEqual([['g1', 'g2']]);
  expect(await pending()).toBe(0);
});

it('lets one drain run at a time', async () => {
  await knex.transaction(async (trx) => queueFacts(trx, 'INC5'));
  const t = fakeTemporal(() => false);
  const [a, b] = await Promise.all([drainOnce({ knex, temporal: t.client, logger, target }), drainOnce({ knex, temporal: t.client, logger, target })]);
  expect([a, b].filter((r) => r === undefined).length + [a, b].filter((r) => r?.sent === 0).length).toBeGreaterThanOrEqual(1);
  expect(t.calls).toHaveLength(1);
  expect(await pending()).toBe(0);
});

it('while incident events flow in, sends only what waited its longest (with the earlier rows, in order), the rest once the intake is quiet', async () => {
  await knex.transaction(async (trx) => {
    await queueFacts(trx, 'INC6', 'k1', 'k2');
    await queueFacts(trx, 'INC7', 'm1');
  });
  const rows = await knex('sla_pending_signal').orderBy('id');
  await knex('sla_pending_signal').where({ id: rows[1].id }).update({ created_at: knex.raw("now() - interval '1 minute'") });
  const t = fakeTemporal(() => false);
  noteIntake(knex);
  expect(await drainOnce({ knex, temporal: t.client, logger, target, maxDeferMs: 30_000 })).toEqual({ sent: 2, failed: 0 });
  expect(t.calls.map((c) => factIds(c.arg))).toEqual([['k1', 'k2']]);
  noteIntake(knex);
  expect(await drainOnce({ knex, temporal: t.client, logger, target, maxDeferMs: 30_000 })).toEqual({ sent: 0, failed: 0, deferred: true });
  expect(await pending()).toBe(1);
  expect(await drainOnce({ knex, temporal: t.client, logger, target, yieldToIntakeMs: 0 })).toEqual({ sent: 1, failed: 0 });
  expect(t.calls.map((c) => c.workflowId.includes('INC7'))).toEqual([false, true]);
  expect(await pending()).toBe(0);
});
