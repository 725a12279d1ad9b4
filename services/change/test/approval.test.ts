/**
 * The approval workflow end to end on the real stack (Postgres, Kafka,
 * Temporal dev server): CAB members vote through the HTTP API, C12 row by
 * row, material edits opening new rounds, and a restart of the service (its
 * worker and consumers) in the middle of voting.
 */
import { createLogger } from '@itsm/core';
import { dropDatabase } from '@itsm/db';
import { newInstance, startService, type RunningService } from '@itsm/runtime';
import { testEnv } from '@itsm/testing';
import { createChangeService } from '../src';
import {
  clientsFor,
  configureApprovers,
  createChange,
  hoursFrom,
  outboxTypes,
  submitChange,
  uniqueCi,
  waitForChange,
  waitForOpenRound,
  type Client,
  type UserKey,
} from './helpers';

// real servers shared with other suites: allow for a loaded machine
jest.setTimeout(180_000);

const instance = newInstance();
const database = `itsm_test_change_${instance.replace(/[^a-z0-9]/g, '')}`;
const env = { ...process.env, PORT: '0', DATABASE_NAME: database, ITSM_INSTANCE: instance, NODE_ENV: 'test' as const };

/** Starts the service on this file's database; the database survives a stop (it is dropped in afterAll). */
function start(): Promise<RunningService> {
  return startService(createChangeService({ voteTimeoutMs: 30_000 }), { env, logger: createLogger('change-service', process.env.TEST_LOG_LEVEL ?? 'silent') });
}

let svc: RunningService;
let as: Record<UserKey, Client>;
let voter: (id: string) => Promise<Client>;
const day = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 5, 1, 0, 0, 0));
let slot = 0;
/** A fresh one-hour window per RfC. */
const nextWindow = () => {
  slot += 2;
  return { plannedStart: hoursFrom(day, slot), plannedEnd: hoursFrom(day, slot + 1) };
};

async function connect(): Promise<void> {
  ({ as, voter } = await clientsFor(svc));
}

beforeAll(async () => {
  svc = await start();
  await connect();
  await configureApprovers(as.admin);
}, 300_000);

afterAll(async () => {
  await svc?.stop();
  await dropDatabase(testEnv.postgresUrl, database);
});

type Vote = 'approve' | 'reject';

async function group(name: string, members: string[], policy: Record<string, unknown>, version?: number): Promise<number> {
  const req = as.admin.put(`/api/v1/changes/cab-groups/${encodeURIComponent(name)}`);
  if (version !== undefined) req.set('If-Match', `"${version}"`);
  const r = await req.send({ purpose: 'cab', members, policy });
  expect([200, 201]).toContain(r.status);
  return r.body.version;
}

/** A medium-risk normal RfC routed to `cabGroup`, submitted and waiting for votes. */
async function rfcFor(cabGroup: string) {
  const c = await createChange(as.agent, { ciIds: [uniqueCi('c12')], impact: 'medium', cabGroup, ...nextWindow() });
  await submitChange(as.agent, c.number);
  return waitForOpenRound(as.cm, c.number);
}

async function vote(number: string, who: string, decision: Vote) {
  return (await voter(who)).post(`/api/v1/changes/${number}/votes`).send({ decision });
}

