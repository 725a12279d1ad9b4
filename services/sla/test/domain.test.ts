import type { EventEnvelope } from '@itsm/events';
import { calendar24x7 } from '@itsm/business-time';
import type { ClockDefinition, ClockFact } from '@itsm/wf-sla-clock';
import { transitionsOf } from '../src/domain/clock-view';
import { chooseOlaDefinitions, chooseSlaDefinition, clockDefinitionOf, formatDuration, normalizeState, parseDuration } from '../src/domain/definition';
import { complianceRows, percentile, stats } from '../src/domain/report';
import { factsOf, groupsOf, stateKind } from '../src/domain/timeline';
import type { DefinitionRecord, TicketRecord } from '../src/domain/types';

const H = 3_600_000;
const MIN = 60_000;

const incident = {
  id: 'i1',
  number: 'INC0000001',
  title: 't',
  state: 'new',
  impact: 3,
  urgency: 3,
  priority: 3,
  openedAt: '2025-06-02T09:00:00.000Z',
};

function env(type: string, data: Record<string, unknown>, occurredat = '2025-06-02T10:00:00.000Z', id = `e-${type}-${occurredat}`): EventEnvelope {
  return {
    specversion: '1.0',
    id,
    source: 'incident-service',
    type: `itsm.incident.${type}.v1`,
    subject: 'INC0000001',
    time: '2026-12-03T10:00:00.000Z',
    occurredat,
    datacontenttype: 'application/json',
    partitionkey: 'INC0000001',
    correlationid: id,
    data: { by: null, ...data, incident: { ...incident, ...((data.incident as object) ?? {}) } },
  };
}

describe('incident events become timeline facts', () => {
  it.each([
    ['state_changed', { from: 'in_progress', to: 'on_hold' }, 'state', 'on_hold'],
    ['state_changed', { from: 'on_hold', to: 'resolved' }, 'resolved', 'resolved'],
    ['state_changed', { from: 'resolved', to: 'closed' }, 'closed', 'closed'],
    ['state_changed', { from: 'resolved', to: 'in_progress' }, 'reopened', 'in_progress'],
    ['state_changed', { from: 'closed', to: 'in_progress' }, 'reopened', 'in_progress'],
    ['state_changed', { from: 'new', to: 'cancelled' }, 'closed', 'cancelled'],
  ])('%s %j is a %s fact in state %s', (type, data, kind, state) => {
    const [f] = factsOf(env(type, data));
    expect(f).toMatchObject({ kind, state, at: Date.parse('2025-06-02T10:00:00.000Z') });
  });

  it('tells a resolution once although both state_changed and resolved carry it', () => {
    const a = factsOf(env('state_changed', { from: 'in_progress', to: 'resolved' }, undefined, 'e1'));
    const b = factsOf(env('resolved', { resolutionCode: 'fixed' }, undefined, 'e2'));
    expect(a[0]!.id).toBe(b[0]!.id);
  });

  it('opens at the incident opening time with its priority and group; an assignee at creation is the first response', () => {
    const facts = factsOf(env('created', { incident: { assignmentGroup: 'desk', assignee: 'ag1' } }, '2025-06-02T09:00:05.000Z'));
    expect(facts.map((f) => [f.kind, f.at])).toEqual([
      ['opened', Date.parse('2025-06-02T09:00:00.000Z')],
      ['assigned', Date.parse('2025-06-02T09:00:00.000Z')],
    ]);
    expect(facts[0]).toMatchObject({ priority: '3', state: 'new', assignmentGroup: 'desk' });
  });

  it('maps assignment, priority change and first response; ignores other comments', () => {
    expect(factsOf(env('assigned', { toGroup: 'net', toAssignee: null }))[0]).toMatchObject({ kind: 'state', assignmentGroup: 'net' });
    expect(factsOf(env('assigned', { toGroup: 'net', toAssignee: 'bob' }))[0]).toMatchObject({ kind: 'assigned', assignmentGroup: 'net', assignee: 'bob' });
    expect(factsOf(env('priority_changed', { from: 3, to: 2 }))[0]).toMatchObject({ kind: 'priority', priority: '2' });
    expect(factsOf(env('commented', { commentId: 'c', visibility: 'public', firstResponse: true }))[0]).toMatchObject({ kind: 'first_response' });
    expect(factsOf(env('commented', { commentId: 'c', visibility: 'internal' }))).toEqual([]);
  });

  it('replays an imported timeline: opening priority, holds, priority change, resolution', () => {
    const facts = factsOf(
      env('imported', {
        source: 'old',
        sourceNumber: 'X1',
        incident: { priority: 2, state: 'resolved' },
        timeline: [
          { at: '2025-06-02T09:00:00Z', kind: 'priority', priority: 3 },
          { at: '2025-06-02T11:00:00Z', kind: 'state', state: 'on_hold' },
          { at: '2025-06-02T13:00:00Z', kind: 'priority', priority: 2 },
          { at: '2025-06-02T15:00:00Z', kind: 'state', state: 'in_progress' },
          { at: '2025-06-02T16:00:00Z', kind: 'assignment', assignmentGroup: 'net', assignee: 'bob' },
          { at: '2025-06-03T12:00:00Z', kind: 'state', state: 'resolved' },
        ],
      }),
    );
    expect(facts.map((f) => `${f.kind}:${f.state ?? f.priority ?? f.assignmentGroup ?? ''}`)).toEqual([
      'opened:new',
      'state:on_hold',
      'priority:2',
      'state:in_progress',
      'assigned:net',
      'resolved:resolved',
    ]);
    expect(facts[0]!.priority).toBe('3');
    expect(groupsOf(facts)).toEqual(['net']);
  });

  it('ignores the problem and fields entries of an imported timeline: the same facts as without them', () => {
    const timeline = [
      { at: '2025-06-02T09:00:00Z', kind: 'priority', priority: 3 },
      { at: '2025-06-02T11:00:00Z', kind: 'state', state: 'on_hold', holdReason: 'awaiting_problem' },
      { at: '2025-06-02T15:00:00Z', kind: 'state', state: 'in_progress' },
      { at: '2025-06-03T12:00:00Z', kind: 'state', state: 'resolved' },
    ];
    const extra = [
      { at: '2025-06-02T09:00:00Z', kind: 'fields', category: 'network', location: null },
      { at: '2025-06-02T11:00:00Z', kind: 'problem', problemId: 'PRB0000001' },
      { at: '2025-06-02T13:00:00Z', kind: 'problem', problemId: null },
      { at: '2025-06-03T12:00:00Z', kind: 'fields', subcategory: 'vpn' },
    ];
    const shape = (t: object[]) =>
      factsOf(env('imported', { source: 'old', sourceNumber: 'X2', incident: { priority: 3, state: 'resolved', problemId: null }, timeline: t })).map(({ id: _id, ...f }) => f);
    expect(shape([...timeline, ...extra])).toEqual(shape(timeline));
    expect(shape([extra[1]!, ...timeline, extra[2]!]).map((f) => f.kind)).toEqual(['opened', 'state', 'state', 'resolved']);
  });

  it('normalises state names', () => {
    expect(['On Hold', 'on-hold', ' ON_HOLD '].map(normalizeState)).toEqual(['on_hold', 'on_hold', 'on_hold']);
    expect(stateKind('on_hold', 'on_hold')).toBe('state');
  });
});

