import { AppError } from '@itsm/core';
import {
  applyDecision,
  cancel,
  close,
  complete,
  createChange,
  implementByRelease,
  isApproved,
  openRound,
  schedule,
  startImplementation,
  submit,
  updateChange,
} from '../src/domain/change';
import { contains, detectConflicts, overlaps } from '../src/domain/conflicts';
import { TRANSITIONS, canTransition } from '../src/domain/lifecycle';
import { assessRisk } from '../src/domain/risk';
import { STATES, type Change, type State } from '../src/domain/types';

const now = new Date('2026-12-01T10:00:00Z');
const t = (s: string) => new Date(`2026-12-0${s}Z`);

function draft(overrides: Partial<Change> = {}): Change {
  const d = createChange(
    {
      title: 'Upgrade core switch',
      type: 'normal',
      justification: 'end of support',
      implementationPlan: 'upgrade',
      backoutPlan: 'downgrade',
      testPlan: 'ping',
      ciIds: ['ci-1'],
      plannedStart: t('5T22:00:00'),
      plannedEnd: t('5T23:00:00'),
    },
    { id: 'id-1', number: 'CHG0000001', actor: { id: 'ag1' }, now },
  );
  return { ...d.next, ...overrides };
}

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('transition table', () => {
  const all = STATES.flatMap((from) => STATES.filter((to) => to !== from).map((to) => [from, to] as [State, State]));
  it.each(all)('%s → %s is allowed exactly when the table lists it', (from, to) => {
    expect(canTransition(from, to)).toBe(TRANSITIONS[from].includes(to));
  });

  it.each([
    ['new', 'implement'],
    ['new', 'scheduled'],
    ['new', 'closed'],
    ['authorize', 'implement'],
    ['assess', 'scheduled'],
    ['closed', 'new'],
    ['cancelled', 'assess'],
    ['review', 'implement'],
  ] as Array<[State, State]>)('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('walks the happy path new → assess → authorize → scheduled → implement → review → closed', () => {
    const path: State[] = ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed'];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1], path[i])).toBe(true);
  });

  it('has no way out of closed and cancelled', () => {
    expect(TRANSITIONS.closed).toEqual([]);
    expect(TRANSITIONS.cancelled).toEqual([]);
  });
});

