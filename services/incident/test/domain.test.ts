import { applyUpdate, createIncident, type RuleContext } from '../src/domain/incident';
import { TRANSITIONS, canTransition } from '../src/domain/lifecycle';
import { DEFAULT_MATRIX, decidePriority, matrixPriority, type PriorityMatrix } from '../src/domain/priority';
import { cascadeResolve, declareMajor, escalate, linkChild, recordSlaNotice, reopen } from '../src/domain/rules';
import { replayImport } from '../src/domain/import';
import { STATES, type Actor, type Incident, type State } from '../src/domain/types';

const C07_MATRIX: PriorityMatrix = [
  [1, 2, 3],
  [2, 3, 4],
  [3, 4, 5],
];
const agent: Actor = { id: 'ag1', agent: true, canOverridePriority: false };
const requester: Actor = { id: 'ra1', agent: false, canOverridePriority: false };
const T0 = new Date('2025-06-02T09:00:00Z');
const ctx = (over: Partial<RuleContext> = {}): RuleContext => ({ actor: agent, now: T0, matrix: DEFAULT_MATRIX, facts: { groupExists: true, assigneeInGroup: true }, ...over });

function incident(over: Partial<Incident> = {}): Incident {
  const d = createIncident({ title: 'Printer down', callerId: 'ra1', contactType: 'portal', impact: 3, urgency: 3 }, { id: 'id-1', number: 'INC0000001' }, ctx());
  return { ...d.next, ...over };
}

const resolution = { resolutionCode: 'fixed', resolutionNotes: 'Replaced toner' };

describe('lifecycle transition table', () => {
  const pairs = STATES.flatMap((from) => STATES.filter((to) => to !== from).map((to) => [from, to] as [State, State]));
  it.each(pairs)('%s → %s is allowed only when the table lists it, and refused with 409 naming it otherwise', (from, to) => {
    const inc = incident({ state: from, holdReason: from === 'on_hold' ? 'awaiting_vendor' : null, ...(from === 'resolved' || from === 'closed' ? resolution : {}) });
    const patch = { state: to, ...(to === 'on_hold' ? { holdReason: 'awaiting_caller' as const } : {}), ...(to === 'resolved' ? resolution : {}) };
    if (TRANSITIONS[from].includes(to)) {
      const d = applyUpdate(inc, patch, ctx());
      expect(d.next.state).toBe(to);
      expect(d.events).toContainEqual(expect.objectContaining({ kind: 'stateChanged', from, to }));
    } else {
      expect(() => applyUpdate(inc, patch, ctx())).toThrow(expect.objectContaining({ status: 409, code: 'INVALID_TRANSITION', message: expect.stringContaining(`${from} → ${to}`) }));
    }
  });

  it('refuses New → On Hold, New → Closed and Closed → New (C09)', () => {
    expect(canTransition('new', 'on_hold')).toBe(false);
    expect(canTransition('new', 'closed')).toBe(false);
    expect(canTransition('closed', 'new')).toBe(false);
  });

  it('lets only desk staff reopen a closed incident', () => {
    expect(canTransition('closed', 'in_progress', { agent: true })).toBe(true);
    expect(canTransition('closed', 'in_progress', { agent: false })).toBe(false);
  });

  it('needs a hold reason to put an incident on hold', () => {
    const inc = incident({ state: 'in_progress' });
    expect(() => applyUpdate(inc, { state: 'on_hold' }, ctx())).toThrow(expect.objectContaining({ status: 422 }));
  });

  it('needs a resolution code and notes to resolve', () => {
    const inc = incident({ state: 'in_progress' });
    expect(() => applyUpdate(inc, { state: 'resolved', resolutionCode: 'fixed' }, ctx())).toThrow(
      expect.objectContaining({ status: 422, details: { errors: [expect.objectContaining({ field: 'resolutionNotes' })] } }),
    );
  });
});