function def(overrides: Partial<DefinitionRecord>): DefinitionRecord {
  return {
    id: 'd',
    name: 'd',
    description: '',
    kind: 'sla',
    active: true,
    match: {},
    targets: [{ priority: 3, responseMs: H, resolutionMs: 8 * H }],
    calendarId: 'c',
    pauseStates: ['On Hold', 'resolved'],
    warningThresholds: [50, 75, 90],
    breachAction: { escalate: 'hierarchical' },
    rank: 100,
    version: 1,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

const ticket: TicketRecord = {
  number: 'INC1',
  id: 'i',
  type: 'incident',
  callerId: 'ra1',
  state: 'new',
  priority: 3,
  category: 'network',
  ciId: 'ci-1',
  service: null,
  assignmentGroup: 'net',
  assignee: null,
  openedAt: new Date(),
  importedAt: null,
  version: 1,
};

describe('definitions', () => {
  const general = def({ id: 'general' });
  const network = def({ id: 'network', match: { category: 'network' } });
  const networkCi = def({ id: 'network-ci', match: { category: 'network', ciId: 'ci-1' }, targets: [{ priority: 3, responseMs: null, resolutionMs: 4 * H }] });
  const other = def({ id: 'other', match: { category: 'printing' } });
  const inactive = def({ id: 'inactive', match: { category: 'network', ciId: 'ci-1', service: 's' }, active: false });

  it('picks the most specific active definition that has the target for the priority', () => {
    const all = [general, network, networkCi, other, inactive];
    expect(chooseSlaDefinition(all, ticket, 'resolution')?.id).toBe('network-ci');
    expect(chooseSlaDefinition(all, ticket, 'response')?.id).toBe('network'); // network-ci has no response target
    expect(chooseSlaDefinition(all, { ...ticket, category: 'hardware' }, 'resolution')?.id).toBe('general');
    expect(chooseSlaDefinition(all, { ...ticket, priority: 1 }, 'resolution')).toBeUndefined();
  });

  it('prefers the lower rank among equally specific definitions', () => {
    const a = def({ id: 'a', rank: 50 });
    const b = def({ id: 'b', rank: 10 });
    expect(chooseSlaDefinition([a, b], ticket, 'resolution')?.id).toBe('b');
  });

  it('gives one OLA per group that held the ticket', () => {
    const olaNet = def({ id: 'ola-net', kind: 'ola', match: { assignmentGroup: 'net' } });
    const olaDesk = def({ id: 'ola-desk', kind: 'ola', match: { assignmentGroup: 'desk' } });
    expect(chooseOlaDefinitions([olaNet, olaDesk, general], ticket, ['desk', 'net'], 'resolution').map((d) => d.id)).toEqual(['ola-desk', 'ola-net']);
  });

  it('snapshots one target with normalised pause states', () => {
    expect(clockDefinitionOf(network, 'resolution')).toMatchObject({ target: 'resolution', durationsByPriority: { '3': 8 * H }, pauseStates: ['on_hold', 'resolved'], group: null });
  });

  it.each([
    ['PT4H', 4 * H],
    ['PT10S', 10_000],
    ['P2D', 48 * H],
    ['PT1H30M', 90 * MIN],
  ])('parses %s', (iso, ms) => {
    expect(parseDuration(iso)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it.each(['4h', 'PT0S', 'PT0.5S', 'P400D', ''])('refuses %j as a duration', (iso) => {
    expect(parseDuration(iso)).toBeUndefined();
  });
});

describe('clock transitions', () => {
  const snap = {
    definition: { id: 'd', name: 'd', version: 1, kind: 'sla', target: 'resolution', durationsByPriority: { '3': 8 * H }, pauseStates: ['on_hold', 'resolved'], warningThresholds: [50], breachAction: { escalate: 'none' } } as ClockDefinition,
    calendar: { id: 'c', name: 'c', version: 1, calendar: calendar24x7() },
  };
  const t0 = Date.parse('2025-06-02T09:00:00Z');
  const facts: ClockFact[] = [
    { id: 'o', at: t0, kind: 'opened', state: 'new', priority: '3' },
    { id: 'h', at: t0 + H, kind: 'state', state: 'on_hold' },
    { id: 'h2', at: t0 + 2 * H, kind: 'state', state: 'on_hold' },
    { id: 'p', at: t0 + 3 * H, kind: 'priority', priority: '3' },
    { id: 'r', at: t0 + 4 * H, kind: 'state', state: 'in_progress' },
    { id: 's', at: t0 + 5 * H, kind: 'resolved', state: 'resolved' },
    { id: 'x', at: t0 + 6 * H, kind: 'reopened', state: 'in_progress' },
  ];
  it('names what each fact did: started, paused (once for pause to pause), resumed, stopped, reopened', () => {
    expect(transitionsOf(snap, facts, facts).map((t) => `${t.kind}@${(t.at - t0) / H}`)).toEqual(['started@0', 'paused@1', 'resumed@4', 'stopped@5', 'reopened@6']);
  });
});

describe('compliance arithmetic', () => {
  it('takes nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([], 50)).toBeNull();
    expect(stats([3, 1, 2])).toEqual({ count: 3, meanMs: 2, p50Ms: 2, p90Ms: 3 });
  });

  it('leaves cancelled clocks out of the shares', () => {
    const base = { warnings: [], targetMs: 1, priority: '3' };
    const clock = (status: string, c: string, elapsedMs: number) => ({ ...base, status, clock: c, elapsedMs }) as never;
    const rows = complianceRows([
      { key: 'P3', target: 'resolution', clock: clock('met', 'stopped', 10) },
      { key: 'P3', target: 'resolution', clock: clock('breached', 'running', 30) },
      { key: 'P3', target: 'resolution', clock: clock('cancelled', 'running', 0) },
      { key: 'P3', target: 'resolution', clock: clock('paused', 'paused', 5) },
    ]);
    expect(rows).toEqual([
      expect.objectContaining({ key: 'P3', share: { met: 0.3333, breached: 0.3333, running: 0.3333 }, resolution: { count: 1, meanMs: 10, p50Ms: 10, p90Ms: 10 } }),
    ]);
  });
});