describe('RfC rules', () => {
  it('starts a draft in new at revision 1 with no approval', () => {
    const c = draft();
    expect(c).toMatchObject({ state: 'new', revision: 1, approvalStatus: 'none', approvedRevision: null });
  });

  it('refuses a window that ends before it starts', () => {
    expect(refusal(() => updateChange(draft(), { plannedEnd: t('5T21:00:00') })).status).toBe(422);
  });

  it('submits a draft to assess with its submitted event, and refuses a normal draft without a plan (422 naming it)', () => {
    const d = submit(draft(), now);
    expect(d.next.state).toBe('assess');
    expect(d.events).toEqual([{ kind: 'submitted' }]);
    const e = refusal(() => submit(draft({ implementationPlan: null }), now));
    expect(e.status).toBe(422);
    expect(JSON.stringify(e.details)).toContain('implementationPlan');
  });

  it('submitting again requests a new approval (a new revision) and never leaves a scheduled RfC approved', () => {
    const scheduled = draft({ state: 'scheduled', approvalStatus: 'approved', approvedRevision: 1 });
    const d = submit(scheduled, now);
    expect(d.next).toMatchObject({ state: 'assess', revision: 2, approvalStatus: 'waiting' });
    expect(d.events).toEqual([{ kind: 'revised', fromRevision: 1, fields: [] }]);
    expect(isApproved(d.next)).toBe(false);
    expect(refusal(() => submit(d.next, now)).status).toBe(409);
  });

  it('C09 step 3: new → implement is refused with 409 naming the transition', () => {
    const e = refusal(() => startImplementation(draft(), now));
    expect(e.status).toBe(409);
    expect(e.message).toContain('new → implement');
  });

  it('C09 step 4: awaiting approval (authorize), not approved → implement is refused', () => {
    const c = openRound(submit(draft(), now).next, 1, 1).next;
    expect(c.state).toBe('authorize');
    expect(refusal(() => startImplementation(c, now)).status).toBe(409);
  });

  it('refuses to schedule without the approval of the current revision', () => {
    const c = openRound(submit(draft(), now).next, 1, 1).next;
    const e = refusal(() => schedule(c, []));
    expect(e.code).toBe('NOT_APPROVED');
  });

  it('a material edit after approval raises the revision, drops back to assess and the old approval no longer counts', () => {
    let c = openRound(submit(draft(), now).next, 1, 1).next;
    c = applyDecision(c, { outcome: 'approved', revision: 1, round: 1 }).next;
    expect(isApproved(c)).toBe(true);
    const d = updateChange(c, { backoutPlan: 'restore config backup' });
    expect(d.next).toMatchObject({ revision: 2, state: 'assess', approvalStatus: 'waiting', approvedRevision: 1 });
    expect(d.events).toEqual([{ kind: 'revised', fromRevision: 1, fields: ['backoutPlan'] }]);
    expect(isApproved(d.next)).toBe(false);
    // a late approval of revision 1 changes nothing
    expect(applyDecision(d.next, { outcome: 'approved', revision: 1, round: 1 }).next).toBe(d.next);
  });

  it('a non-material edit (owner) keeps the revision and the approval', () => {
    let c = openRound(submit(draft(), now).next, 1, 1).next;
    c = applyDecision(c, { outcome: 'approved', revision: 1 }).next;
    const d = updateChange(c, { owner: 'bob' });
    expect(d.next).toMatchObject({ revision: 1, state: 'authorize', owner: 'bob' });
    expect(isApproved(d.next)).toBe(true);
  });

  it('a rejection moves to rejected; a material edit reopens it as a new revision', () => {
    const c = applyDecision(openRound(submit(draft(), now).next, 1, 1).next, { outcome: 'rejected', revision: 1, round: 1 }).next;
    expect(c).toMatchObject({ state: 'rejected', approvalStatus: 'rejected' });
    const d = updateChange(c, { implementationPlan: 'a better plan' });
    expect(d.next).toMatchObject({ state: 'assess', revision: 2, approvalStatus: 'waiting' });
  });

  it('refuses material edits while implementing and any edit when closed', () => {
    const implementing = draft({ state: 'implement', approvalStatus: 'approved', approvedRevision: 1 });
    expect(refusal(() => updateChange(implementing, { plannedEnd: t('6T01:00:00') })).code).toBe('NOT_REVISABLE');
    expect(updateChange(implementing, { owner: 'carol' }).next.owner).toBe('carol');
    expect(refusal(() => updateChange(draft({ state: 'closed' }), { owner: 'x' })).code).toBe('CHANGE_CLOSED');
  });

  it('schedules a normal change only without conflicts (409 listing them); an emergency one with them, flagged', () => {
    const approved = draft({ state: 'authorize', approvalStatus: 'approved', approvedRevision: 1 });
    const conflicts = [{ kind: 'freeze' as const, freeze: 'f1', name: 'Year end', start: 'a', end: 'b' }];
    const e = refusal(() => schedule(approved, conflicts));
    expect(e.code).toBe('SCHEDULE_CONFLICT');
    expect(e.details.conflicts).toEqual(conflicts);
    const em = schedule({ ...approved, type: 'emergency' }, conflicts);
    expect(em.next).toMatchObject({ state: 'scheduled', scheduledConflicts: conflicts });
    expect(schedule(approved, []).next.state).toBe('scheduled');
  });

  it.each([
    ['successful', 'implemented'],
    ['successful_with_issues', 'implemented'],
    ['failed', 'failed'],
    ['backed_out', 'failed'],
  ] as const)('completes with outcome %s → %s event, then closes with a PIR only', (outcome, kind) => {
    const scheduled = draft({ state: 'scheduled', approvalStatus: 'approved', approvedRevision: 1 });
    const started = startImplementation(scheduled, now).next;
    const done = complete(started, outcome, null, now);
    expect(done.next.state).toBe('review');
    expect(done.events[0].kind).toBe(kind);
    expect(refusal(() => close(done.next, undefined, now)).status).toBe(422);
    expect(close(done.next, 'went fine', now).next.state).toBe('closed');
  });

  it('cancels an open change but not an implementing one', () => {
    expect(cancel(draft(), 'not needed', now).next.state).toBe('cancelled');
    expect(refusal(() => cancel(draft({ state: 'implement' }), undefined, now)).status).toBe(409);
  });

  it('a release implements a scheduled change (started and implemented), and skips a change not scheduled', () => {
    const scheduled = draft({ state: 'scheduled', approvalStatus: 'approved', approvedRevision: 1 });
    const d = implementByRelease(scheduled, 'successful', now)!;
    expect(d.next.state).toBe('review');
    expect(d.events.map((e) => e.kind)).toEqual(['implementationStarted', 'implemented']);
    expect(implementByRelease(draft(), 'successful', now)).toBeNull();
  });

  it('a rollback after a failed release turns the outcome into backed out', () => {
    const scheduled = draft({ state: 'scheduled', approvalStatus: 'approved', approvedRevision: 1 });
    const failed = implementByRelease(scheduled, 'failed', now)!.next;
    const d = implementByRelease(failed, 'backed_out', now)!;
    expect(d.next).toMatchObject({ state: 'review', outcome: 'backed_out' });
    expect(d.events).toEqual([{ kind: 'failed', outcome: 'backed_out' }]);
    expect(implementByRelease(d.next, 'backed_out', now)).toBeNull();
  });
});

