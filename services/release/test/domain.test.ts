import type { DeploymentEvent } from '@itsm/wf-release-deployment';
import { resolveChanges, isEligible } from '../src/domain/changes';
import { applyDeploymentEvent } from '../src/domain/deployment';
import { TRANSITIONS, assertTransition, canTransition } from '../src/domain/lifecycle';
import { cancelRelease, createRelease, requestDeployment, scheduleRelease, updateRelease } from '../src/domain/release';
import { STATES, type ChangeCopy, type Release } from '../src/domain/types';

const now = new Date('2027-03-01T10:00:00Z');
const actor = { id: 'rm1', name: 'Rita' };
const stages = [
  { name: 'test', deploy: { kind: 'webhook' as const, url: 'http://cd.example/deploy', callbackTimeout: '10m' } },
  { name: 'staging', deploy: { kind: 'manual' as const }, verify: { healthUrl: 'http://staging.example/health', timeout: '5m', interval: '10s' } },
  { name: 'production', gate: {}, deploy: { kind: 'manual' as const, timeout: '1h' } },
];

function planned(extra: Partial<Release> = {}): Release {
  const d = createRelease(
    { name: 'Payments', version: '2.4.0', type: 'minor', changes: [{ id: 'c1', number: 'CHG0000001' }], stages, windowStart: new Date('2027-03-02T22:00:00Z'), windowEnd: null },
    { id: '00000000-0000-4000-8000-000000000001', number: 'REL0000001', now, actor },
  );
  return { ...d.next, ...extra };
}

const change = (extra: Partial<ChangeCopy>): ChangeCopy => ({
  id: 'c1',
  number: 'CHG0000001',
  title: 'Patch',
  type: 'normal',
  state: 'scheduled',
  approvalStatus: 'approved',
  revision: 1,
  approvedRevision: 1,
  ...extra,
});

describe('transition table', () => {
  const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to, TRANSITIONS[from].includes(to)] as const));
  it.each(pairs)('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
    if (allowed) expect(() => assertTransition('REL0000001', from, to)).not.toThrow();
    else expect(() => assertTransition('REL0000001', from, to)).toThrow(expect.objectContaining({ status: 409, code: 'INVALID_TRANSITION', message: expect.stringContaining(`${from} → ${to}`) }));
  });
});

