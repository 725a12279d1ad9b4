/**
 * Deadlines on the real stack with short timings: reminders to the approvers
 * who have not voted, escalation to the change managers when the deadline
 * passes, and (escalate-and-reject) the rejection of the revision.
 */
import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { createChangeService } from '../src';
import { clientsFor, configureApprovers, createChange, outboxTypes, submitChange, uniqueCi, waitForChange, waitForOpenRound, type Client, type UserKey } from './helpers';

// real servers shared with other suites: allow for a loaded machine
jest.setTimeout(180_000);

let svc: RunningService;
let as: Record<UserKey, Client>;

beforeAll(async () => {
  svc = await startTestService(
    createChangeService({
      timing: { votingPeriod: '10s', reminderInterval: '4s', emergencyVotingPeriod: '5s', emergencyReminderInterval: '2s' },
      onDeadline: 'escalate-and-reject',
    }),
    { instance: newInstance() },
  );
  ({ as } = await clientsFor(svc));
  await configureApprovers(as.admin);
}, 300_000);

afterAll(async () => {
  await svc?.stop();
});

it('reminds the approvers who have not voted, escalates at the deadline and rejects the revision', async () => {
  const c = await createChange(as.agent, { ciIds: [uniqueCi('deadline')], impact: 'medium' });
  await submitChange(as.agent, c.number);
  await waitForOpenRound(as.cm, c.number);
  expect((await as.cab1.post(`/api/v1/changes/${c.number}/votes`).send({ decision: 'approve' })).body.status).toBe('waiting');

  const done = await waitForChange(as.cm, c.number, (b) => b.state === 'rejected', 'the deadline rejection');
  expect(done).toMatchObject({ rejectionReason: 'deadline', approval: expect.objectContaining({ status: 'rejected' }) });
  const types = await outboxTypes(svc, c.number);
  expect(types.filter((t) => t === 'itsm.change.approvers_reminded.v1').length).toBeGreaterThanOrEqual(1);
  expect(types.filter((t) => t === 'itsm.change.approval_escalated.v1')).toHaveLength(1);
  expect(types.indexOf('itsm.change.approval_escalated.v1')).toBeLessThan(types.indexOf('itsm.change.rejected.v1'));

  const reminder = await svc.ctx.knex('outbox').where({ partition_key: c.number, type: 'itsm.change.approvers_reminded.v1' }).first();
  expect(reminder.envelope.data).toMatchObject({ round: 1, reminder: 1, approvers: ['cab2', 'cab3'] });
  const escalation = await svc.ctx.knex('outbox').where({ partition_key: c.number, type: 'itsm.change.approval_escalated.v1' }).first();
  expect(escalation.envelope.data).toMatchObject({ round: 1, changeManagers: ['cm1'], awaiting: ['cab2', 'cab3'] });
  const notes = await waitFor(async () => {
    const r = await as.cm.get(`/api/v1/changes/${c.number}/comments?visibility=work_note`);
    return r.body.items.length >= 2 ? r.body.items : undefined;
  }, { timeoutMs: 90_000, what: 'the work notes' });
  expect(notes.map((n: { body: string }) => n.body).join('\n')).toContain('escalated to cm1');
});