describe('CAB members vote through the HTTP API', () => {
  it('takes three approvals of the CAB (ALL) and the RfC reaches Scheduled; refusals name their reason', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi('e2e')], impact: 'medium', ...nextWindow() });
    await submitChange(as.agent, c.number);
    const open = await waitForOpenRound(as.cm, c.number);
    expect(open.approval.live.current).toMatchObject({ round: 1, revision: 1, route: 'cab', group: 'CAB', approvers: ['cab1', 'cab2', 'cab3'] });
    expect(open.risk).toBe('medium');

    const outsider = await as.outsider.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' });
    expect(outsider.status).toBe(403);
    expect(outsider.body.type).toBe('urn:itsm:problem:not-an-approver');

    const v1 = await as.cab1.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve', comment: 'looks fine' });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ round: 1, revision: 1, status: 'waiting', approvals: 1, rejections: 0, approvers: 3, awaiting: ['cab2', 'cab3'] });
    const retry = await as.cab1.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve', comment: 'looks fine' });
    expect(retry.status).toBe(200); // the same vote again: its tally, nothing counted twice
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toMatchObject({ round: 1, revision: 1, status: 'waiting', approvals: 1, rejections: 0, awaiting: ['cab2', 'cab3'] });
    const twice = await as.cab1.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'reject' });
    expect(twice.status).toBe(409);
    expect(twice.body.type).toBe('urn:itsm:problem:already-voted');
    const stale = await as.cab2.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve', revision: 7 });
    expect(stale.status).toBe(409);
    expect(stale.body.type).toBe('urn:itsm:problem:stale-revision');

    expect((await as.cab2.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' })).body.status).toBe('waiting');
    const last = await as.cab3.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' });
    expect(last.body).toMatchObject({ status: 'approved', approvals: 3, awaiting: [] });

    const done = await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled', 'the RfC to be scheduled');
    expect(done.approval).toMatchObject({ status: 'approved', approvedRevision: 1, round: 1 });
    expect(done.approval.workflowUiUrl).toMatch(/\/namespaces\/default\/workflows\/.*rfc-approval%3ACHG\d{7}$/);
    const closed = await as.cab1.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' });
    expect(closed.status).toBe(409);

    const rounds = await as.cm.get(`/api/v1/changes/${c.number}/approvals`);
    expect(rounds.body.rounds).toHaveLength(1);
    expect(rounds.body.rounds[0]).toMatchObject({ round: 1, revision: 1, status: 'approved', tally: expect.objectContaining({ status: 'approved' }) });
    expect(rounds.body.rounds[0].votes.map((v: { voter: string }) => v.voter).sort()).toEqual(['cab1', 'cab2', 'cab3']);
    const types = await outboxTypes(svc, c.number);
    expect(types.filter((t) => t === 'itsm.change.vote_cast.v1')).toHaveLength(3);
    expect(types).toEqual(expect.arrayContaining(['itsm.change.approval_requested.v1', 'itsm.change.approved.v1', 'itsm.change.scheduled.v1']));

    const description = await svc.ctx.temporal.workflow.getHandle(done.approval.workflowId).describe();
    expect(description.searchAttributes.ItsmRecordId).toEqual([c.number]);
    expect(description.searchAttributes.ItsmState).toEqual(['approved']);
  });

  it('routes a low-risk normal change to the change managers', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi('low')], impact: 'low', ...nextWindow() });
    await submitChange(as.agent, c.number);
    const open = await waitForOpenRound(as.cm, c.number);
    expect(open.risk).toBe('low');
    expect(open.approval.live.current).toMatchObject({ route: 'change-manager', approvers: ['cm1'] });
    expect((await as.cab1.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' })).status).toBe(403);
    expect((await as.cm.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' })).body.status).toBe('approved');
    await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled');
  });

  it('cancelling an RfC ends its approval: votes are refused', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi('cancel')], impact: 'medium', ...nextWindow() });
    await submitChange(as.agent, c.number);
    await waitForOpenRound(as.cm, c.number);
    const r = await as.agent.post(`/api/v1/changes/${c.number}/cancel`).send({ reason: 'no longer needed' });
    expect(r.body).toMatchObject({ state: 'cancelled', cancelReason: 'no longer needed' });
    await waitForChange(as.cm, c.number, (b) => b.approval.live?.phase === 'cancelled', 'the approval to end');
    expect((await as.cab1.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' })).status).toBe(409);
  });
});