describe('release record', () => {
  it('creates a planned release with pending stages, a release-manager gate by default and the created event', () => {
    const d = createRelease({ name: 'Payments', version: '2.4.0', type: 'major', changes: [], stages }, { id: 'id', number: 'REL0000007', now, actor });
    expect(d.next).toMatchObject({ number: 'REL0000007', state: 'planned', recordVersion: 1, windowStart: null });
    expect(d.next.stages.map((s) => s.status)).toEqual(['pending', 'pending', 'pending']);
    expect(d.next.stages[2]!.gate).toEqual({ role: 'release_manager' });
    expect(d.events).toEqual([{ kind: 'created' }]);
  });

  it('refuses malformed stages, naming the fields', () => {
    const bad = [{ name: 'test', deploy: { kind: 'webhook' as const, url: 'ftp://x', callbackTimeout: 'soon' } }, { name: 'test', deploy: { kind: 'manual' as const } }];
    try {
      createRelease({ name: 'x', version: '1', type: 'minor', changes: [], stages: bad }, { id: 'id', number: 'REL1', now, actor });
      throw new Error('no error');
    } catch (e) {
      const fields = ((e as { details: { errors: { field: string }[] } }).details.errors ?? []).map((i) => i.field);
      expect(fields).toEqual(expect.arrayContaining(['stages.0.deploy.url', 'stages.0.deploy.callbackTimeout', 'stages.1.name']));
    }
  });

  it('refuses a window that ends before it starts', () => {
    expect(() =>
      createRelease({ name: 'x', version: '1', type: 'minor', changes: [], stages, windowStart: new Date('2027-03-02T00:00:00Z'), windowEnd: new Date('2027-03-01T00:00:00Z') }, { id: 'id', number: 'REL1', now, actor }),
    ).toThrow(expect.objectContaining({ status: 422 }));
  });

  it('edits fields and records each change; an edit that changes nothing records nothing', () => {
    const r = planned();
    const d = updateRelease(r, { name: 'Payments API', version: '2.4.0' });
    expect(d.changes).toEqual([{ field: 'name', from: 'Payments', to: 'Payments API' }]);
    expect(updateRelease(r, { name: 'Payments' }).changes).toEqual([]);
  });

  it('resets the stages’ progress when the stages change', () => {
    const d = updateRelease(planned(), { stages: stages.slice(0, 1) });
    expect(d.changes.map((c) => c.field)).toEqual(['stages']);
    expect(d.next.stages).toHaveLength(1);
  });

  it('refuses edits once the release deploys', () => {
    expect(() => updateRelease(planned({ state: 'deploying' }), { name: 'x' })).toThrow(expect.objectContaining({ status: 409, code: 'RELEASE_NOT_EDITABLE' }));
  });

  it('schedules only with a window, and a scheduled release keeps one', () => {
    expect(() => scheduleRelease(planned({ windowStart: null }), now)).toThrow(expect.objectContaining({ status: 422 }));
    const s = scheduleRelease(planned(), now);
    expect(s.next.state).toBe('scheduled');
    expect(() => updateRelease(s.next, { windowStart: null })).toThrow(expect.objectContaining({ status: 422 }));
  });

  it('cancels a planned release with its reason; a deployed one cannot be cancelled', () => {
    expect(cancelRelease(planned(), 'scope moved', now).next).toMatchObject({ state: 'cancelled', cancelReason: 'scope moved' });
    expect(() => cancelRelease(planned({ state: 'deployed' }), 'x', now)).toThrow(expect.objectContaining({ message: expect.stringContaining('deployed → cancelled') }));
  });

  it('requests the deployment only from scheduled', () => {
    expect(() => requestDeployment(planned(), 'wf', actor)).toThrow(expect.objectContaining({ message: expect.stringContaining('planned → deploying') }));
    expect(requestDeployment(planned({ state: 'scheduled' }), 'wf', actor).next).toMatchObject({ state: 'deploying', workflowId: 'wf', deployRequestedBy: 'rm1' });
  });
});

describe('changes a release carries', () => {
  it.each([
    [{ state: 'scheduled' }, true],
    [{ state: 'authorize', approvalStatus: 'approved' }, true],
    [{ state: 'authorize', approvalStatus: 'approved', approvedRevision: 1, revision: 2 }, false],
    [{ state: 'authorize', approvalStatus: 'waiting' }, false],
    [{ state: 'new', approvalStatus: 'none' }, false],
    [{ state: 'implement' }, false],
    [{ state: 'cancelled' }, false],
  ])('%j eligible: %s', (extra, eligible) => {
    expect(isEligible(change(extra as Partial<ChangeCopy>))).toBe(eligible);
  });

  it('resolves ids and numbers, in the order given', () => {
    const found = [change({}), change({ id: 'c2', number: 'CHG0000002', state: 'authorize' })];
    expect(resolveChanges(['CHG0000002', 'c1'], found)).toEqual([
      { id: 'c2', number: 'CHG0000002' },
      { id: 'c1', number: 'CHG0000001' },
    ]);
  });

  it('answers 409 naming a change that is not approved or scheduled', () => {
    const found = [change({}), change({ id: 'c3', number: 'CHG0000003', state: 'assess', approvalStatus: 'waiting' })];
    expect(() => resolveChanges(['c1', 'c3'], found)).toThrow(expect.objectContaining({ status: 409, code: 'CHANGE_NOT_APPROVED', message: expect.stringContaining('CHG0000003 is assess') }));
  });

  it('answers 422 naming unknown and repeated changes', () => {
    expect(() => resolveChanges(['c1', 'CHG0000001', 'nope'], [change({})])).toThrow(
      expect.objectContaining({ status: 422, details: { errors: [expect.objectContaining({ field: 'changes.1' }), expect.objectContaining({ field: 'changes.2' })] } }),
    );
  });
});

