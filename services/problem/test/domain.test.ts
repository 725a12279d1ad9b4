import { AppError } from '@itsm/core';
import { DEFAULT_DETECTION, candidateTitle, clusterKeys, findCluster } from '../src/domain/detection';
import { TRANSITIONS, assertTransition, canTransition } from '../src/domain/lifecycle';
import { DEFAULT_MATRIX, matrixPriority } from '../src/domain/priority';
import { createProblem, document, requestFix, resolveByChange, transition, updateProblem } from '../src/domain/problem';
import { STATES, type Problem, type State } from '../src/domain/types';

const now = new Date('2026-03-01T10:00:00Z');
const actor = { id: 'pm1', name: 'Pat Manager' };
const ctx = { actor, now, matrix: DEFAULT_MATRIX };

function problem(over: Partial<Problem> = {}): Problem {
  const p = createProblem({ title: 'Mail relay drops messages', impact: 2, urgency: 2 }, { ...ctx, id: 'id-1', number: 'PRB0000001' }).next;
  return { ...p, ...over };
}

const allowed: Array<[State, State]> = STATES.flatMap((from) => TRANSITIONS[from].map((to) => [from, to] as [State, State]));
const refused: Array<[State, State]> = STATES.flatMap((from) =>
  STATES.filter((to) => to !== from && !TRANSITIONS[from].includes(to)).map((to) => [from, to] as [State, State]),
);

describe('transition table', () => {
  it.each(allowed)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    const p = problem({ state: from, rootCause: 'expired certificate' });
    const d = transition(p, to, { resolutionCode: 'fix_applied' }, [], now);
    expect(d.next.state).toBe(to);
    expect(d.events[0]).toEqual({ kind: 'stateChanged', from, to });
    expect(d.changes[0]).toEqual({ field: 'state', from, to });
  });

  it.each(refused)('refuses %s → %s with 409 naming the transition, record unchanged', (from, to) => {
    const p = problem({ state: from });
    const before = structuredClone(p);
    let err: unknown;
    try {
      transition(p, to, { resolutionCode: 'fix_applied' }, [], now);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(409);
    expect((err as AppError).code).toBe('INVALID_TRANSITION');
    expect((err as AppError).message).toContain(`${from} → ${to}`);
    expect(p).toEqual(before);
  });

  it('refuses new → closed (acceptance case C09 step 5)', () => {
    expect(() => assertTransition('PRB0000001', 'new', 'closed')).toThrow(/new → closed/);
  });

  it('follows the ITIL path new → assessment → root cause analysis → fix in progress → resolved → closed', () => {
    let p = problem({ rootCause: 'disk full' });
    for (const to of ['assessment', 'root_cause_analysis', 'fix_in_progress', 'resolved', 'closed'] as State[]) {
      p = transition(p, to, { resolutionCode: 'fix_applied' }, [], now).next;
    }
    expect(p.state).toBe('closed');
    expect(p.closedAt).toEqual(now);
  });
});

describe('transition guards', () => {
  it('needs a root cause before fix in progress', () => {
    expect(() => transition(problem({ state: 'root_cause_analysis' }), 'fix_in_progress', {}, [], now)).toThrow(/root cause/);
  });

  it('needs a resolution code to resolve', () => {
    expect(() => transition(problem({ state: 'root_cause_analysis' }), 'resolved', {}, [], now)).toThrow(expect.objectContaining({ status: 422 }));
  });

  it.each(['closed', 'cancelled'] as State[])('refuses %s while linked incidents are open, listing them', (to) => {
    const p = problem({ state: to === 'closed' ? 'resolved' : 'assessment' });
    const open = [{ id: 'i1', number: 'INC0000001', state: 'on_hold' }, { id: 'i2', number: 'INC0000002', state: 'new' }];
    try {
      transition(p, to, {}, open, now);
      throw new Error('expected a refusal');
    } catch (e) {
      const err = e as AppError;
      expect(err.status).toBe(409);
      expect(err.code).toBe('OPEN_INCIDENTS_LINKED');
      expect(err.message).toContain('INC0000001, INC0000002');
      expect(err.details.incidents).toEqual(open);
    }
  });

  it('sets resolvedAt when resolving and clears it on re-analysis', () => {
    const resolved = transition(problem({ state: 'root_cause_analysis' }), 'resolved', { resolutionCode: 'risk_accepted' }, [], now).next;
    expect(resolved.resolvedAt).toEqual(now);
    const again = transition(resolved, 'root_cause_analysis', {}, [], now).next;
    expect(again.resolvedAt).toBeNull();
    expect(again.resolutionCode).toBeNull();
  });
});

describe('known error', () => {
  it('becomes a known error when a root cause is documented', () => {
    const d = document(problem(), { rootCause: 'certificate expired' }, now);
    expect(d.next.knownError).toBe(true);
    expect(d.events).toEqual([{ kind: 'knownErrorRecorded' }]);
  });

  it('publishes a workaround and records the known error once', () => {
    const d1 = document(problem(), { workaround: 'restart the relay' }, now);
    expect(d1.events.map((e) => e.kind)).toEqual(['knownErrorRecorded', 'workaroundPublished']);
    const d2 = document(d1.next, { workaround: 'flush the queue' }, now);
    expect(d2.events.map((e) => e.kind)).toEqual(['workaroundPublished']);
    expect(document(d2.next, { workaround: 'flush the queue' }, now).events).toEqual([]);
  });

  it('is a known error from creation when created with a workaround', () => {
    const d = createProblem({ title: 't', impact: 3, urgency: 3, workaround: 'w' }, { ...ctx, id: 'x', number: 'PRB0000002' });
    expect(d.next.knownError).toBe(true);
    expect(d.events.map((e) => e.kind)).toEqual(['created', 'knownErrorRecorded']);
  });
});