describe('C12: approval aggregation through the API', () => {
  const rows: Array<[string, number, Record<string, unknown>, Vote[], string[], 'scheduled' | 'rejected']> = [
    ['A', 4, { mode: 'ALL' }, ['reject'], ['rejected'], 'rejected'],
    ['B', 4, { mode: 'PERCENT', percent: 50 }, ['reject', 'reject', 'approve', 'approve'], ['waiting', 'waiting', 'waiting', 'approved'], 'scheduled'],
    ["B'", 4, { mode: 'PERCENT', percent: 50 }, ['reject', 'reject', 'reject'], ['waiting', 'waiting', 'rejected'], 'rejected'],
    ['C', 3, { mode: 'ALL' }, ['approve', 'approve', 'approve'], ['waiting', 'waiting', 'approved'], 'scheduled'],
    ['D', 3, { mode: 'PERCENT', percent: 50 }, ['approve', 'approve'], ['waiting', 'approved'], 'scheduled'],
    ['E', 3, { mode: 'ANY' }, ['reject', 'reject', 'approve'], ['waiting', 'waiting', 'approved'], 'scheduled'],
  ];

  it.each(rows)('row %s: N=%i %o, votes %o give %o and the RfC ends %s', async (row, n, policy, votes, expected, final) => {
    const key = row.replace("'", 'p');
    const members = Array.from({ length: n }, (_, i) => `c12-${key}-${i + 1}`);
    await group(`C12-${key}`, members, policy);
    const c = await rfcFor(`C12-${key}`);
    const statuses: string[] = [];
    for (let i = 0; i < votes.length; i++) {
      const r = await vote(c.number, members[i], votes[i]);
      expect(r.status).toBe(201);
      statuses.push(r.body.status);
    }
    expect(statuses).toEqual(expected);
    const done = await waitForChange(as.cm, c.number, (b) => b.state === final, `the RfC to end ${final}`);
    expect(done.approval.status).toBe(final === 'scheduled' ? 'approved' : 'rejected');
    if (final === 'rejected') {
      // the open requests are cancelled: nobody else can vote, and it cannot be scheduled
      const late = await vote(c.number, members[n - 1], 'approve');
      expect(late.status).toBe(409);
      expect((await as.cm.post(`/api/v1/changes/${c.number}/schedule`).send({})).status).toBe(409);
    }
  });

  it('row F: rounds of one (ALL) opened by material edits: approved, waiting, rejected, waiting, approved', async () => {
    let v = await group('C12-F', ['f-x'], { mode: 'ALL' });
    const c = await rfcFor('C12-F');
    expect((await vote(c.number, 'f-x', 'approve')).body).toMatchObject({ round: 1, revision: 1, status: 'approved' });
    let current = await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled', 'round 1 approved and scheduled');

    // round 2: Y, opened by a material edit of the plan
    v = await group('C12-F', ['f-y'], { mode: 'ALL' }, v);
    let edit = await as.cm.patch(`/api/v1/changes/${c.number}`).set('If-Match', `"${current.version}"`).send({ implementationPlan: 'Plan, second take' });
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ revision: 2, state: 'assess', approval: expect.objectContaining({ status: 'waiting', approvedRevision: 1 }) });
    current = await waitForOpenRound(as.cm, c.number, 2);
    expect(current.approval.live).toMatchObject({ status: 'waiting', current: expect.objectContaining({ approvers: ['f-y'], revision: 2 }) });
    expect((await as.cm.post(`/api/v1/changes/${c.number}/schedule`).send({})).status).toBe(409);
    expect((await vote(c.number, 'f-y', 'reject')).body).toMatchObject({ round: 2, revision: 2, status: 'rejected' });
    current = await waitForChange(as.cm, c.number, (b) => b.state === 'rejected', 'round 2 rejected');

    // round 3: Z, opened by a material edit of the window
    await group('C12-F', ['f-z'], { mode: 'ALL' }, v);
    edit = await as.cm.patch(`/api/v1/changes/${c.number}`).set('If-Match', `"${current.version}"`).send(nextWindow());
    expect(edit.body).toMatchObject({ revision: 3, state: 'assess', approval: expect.objectContaining({ status: 'waiting' }) });
    current = await waitForOpenRound(as.cm, c.number, 3);
    expect(current.approval.live.status).toBe('waiting');
    expect((await vote(c.number, 'f-z', 'approve')).body).toMatchObject({ round: 3, revision: 3, status: 'approved' });
    const done = await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled', 'round 3 approved and scheduled');
    expect(done.approval).toMatchObject({ status: 'approved', approvedRevision: 3 });

    // earlier votes stay in the history, bound to the revision they voted on
    const rounds = (await as.cm.get(`/api/v1/changes/${c.number}/approvals`)).body.rounds;
    expect(rounds.map((r: { round: number; revision: number; status: string }) => [r.round, r.revision, r.status])).toEqual([
      [1, 1, 'approved'],
      [2, 2, 'rejected'],
      [3, 3, 'approved'],
    ]);
    expect(rounds.map((r: { votes: Array<{ voter: string; revision: number }> }) => r.votes.map((x) => `${x.voter}@${x.revision}`))).toEqual([['f-x@1'], ['f-y@2'], ['f-z@3']]);
  });

  it('a work note is not material: the revision and the approval stay', async () => {
    await group('C12-W', ['w-1'], { mode: 'ALL' });
    const c = await rfcFor('C12-W');
    await vote(c.number, 'w-1', 'approve');
    const done = await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled');
    expect((await as.cm.post(`/api/v1/changes/${c.number}/comments`).send({ body: 'Vendor confirmed the image' })).status).toBe(201);
    const after = (await as.cm.get(`/api/v1/changes/${c.number}`)).body;
    expect(after).toMatchObject({ revision: 1, version: done.version, state: 'scheduled' });
  });
});

describe('a restart of the service in the middle of voting', () => {
  it('loses no vote: the tally goes on after the worker and consumers come back', async () => {
    const c = await createChange(as.agent, { ciIds: [uniqueCi('restart')], impact: 'medium', ...nextWindow() });
    await submitChange(as.agent, c.number);
    await waitForOpenRound(as.cm, c.number);
    expect((await as.cab1.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' })).body.status).toBe('waiting');

    await svc.stop();
    svc = await start();
    await connect();

    const second = await as.cab2.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ status: 'waiting', approvals: 2, awaiting: ['cab3'] });
    expect((await as.cab3.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' })).body.status).toBe('approved');
    await waitForChange(as.cm, c.number, (b) => b.state === 'scheduled', 'the RfC to be scheduled after the restart');
    const votes = await svc.ctx.knex('change_vote').join('change_request', 'change_request.id', 'change_vote.change_id').where('change_request.number', c.number);
    expect(votes.map((v) => v.voter).sort()).toEqual(['cab1', 'cab2', 'cab3']);

    // a submission after the restart still starts its workflow from the outbox event
    const next = await createChange(as.agent, { ciIds: [uniqueCi('restart')], impact: 'medium', ...nextWindow() });
    await submitChange(as.agent, next.number);
    await waitForOpenRound(as.cm, next.number);
  });
});