describe('deployment events applied to the release', () => {
  const base = { releaseId: 'id', releaseNumber: 'REL0000001', occurredAt: '2027-03-02T22:00:00.000Z', workflowId: 'release-deployment:REL0000001', runId: 'run' };
  const ev = (e: Record<string, unknown>) => ({ ...base, eventId: `x:${String(e.type)}`, ...e }) as DeploymentEvent;
  const run = (r: Release, events: DeploymentEvent[]) => events.reduce<{ r: Release; kinds: string[] }>((acc, e) => {
    const d = applyDeploymentEvent(acc.r, e);
    return { r: d.next, kinds: [...acc.kinds, ...d.events.map((x) => x.kind)] };
  }, { r, kinds: [] });

  it('follows a successful deployment: stages complete, the release is deployed', () => {
    const { r, kinds } = run(planned({ state: 'deploying' }), [
      ev({ type: 'deployment_started', stages: ['test', 'staging', 'production'], window: { start: base.occurredAt } }),
      ev({ type: 'stage_started', stage: 'test' }),
      ev({ type: 'stage_completed', stage: 'test' }),
      ev({ type: 'stage_started', stage: 'staging' }),
      ev({ type: 'stage_completed', stage: 'staging' }),
      ev({ type: 'stage_started', stage: 'production' }),
      ev({ type: 'gate_approved', stage: 'production', approver: 'rm2' }),
      ev({ type: 'stage_completed', stage: 'production' }),
      ev({ type: 'deployed', stages: ['test', 'staging', 'production'] }),
    ]);
    expect(r.state).toBe('deployed');
    expect(r.stages.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
    expect(r.stages[2]!.gateApprovedBy).toBe('rm2');
    expect(kinds).toEqual(['deploymentStarted', 'stageStarted', 'stageCompleted', 'stageStarted', 'stageCompleted', 'stageStarted', 'gateApproved', 'stageCompleted', 'deployed']);
  });

  it('a failure in staging fails the release, then the rollback marks it rolled back with the stages in reverse order', () => {
    const started = run(planned({ state: 'deploying' }), [ev({ type: 'stage_started', stage: 'test' }), ev({ type: 'stage_completed', stage: 'test' }), ev({ type: 'stage_started', stage: 'staging' })]).r;
    const failed = applyDeploymentEvent(
      started,
      ev({ type: 'failed', outcome: 'failed', failure: { code: 'VERIFICATION_FAILED', message: 'unhealthy', stage: 'staging' }, completedStages: ['test'], stagesToRollBack: ['staging', 'test'] }),
    );
    expect(failed.next).toMatchObject({ state: 'failed', failure: { code: 'VERIFICATION_FAILED', stage: 'staging' }, endedAt: null });
    expect(failed.events).toEqual([{ kind: 'failed', stage: 'staging', reason: 'unhealthy', code: 'VERIFICATION_FAILED', stagesToRollBack: ['staging', 'test'] }]);
    const back = applyDeploymentEvent(failed.next, ev({ type: 'rolled_back', stages: ['staging', 'test'], failures: [] }));
    expect(back.next).toMatchObject({ state: 'rolled_back', rolledBackStages: ['staging', 'test'] });
    expect(back.next.stages.map((s) => s.status)).toEqual(['rolled_back', 'rolled_back', 'pending']);
    expect(back.events).toEqual([{ kind: 'rolledBack', stages: ['staging', 'test'] }]);
  });

  it('an abort ends in aborted, and its rollback keeps it aborted', () => {
    const aborted = applyDeploymentEvent(
      planned({ state: 'deploying' }),
      ev({ type: 'failed', outcome: 'aborted', failure: { code: 'ABORTED', message: 'aborted by rm1: wrong build', by: 'rm1' }, completedStages: ['test'], stagesToRollBack: ['test'] }),
    );
    expect(aborted.next.state).toBe('aborted');
    const back = applyDeploymentEvent(aborted.next, ev({ type: 'rolled_back', stages: ['test'], failures: [] }));
    expect(back.next).toMatchObject({ state: 'aborted', rolledBackStages: ['test'] });
  });

  it('refuses an event the state does not allow (deployed twice)', () => {
    expect(() => applyDeploymentEvent(planned({ state: 'deployed' }), ev({ type: 'deployed', stages: [] }))).toThrow(expect.objectContaining({ status: 409 }));
  });
});