describe('priority', () => {
  it.each([
    [1, 1, 1], [1, 2, 2], [1, 3, 3], [2, 1, 2], [2, 2, 3], [2, 3, 4], [3, 1, 3], [3, 2, 4], [3, 3, 4],
  ])('impact %i × urgency %i → priority %i (the incidents’ matrix)', (impact, urgency, priority) => {
    expect(matrixPriority(DEFAULT_MATRIX, impact, urgency)).toBe(priority);
  });

  it('recomputes the priority when impact or urgency changes', () => {
    const d = updateProblem(problem(), { impact: 1 }, { ...ctx, openIncidents: [] });
    expect(d.next.priority).toBe(2);
    expect(d.changes).toEqual(expect.arrayContaining([{ field: 'priority', from: 3, to: 2 }]));
  });
});

describe('update', () => {
  it('refuses any change to a closed problem', () => {
    expect(() => updateProblem(problem({ state: 'closed' }), { title: 'x' }, { ...ctx, openIncidents: [] })).toThrow(expect.objectContaining({ code: 'PROBLEM_CLOSED' }));
  });

  it('refuses a resolution without resolving', () => {
    expect(() => updateProblem(problem(), { resolutionCode: 'fix_applied' }, { ...ctx, openIncidents: [] })).toThrow(expect.objectContaining({ status: 422 }));
  });

  it('applies fields, documentation and the transition together', () => {
    const d = updateProblem(problem({ state: 'root_cause_analysis' }), { rootCause: 'bad config', state: 'fix_in_progress' }, { ...ctx, openIncidents: [] });
    expect(d.next.state).toBe('fix_in_progress');
    expect(d.events.map((e) => e.kind)).toEqual(['knownErrorRecorded', 'stateChanged']);
  });
});

describe('fix request', () => {
  it('moves root cause analysis to fix in progress and drafts the RfC', () => {
    const p = problem({ state: 'root_cause_analysis', rootCause: 'memory leak', ciIds: ['CI-1'] });
    const d = requestFix(p, { justification: 'stops recurring outages' }, { actor, now });
    expect(d.next.state).toBe('fix_in_progress');
    expect(d.next.fixRequest).toMatchObject({ justification: 'stops recurring outages', ciIds: ['CI-1'], type: 'normal', title: expect.stringContaining('PRB0000001') });
    expect(d.events.map((e) => e.kind)).toEqual(['stateChanged', 'fixRequested']);
  });

  it.each(['new', 'assessment', 'resolved'] as State[])('is refused from %s (409 naming the transition)', (state) => {
    expect(() => requestFix(problem({ state, rootCause: 'x' }), { justification: 'j' }, { actor, now })).toThrow(/→ fix_in_progress/);
  });
});

describe('resolution by an implemented change', () => {
  const change = { id: 'c-1', number: 'CHG0000001' };

  it('resolves a problem in fix in progress with the change as its fix', () => {
    const d = resolveByChange(problem({ state: 'fix_in_progress', rootCause: 'x' }), change, now)!;
    expect(d.resolved).toBe(true);
    expect(d.next).toMatchObject({ state: 'resolved', fixChangeId: 'c-1', fixChangeNumber: 'CHG0000001', resolutionCode: 'fix_applied' });
  });

  it('only records the fix when the table does not allow resolving from the state', () => {
    const d = resolveByChange(problem({ state: 'assessment' }), change, now)!;
    expect(d.resolved).toBe(false);
    expect(d.next.state).toBe('assessment');
    expect(d.next.fixChangeNumber).toBe('CHG0000001');
  });

  it.each(['closed', 'cancelled'] as State[])('does nothing to a %s problem', (state) => {
    expect(resolveByChange(problem({ state }), change, now)).toBeNull();
  });

  it('does nothing the second time', () => {
    const d = resolveByChange(problem({ state: 'fix_in_progress', rootCause: 'x' }), change, now)!;
    expect(resolveByChange(d.next, change, now)).toBeNull();
  });
});

describe('recurring-incident detection', () => {
  const h = 3600_000;
  const s = DEFAULT_DETECTION;

  it('keys an incident by CI and by category + symptom', () => {
    expect(clusterKeys({ ciId: 'SRV-1', category: 'Network', symptom: 'Timeout' }).map((k) => k.key)).toEqual(['ci:srv-1', 'cs:network|timeout']);
    expect(clusterKeys({ ciId: null, category: 'Network', symptom: null })).toEqual([]);
  });

  it('needs the threshold within the window', () => {
    const occ = [{ id: 'a', at: 0 }, { id: 'b', at: 10 * h }];
    expect(findCluster(occ, { id: 'c', at: 20 * h }, s)?.map((o) => o.id)).toEqual(['a', 'b', 'c']);
    expect(findCluster(occ, { id: 'c', at: 25 * h }, s)).toBeNull();
  });

  it('counts a late, older incident', () => {
    const occ = [{ id: 'b', at: 5 * h }, { id: 'c', at: 6 * h }];
    expect(findCluster(occ, { id: 'a', at: 1 * h }, s)?.map((o) => o.id)).toEqual(['a', 'b', 'c']);
  });

  it('honours a configured threshold', () => {
    const occ = [{ id: 'a', at: 0 }, { id: 'b', at: 1 }];
    expect(findCluster(occ, { id: 'c', at: 2 }, { threshold: 4, windowMs: h })).toBeNull();
  });

  it('names the cluster in the candidate title', () => {
    expect(candidateTitle({ key: 'ci:x', kind: 'ci', ciId: 'SRV-1' }, 3)).toContain('SRV-1');
  });
});
