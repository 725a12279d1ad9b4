/** ticketCall: the changes of one ticket's clocks as one signal-with-start. */
import { ticketCall } from '../src/client';
import type { SlaClockInput } from '../src/definitions';
import { cal24, definition, fact } from './helpers';

const ticket = { ticketType: 'incident', ticketId: 'id-1', ticketNumber: 'INC0000001' };
const opened = fact(1000, 'opened', { state: 'new', priority: '2' });
const held = fact(2000, 'state', { state: 'on_hold' });
const clock = (target: 'response' | 'resolution', timeline = [opened], extra: Partial<SlaClockInput> = {}): SlaClockInput => ({
  clockId: `INC0000001:${target}`,
  ticket,
  definition: definition({ target }),
  calendar: cal24,
  timeline,
  ...extra,
});

it('starts with every clock named and the whole timeline; updates with the new facts and only the new or recomputed clocks', () => {
  const { start, update } = ticketCall([
    { input: clock('response', [opened, held], { recorded: ['INC0000001:response:warning:50'] }), facts: [held] },
    { input: clock('resolution', [opened, held]), facts: [held] },
  ]);
  expect(start).toEqual({
    ticket,
    timeline: [opened, held],
    clocks: [
      { clockId: 'INC0000001:response', definition: definition({ target: 'response' }), calendar: cal24, recorded: ['INC0000001:response:warning:50'] },
      { clockId: 'INC0000001:resolution', definition: definition({ target: 'resolution' }), calendar: cal24 },
    ],
    importedAt: null,
  });
  expect(update).toEqual({ facts: [held] });
});

it('merges the rows of one ticket in order: facts once each, the later snapshot of a clock, recorded keys kept, the latest import', () => {
  const v2 = definition({ target: 'resolution', version: 2 });
  const { start, update } = ticketCall([
    { input: clock('resolution', [opened], { recorded: ['a'], importedAt: 5 }), spec: true, facts: [opened], importedAt: 5 },
    { input: clock('resolution', [opened, held], { recorded: ['b'], definition: v2 }), spec: true, facts: [opened, held], reason: 'definition changed' },
  ]);
  expect(start.clocks).toEqual([{ clockId: 'INC0000001:resolution', definition: v2, calendar: cal24, recorded: ['a', 'b'] }]);
  expect(start.timeline).toEqual([opened, held]);
  expect(start.importedAt).toBe(5);
  expect(update).toEqual({ facts: [opened, held], importedAt: 5, clocks: [start.clocks[0]], reason: 'definition changed' });
});

it('refuses an empty call', () => {
  expect(() => ticketCall([])).toThrow(/at least one change/);
});