describe('resolved_at (C11)', () => {
  it('R1: resolved then closed keeps the resolution time', () => {
    let inc = incident({ openedAt: T0 });
    inc = applyUpdate(inc, { state: 'in_progress' }, ctx({ now: new Date('2025-06-02T09:10:00Z') })).next;
    inc = applyUpdate(inc, { state: 'resolved', ...resolution }, ctx({ now: new Date('2025-06-02T11:00:00Z') })).next;
    inc = applyUpdate(inc, { state: 'closed' }, ctx({ now: new Date('2025-06-05T11:00:00Z') })).next;
    expect(inc.resolvedAt?.toISOString()).toBe('2025-06-02T11:00:00.000Z');
    expect(inc.closedAt?.toISOString()).toBe('2025-06-05T11:00:00.000Z');
  });

  it('R2: a reopen and a second resolution take the latest active → inactive time and count the reopen', () => {
    let inc = incident({ openedAt: T0 });
    inc = applyUpdate(inc, { state: 'resolved', ...resolution }, ctx({ now: new Date('2025-06-02T10:00:00Z') })).next;
    inc = applyUpdate(inc, { state: 'in_progress' }, ctx({ now: new Date('2025-06-03T09:00:00Z') })).next;
    inc = applyUpdate(inc, { state: 'resolved', ...resolution }, ctx({ now: new Date('2025-06-03T10:00:00Z') })).next;
    expect(inc.resolvedAt?.toISOString()).toBe('2025-06-03T10:00:00.000Z');
    expect(inc.reopenCount).toBe(1);
  });
});

describe('priority matrix', () => {
  it.each([
    [1, 1, 1],
    [1, 2, 2],
    [1, 3, 3],
    [2, 1, 2],
    [2, 2, 3],
    [2, 3, 4],
    [3, 1, 3],
    [3, 2, 4],
    [3, 3, 4],
  ])('default matrix: impact %i × urgency %i → priority %i (the dataset)', (i, u, p) => {
    expect(matrixPriority(DEFAULT_MATRIX, i, u)).toBe(p);
  });

  it('follows C07 step by step', () => {
    const m = C07_MATRIX;
    const step = (cur: { impact: number; urgency: number; priority: number; priorityOverride: boolean }, patch: object, canOverride: boolean) =>
      decidePriority({ current: cur, patch, canOverride, matrix: m });
    let cur = { impact: 3, urgency: 3, priority: matrixPriority(m, 3, 3), priorityOverride: false };
    expect(cur.priority).toBe(5); // 1
    cur = step(cur, { impact: 1 }, false);
    expect(cur.priority).toBe(3); // 2: impact alone recomputes
    cur = step(cur, { urgency: 1 }, false);
    expect(cur.priority).toBe(1); // 3
    cur = step(cur, { impact: 2, priority: 1 }, false);
    expect(cur).toEqual({ impact: 2, urgency: 1, priority: 2, priorityOverride: false }); // 4: echo does not block
    cur = step(cur, { impact: 3, priority: 1 }, true);
    expect(cur).toEqual({ impact: 3, urgency: 1, priority: 1, priorityOverride: true }); // 5
    expect(() => step(cur, { urgency: 2, priority: 1 }, false)).toThrow(expect.objectContaining({ status: 403 })); // 6
  });

  it('refuses a manual priority without the permission on create', () => {
    expect(() =>
      createIncident({ title: 't', callerId: 'c', contactType: 'phone', impact: 3, urgency: 3, priority: 1 }, { id: 'x', number: 'INC0000009' }, ctx()),
    ).toThrow(expect.objectContaining({ status: 403 }));
  });

  it('ends an override when impact or urgency changes without a priority', () => {
    const r = decidePriority({ current: { impact: 3, urgency: 1, priority: 1, priorityOverride: true }, patch: { urgency: 2 }, canOverride: false, matrix: C07_MATRIX });
    expect(r).toEqual({ impact: 3, urgency: 2, priority: 4, priorityOverride: false });
  });
});

