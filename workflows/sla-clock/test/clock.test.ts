import { calendar24x7 } from '@itsm/business-time';
import { evaluateClock, OUTSIDE_GROUP_STATE, timelineFor } from '../src/clock';
import type { ClockFact } from '../src/definitions';
import { definition, H } from './helpers';

const t0 = Date.parse('2025-06-02T09:00:00Z');
const facts: ClockFact[] = [
  { id: 'o', at: t0, kind: 'opened', state: 'new', priority: '2', assignmentGroup: 'desk' },
  { id: 'a', at: t0 + H, kind: 'state', state: 'in_progress', assignmentGroup: 'network' },
  { id: 'b', at: t0 + 2 * H, kind: 'state', assignmentGroup: 'desk' },
  { id: 'c', at: t0 + 5 * H, kind: 'state', assignmentGroup: 'network' },
];
const ola = definition({ id: 'ola-net', kind: 'ola', group: 'network', durationsByPriority: { '2': 4 * H } });

describe('evaluateClock', () => {
  it('measures an OLA only while its group holds the ticket, from its first assignment', () => {
    const tl = timelineFor(facts, ola)!;
    expect(tl[0]).toMatchObject({ kind: 'opened', at: t0 + H, state: 'in_progress', priority: '2' });
    expect(tl.map((e) => e.state)).toEqual(['in_progress', OUTSIDE_GROUP_STATE, 'in_progress']);
    const c = evaluateClock({ facts, definition: ola, calendar: calendar24x7(), asOf: t0 + 6 * H })!;
    expect(c).toMatchObject({ status: 'running', elapsedMs: 2 * H, pausedMs: 3 * H, dueAt: t0 + 8 * H });
  });

  it('has nothing to measure for an OLA whose group never held the ticket, nor before the ticket opens', () => {
    expect(evaluateClock({ facts: facts.slice(0, 1), definition: ola, calendar: calendar24x7(), asOf: t0 + H })).toBeUndefined();
    expect(evaluateClock({ facts, definition: definition(), calendar: calendar24x7(), asOf: t0 - 1 })).toBeUndefined();
  });

  it('an SLA counts the whole timeline whoever holds the ticket', () => {
    const c = evaluateClock({ facts, definition: definition(), calendar: calendar24x7(), asOf: t0 + 6 * H })!;
    expect(c).toMatchObject({ elapsedMs: 6 * H, pausedMs: 0, dueAt: t0 + 2 * H, breachedAt: t0 + 2 * H });
  });
});