describe('conflicts (half-open intervals)', () => {
  const iv = (a: string, b: string) => ({ start: t(a), end: t(b) });

  it.each([
    ['5T10:00:00', '5T12:00:00', '5T12:00:00', '5T13:00:00', false],
    ['5T10:00:00', '5T12:00:00', '5T11:59:59', '5T13:00:00', true],
    ['5T10:00:00', '5T12:00:00', '5T08:00:00', '5T10:00:00', false],
    ['5T10:00:00', '5T12:00:00', '5T09:00:00', '5T13:00:00', true],
    ['5T10:00:00', '5T12:00:00', '5T10:30:00', '5T11:00:00', true],
  ])('[%s, %s) and [%s, %s) overlap: %s', (a, b, c, d, expected) => {
    expect(overlaps(iv(a, b), iv(c, d))).toBe(expected);
    expect(overlaps(iv(c, d), iv(a, b))).toBe(expected);
  });

  it('a window ending exactly at the maintenance window end is inside it', () => {
    expect(contains(iv('5T22:00:00', '5T23:00:00'), iv('5T22:00:00', '5T23:00:00'))).toBe(true);
    expect(contains(iv('5T22:00:00', '5T23:00:00'), iv('5T22:30:00', '5T23:00:01'))).toBe(false);
  });

  const change = { number: 'CHG0000002', ciIds: ['ci-1', 'ci-2'], ...iv('5T22:00:00', '5T23:00:00') };

  it('finds an overlapping scheduled change on a shared CI, not one on another CI or touching the window', () => {
    const conflicts = detectConflicts(change, {
      scheduled: [
        { number: 'CHG0000003', ciIds: ['ci-2'], ...iv('5T22:30:00', '5T23:30:00') },
        { number: 'CHG0000004', ciIds: ['ci-9'], ...iv('5T22:00:00', '5T23:00:00') },
        { number: 'CHG0000005', ciIds: ['ci-1'], ...iv('5T23:00:00', '6T00:00:00') },
        { number: 'CHG0000002', ciIds: ['ci-1'], ...iv('5T22:00:00', '5T23:00:00') },
      ],
      maintenanceWindows: [],
      freezes: [],
    });
    expect(conflicts).toEqual([{ kind: 'overlapping_change', ciId: 'ci-2', change: 'CHG0000003', start: t('5T22:30:00').toISOString(), end: t('5T23:30:00').toISOString() }]);
  });

  it('flags a CI whose maintenance windows do not hold the window; a CI without windows is free', () => {
    const conflicts = detectConflicts(change, {
      scheduled: [],
      maintenanceWindows: [
        { ciId: 'ci-1', ...iv('5T21:00:00', '5T22:30:00') },
        { ciId: 'ci-1', ...iv('6T21:00:00', '6T23:00:00') },
      ],
      freezes: [],
    });
    expect(conflicts).toEqual([{ kind: 'outside_maintenance_window', ciId: 'ci-1' }]);
    expect(
      detectConflicts(change, { scheduled: [], maintenanceWindows: [{ ciId: 'ci-1', ...iv('5T21:00:00', '5T23:00:00') }], freezes: [] }),
    ).toEqual([]);
  });

  it('finds a freeze covering every CI or one of the CIs; a freeze ending at the start does not count', () => {
    const conflicts = detectConflicts(change, {
      scheduled: [],
      maintenanceWindows: [],
      freezes: [
        { id: 'f1', name: 'All', ciIds: [], ...iv('5T00:00:00', '6T00:00:00') },
        { id: 'f2', name: 'Other CI', ciIds: ['ci-7'], ...iv('5T00:00:00', '6T00:00:00') },
        { id: 'f3', name: 'Before', ciIds: [], ...iv('5T20:00:00', '5T22:00:00') },
        { id: 'f4', name: 'Network', ciIds: ['ci-2'], ...iv('5T22:59:00', '5T23:30:00') },
      ],
    });
    expect(conflicts.map((c) => (c.kind === 'freeze' ? c.name : c.kind))).toEqual(['All', 'Network']);
  });
});

describe('risk assessment', () => {
  const base = { impact: 'low' as const, ciCriticality: null, hasTestPlan: true, hasBackoutPlan: true, earlierFailures: 0, conflicts: 0 };
  it.each([
    [{}, 'low'],
    [{ hasBackoutPlan: false }, 'low'],
    [{ hasBackoutPlan: false, hasTestPlan: false }, 'medium'],
    [{ impact: 'medium' }, 'medium'],
    [{ impact: 'medium', ciCriticality: 'high' }, 'high'],
    [{ impact: 'high' }, 'high'],
    [{ earlierFailures: 5 }, 'medium'],
    [{ conflicts: 1, hasTestPlan: false }, 'medium'],
  ] as const)('%o → %s', (facts, risk) => {
    expect(assessRisk({ ...base, ...facts }).risk).toBe(risk);
  });

  it('names its reasons', () => {
    expect(assessRisk({ ...base, impact: 'high', hasBackoutPlan: false, earlierFailures: 1 }).reasons).toEqual([
      'impact high',
      'no backout plan',
      '1 earlier change(s) on the same CIs failed or were backed out',
    ]);
  });
});