describe('assignment', () => {
  it('refuses an assignee who is not in the group', () => {
    const inc = incident();
    expect(() => applyUpdate(inc, { assignmentGroup: 'desk', assignee: 'bob' }, ctx({ facts: { groupExists: true, assigneeInGroup: false } }))).toThrow(
      expect.objectContaining({ status: 422, details: { errors: [expect.objectContaining({ field: 'assignee' })] } }),
    );
  });

  it('counts reassignments, not the first assignment, and sets the first response', () => {
    let d = applyUpdate(incident(), { assignmentGroup: 'desk', assignee: 'ag1' }, ctx());
    expect(d.next.reassignmentCount).toBe(0);
    expect(d.next.firstResponseAt).toEqual(T0);
    expect(d.events).toContainEqual(expect.objectContaining({ kind: 'assigned', toGroup: 'desk', toAssignee: 'ag1' }));
    d = applyUpdate(d.next, { assignmentGroup: 'network' }, ctx());
    expect(d.next).toMatchObject({ assignmentGroup: 'network', assignee: null, reassignmentCount: 1 });
  });
});

describe('escalation', () => {
  it('fires each level once and never for inactive incidents', () => {
    const inc = incident({ state: 'in_progress' });
    const d = escalate(inc, { kind: 'hierarchical', reason: 'VIP' }, [], ctx());
    expect(d.next.escalationLevel).toBe(1);
    expect(d.events).toContainEqual(expect.objectContaining({ kind: 'escalated', escalation: 'hierarchical', level: 1 }));
    expect(() => escalate(d.next, { kind: 'hierarchical', level: 1, reason: 'again' }, [1], ctx())).toThrow(expect.objectContaining({ code: 'ALREADY_ESCALATED' }));
    expect(() => escalate(incident({ state: 'resolved' }), { kind: 'hierarchical', reason: 'x' }, [], ctx())).toThrow(expect.objectContaining({ code: 'INCIDENT_INACTIVE' }));
  });

  it('moves a functional escalation to the named group', () => {
    const inc = incident({ state: 'in_progress', assignmentGroup: 'desk', assignee: 'ag1' });
    const d = escalate(inc, { kind: 'functional', toGroup: 'network', reason: 'L2' }, [], ctx());
    expect(d.next).toMatchObject({ assignmentGroup: 'network', assignee: null, functionalEscalationLevel: 1, reassignmentCount: 1 });
  });
});

describe('major incidents', () => {
  it('resolves active children with the parent resolution and never touches inactive ones', () => {
    const parent = { ...declareMajor(incident({ state: 'in_progress' })).next, state: 'resolved' as const, ...resolution };
    const active = linkChild(parent, incident({ id: 'c1', number: 'INC0000002', state: 'on_hold', holdReason: 'awaiting_vendor' })).next;
    const closed = incident({ id: 'c2', number: 'INC0000003', state: 'closed', resolutionCode: 'other', resolutionNotes: 'n' });
    const d = cascadeResolve(parent, active, ctx());
    expect(d?.next).toMatchObject({ state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'Replaced toner', holdReason: null });
    expect(cascadeResolve(parent, closed, ctx())).toBeNull();
  });
});

describe('requester reopen window', () => {
  it('lets the requester reopen within the window only', () => {
    const inc = incident({ state: 'resolved', resolvedAt: T0, ...resolution });
    const within = reopen(inc, 'still broken', 3600_000, ctx({ actor: requester, now: new Date(T0.getTime() + 1000) }));
    expect(within.next).toMatchObject({ state: 'in_progress', reopenCount: 1 });
    expect(() => reopen(inc, 'late', 3600_000, ctx({ actor: requester, now: new Date(T0.getTime() + 3600_001) }))).toThrow(expect.objectContaining({ code: 'REOPEN_WINDOW_PASSED' }));
  });
});

describe('SLA notices and import', () => {
  it('records a breach', () => {
    const d = recordSlaNotice(incident(), { kind: 'breached', target: 'resolution', at: T0.toISOString(), clockId: 'c', historical: false });
    expect(d.next.slaBreached).toBe(true);
    expect(d.next.slaNotices).toHaveLength(1);
  });

  it('replays a historical timeline with history at historical times', () => {
    const r = replayImport(
      {
        source: 'sn',
        sourceNumber: 'INC0000045',
        title: 'x',
        callerId: 'c',
        contactType: 'phone',
        impact: 2,
        urgency: 2,
        openedAt: new Date('2016-03-01T10:00:00Z'),
        resolutionCode: 'fixed',
        resolutionNotes: 'n',
        timeline: [
          { at: new Date('2016-03-01T10:05:00Z'), kind: 'assignment', assignmentGroup: 'g1', assignee: 'r1' },
          { at: new Date('2016-03-01T10:06:00Z'), kind: 'state', state: 'in_progress' },
          { at: new Date('2016-03-02T10:00:00Z'), kind: 'state', state: 'resolved' },
          { at: new Date('2016-03-07T10:00:00Z'), kind: 'state', state: 'closed' },
        ],
      },
      { id: 'i', number: 'INC0000100' },
      DEFAULT_MATRIX,
      'admin',
    );
    expect(r.incident).toMatchObject({ state: 'closed', priority: 3, assignmentGroup: 'g1', firstResponseAt: new Date('2016-03-01T10:05:00Z') });
    expect(r.incident.resolvedAt?.toISOString()).toBe('2016-03-02T10:00:00.000Z');
    expect(r.history.map((h) => h.at.toISOString())).toEqual([
      '2016-03-01T10:00:00.000Z',
      '2016-03-01T10:05:00.000Z',
      '2016-03-01T10:06:00.000Z',
      '2016-03-02T10:00:00.000Z',
      '2016-03-07T10:00:00.000Z',
    ]);
  });

  const base = {
    source: 'sn',
    sourceNumber: 'INC0000441',
    title: 'x',
    callerId: 'c',
    contactType: 'phone' as const,
    impact: 2,
    urgency: 2,
    openedAt: new Date('2016-03-01T10:00:00Z'),
  };
  const at = (hhmm: string) => new Date(`2016-03-01T${hhmm}:00Z`);
  const replay = (input: Partial<Parameters<typeof replayImport>[0]>) => replayImport({ ...base, timeline: [], ...input }, { id: 'i', number: 'INC0000101' }, DEFAULT_MATRIX, 'admin');
  const rowsOf = (r: ReturnType<typeof replayImport>, field: string) =>
    r.history.flatMap((h) => h.changes.filter((c) => c.field === field).map((c) => [h.at.toISOString().slice(11, 16), h.by, c.from, c.to]));

  it('replays problem links, changes and unlinks at their historical times; the last entry is the final problem', () => {
    const r = replay({
      timeline: [
        { at: at('10:05'), kind: 'problem', problemId: 'PRB20', by: 'u1' },
        { at: at('11:00'), kind: 'problem', problemId: 'PRB19', by: 'u2' },
        { at: at('12:00'), kind: 'state', state: 'in_progress' },
        { at: at('13:00'), kind: 'problem', problemId: null, by: 'u3' },
        { at: at('13:30'), kind: 'problem', problemId: null },
        { at: at('14:00'), kind: 'problem', problemId: 'PRB20' },
      ],
    });
    expect(r.incident.problemId).toBe('PRB20');
    expect(rowsOf(r, 'problemId')).toEqual([
      ['10:05', 'u1', null, 'PRB20'],
      ['11:00', 'u2', 'PRB20', 'PRB19'],
      ['13:00', 'u3', 'PRB19', null],
      ['14:00', 'admin', null, 'PRB20'],
    ]);
    // an unlink of an unlinked record changes nothing and writes no row
    expect(r.history.map((h) => h.at.toISOString().slice(11, 16))).toEqual(['10:00', '10:05', '11:00', '12:00', '13:00', '14:00']);
  });

  it('takes the problem entries in time order and ends unlinked when the last one unlinks', () => {
    const r = replay({
      timeline: [
        { at: at('12:00'), kind: 'problem', problemId: null },
        { at: at('10:05'), kind: 'problem', problemId: 'PRB1' },
      ],
    });
    expect(r.incident.problemId).toBeNull();
    expect(rowsOf(r, 'problemId')).toEqual([
      ['10:05', 'admin', null, 'PRB1'],
      ['12:00', 'admin', 'PRB1', null],
    ]);
  });

  it('keeps the top-level problemId for callers without problem entries (set at the opening, no extra row)', () => {
    const r = replay({ problemId: 'PRB7', timeline: [{ at: at('10:05'), kind: 'state', state: 'in_progress' }] });
    expect(r.incident.problemId).toBe('PRB7');
    expect(rowsOf(r, 'problemId')).toEqual([]);
  });

  it('accepts a top-level problemId equal to the last entry and refuses one that disagrees with a 422 naming problemId', () => {
    const timeline = [
      { at: at('10:05'), kind: 'problem' as const, problemId: 'PRB1' },
      { at: at('11:00'), kind: 'problem' as const, problemId: 'PRB2' },
    ];
    expect(replay({ problemId: 'PRB2', timeline }).incident.problemId).toBe('PRB2');
    for (const problemId of ['PRB1', null]) {
      expect(() => replay({ problemId, timeline })).toThrow(
        expect.objectContaining({ status: 422, details: { errors: [expect.objectContaining({ field: 'problemId', message: expect.stringContaining('PRB2') })] } }),
      );
    }
    expect(() => replay({ problemId: 'PRB1', timeline: [{ at: at('10:05'), kind: 'problem', problemId: null }] })).toThrow(expect.objectContaining({ status: 422 }));
  });

  it('replays category, subcategory, symptom and location changes at their times; the last value of each is the final one', () => {
    const r = replay({
      timeline: [
        { at: at('10:05'), kind: 'fields', by: 'u1', category: 'Category 44', subcategory: 'Sub 229', location: 'Location 15', symptom: 'Symptom 2' },
        { at: at('11:00'), kind: 'fields', by: 'u2', subcategory: 'Sub 106' },
        { at: at('12:00'), kind: 'fields', by: 'u3', category: 'Category 45', subcategory: 'Sub 94', location: 'Location 18', symptom: null },
      ],
    });
    expect(r.incident).toMatchObject({ category: 'Category 45', subcategory: 'Sub 94', location: 'Location 18', symptom: null });
    expect(rowsOf(r, 'category')).toEqual([
      ['10:05', 'u1', null, 'Category 44'],
      ['12:00', 'u3', 'Category 44', 'Category 45'],
    ]);
    expect(rowsOf(r, 'subcategory').map((x) => x[3])).toEqual(['Sub 229', 'Sub 106', 'Sub 94']);
    expect(rowsOf(r, 'symptom').map((x) => x[3])).toEqual(['Symptom 2', null]);
    expect(rowsOf(r, 'location').map((x) => x[0])).toEqual(['10:05', '12:00']);
  });

  it('keeps the top-level values of fields no entry names, and refuses a top-level value that disagrees with the last entry', () => {
    const timeline = [{ at: at('10:05'), kind: 'fields' as const, category: 'Category 8' }];
    const r = replay({ category: 'Category 8', subcategory: 'Sub 1', location: 'Location 3', timeline });
    expect(r.incident).toMatchObject({ category: 'Category 8', subcategory: 'Sub 1', location: 'Location 3' });
    expect(rowsOf(r, 'subcategory')).toEqual([]);
    expect(() => replay({ category: 'Category 55', timeline })).toThrow(
      expect.objectContaining({ status: 422, details: { errors: [expect.objectContaining({ field: 'category' })] } }),
    );
  });

  it('refuses a fields entry that names no field', () => {
    expect(() => replay({ timeline: [{ at: at('10:05'), kind: 'fields' }] })).toThrow(
      expect.objectContaining({ status: 422, details: { errors: [expect.objectContaining({ field: 'timeline.0' })] } }),
    );
  });
});

describe('comments on inactive incidents', () => {
  it('refuses field changes on a closed incident but allows reopening it', () => {
    const inc = incident({ state: 'closed', ...resolution });
    expect(() => applyUpdate(inc, { title: 'new' }, ctx())).toThrow(expect.objectContaining({ code: 'INCIDENT_INACTIVE' }));
    expect(applyUpdate(inc, { state: 'in_progress' }, ctx()).next.state).toBe('in_progress');
  });
});
