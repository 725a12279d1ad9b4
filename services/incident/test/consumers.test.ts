import { randomUUID } from 'node:crypto';
import { TOPICS, toKafkaHeaders, type EventEnvelope } from '@itsm/events';
import type { RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import type { Producer } from 'kafkajs';
import { createIncident, patchFresh, startIncident } from './helpers';

let svc: RunningService;
let as: Awaited<ReturnType<typeof startIncident>>['as'];
let producer: Producer;

beforeAll(async () => {
  ({ svc, as } = await startIncident());
  producer = svc.ctx.kafka.producer();
  await producer.connect();
  await as.admin.patch('/api/v1/admin/settings').send({ holdOnProblemLink: true }).expect(200);
});
afterAll(async () => {
  await producer?.disconnect();
  await svc?.stop();
});

function envelope(type: string, subject: string, data: unknown): EventEnvelope {
  const now = new Date().toISOString();
  return { specversion: '1.0', id: randomUUID(), source: 'test', type, subject, time: now, occurredat: now, datacontenttype: 'application/json', partitionkey: subject, correlationid: randomUUID(), data };
}

async function deliver(topic: string, env: EventEnvelope): Promise<void> {
  const { data, ...headers } = env;
  await producer.send({ topic: svc.ctx.instance.prefix + topic, messages: [{ key: env.partitionkey, value: JSON.stringify(data), headers: toKafkaHeaders(headers) }] });
}

const processed = async (consumer: string, eventId: string) =>
  !!(await svc.ctx.knex('inbox').where({ event_id: eventId }).andWhere('consumer', 'like', `%${consumer}`).first());

const clock = (inc: { id: string; number: string }, extra: object) => ({
  clockId: `clk-${inc.number}`,
  ticketType: 'incident',
  ticketId: inc.id,
  ticketNumber: inc.number,
  definitionId: 'p1-resolution',
  target: 'resolution',
  dueAt: new Date().toISOString(),
  ...extra,
});

describe('SLA events', () => {
  it('records a breach and escalates once, even when the same event arrives twice', async () => {
    const inc = await createIncident(as.agent, { title: 'Breach me' });
    const env = envelope('itsm.sla.breached.v1', `clk-${inc.number}`, clock(inc, { breachedAt: new Date().toISOString() }));
    await deliver(TOPICS.sla, env);
    await deliver(TOPICS.sla, env);
    await waitFor(() => processed('sla', env.id), { what: 'the breach to be handled' });
    await waitFor(() => svc.consumers[0].stats.duplicates >= 1, { what: 'the second delivery to be skipped' });
    const body = (await as.agent.get(`/api/v1/incidents/${inc.number}`)).body;
    expect(body).toMatchObject({ slaBreached: true, escalationLevel: 1 });
    expect(body.slaNotices).toHaveLength(1);
    const escalations = (await as.agent.get(`/api/v1/incidents/${inc.number}/escalations`)).body.items;
    expect(escalations).toEqual([expect.objectContaining({ kind: 'hierarchical', level: 1, actorId: 'system' })]);
  });

  it('records a historical breach without escalating, and never escalates an inactive incident', async () => {
    const hist = await createIncident(as.agent, { title: 'Historical' });
    const e1 = envelope('itsm.sla.breached.v1', `clk-${hist.number}`, clock(hist, { breachedAt: '2016-03-01T00:00:00Z', historical: true }));
    const done = await createIncident(as.agent, { title: 'Resolved already' });
    await patchFresh(as.agent, done.number, { state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'ok' }).expect(200);
    const e2 = envelope('itsm.sla.breached.v1', `clk-${done.number}`, clock(done, { breachedAt: new Date().toISOString() }));
    await deliver(TOPICS.sla, e1);
    await deliver(TOPICS.sla, e2);
    await waitFor(async () => (await processed('sla', e1.id)) && (await processed('sla', e2.id)), { what: 'both breaches' });
    for (const n of [hist.number, done.number]) {
      const body = (await as.agent.get(`/api/v1/incidents/${n}`)).body;
      expect(body).toMatchObject({ slaBreached: true, escalationLevel: 0 });
    }
  });
});

describe('malformed events', () => {
  it('sends an SLA event that fails its schema to the dead-letter topic and goes on', async () => {
    const before = svc.consumers[0].stats.deadLettered;
    const bad = envelope('itsm.sla.breached.v1', 'clk-bad', { ticketType: 'incident' });
    await deliver(TOPICS.sla, bad);
    await waitFor(() => svc.consumers[0].stats.deadLettered > before, { what: 'the dead letter' });
    expect(await processed('sla', bad.id)).toBe(false);
  });
});

describe('problem events', () => {
  const problem = (n: string) => ({ id: randomUUID(), number: n, title: 'Printer firmware', state: 'known_error', knownError: true });

  it('links, adds a workaround note once, and resolves the waiting incidents without touching closed ones', async () => {
    const prb = problem('PRB0000001');
    const waiting = await createIncident(as.agent, { title: 'Waits on problem' });
    await patchFresh(as.agent, waiting.number, { state: 'in_progress' }).expect(200);
    const closed = await createIncident(as.agent, { title: 'Closed before' });
    await patchFresh(as.agent, closed.number, { state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'ok', problemId: prb.number }).expect(200);
    await patchFresh(as.agent, closed.number, { state: 'closed' }).expect(200);

    const link = envelope('itsm.problem.incident_linked.v1', prb.number, { problem: prb, incidentId: waiting.id });
    await deliver(TOPICS.problem, link);
    await waitFor(() => processed('problem', link.id), { what: 'the link' });
    expect((await as.agent.get(`/api/v1/incidents/${waiting.number}`)).body).toMatchObject({ problemId: prb.number, state: 'on_hold', holdReason: 'awaiting_problem' });

    const wa = envelope('itsm.problem.workaround_published.v1', prb.number, { problem: prb, workaround: 'Power-cycle the printer', incidentIds: [waiting.number] });
    await deliver(TOPICS.problem, wa);
    await deliver(TOPICS.problem, wa);
    const res = envelope('itsm.problem.resolved.v1', prb.number, { problem: prb, incidentIds: [waiting.id, closed.id], resolution: 'Firmware 2.1 deployed' });
    await deliver(TOPICS.problem, res);
    await waitFor(() => processed('problem', res.id), { what: 'the resolution' });
    await waitFor(() => svc.consumers[1].stats.duplicates >= 1, { what: 'the repeated workaround to be skipped' });

    const notes = (await as.agent.get(`/api/v1/incidents/${waiting.number}/comments`)).body.items;
    expect(notes.filter((n: { body: string }) => n.body.includes('Power-cycle the printer'))).toHaveLength(1);
    expect(notes[0].visibility).toBe('internal');
    expect((await as.agent.get(`/api/v1/incidents/${waiting.number}`)).body).toMatchObject({ state: 'resolved', resolutionCode: 'solved_by_problem', resolutionNotes: 'Firmware 2.1 deployed' });
    expect((await as.agent.get(`/api/v1/incidents/${closed.number}`)).body).toMatchObject({ state: 'closed', resolutionCode: 'fixed', reopenCount: 0 });
    const types = (await svc.ctx.knex('outbox').where({ partition_key: waiting.number }).select('type')).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['itsm.incident.problem_linked.v1', 'itsm.incident.resolved.v1']));
  });
});

describe('problem unlinked', () => {
  it('forgets the problem and stops waiting on it when the problem side unlinks the incident', async () => {
    const prb = { id: randomUUID(), number: 'PRB0000002', title: 'Wrong guess', state: 'assessment', knownError: false };
    const inc = await createIncident(as.agent, { title: 'Linked by mistake' });
    await patchFresh(as.agent, inc.number, { state: 'in_progress' }).expect(200);
    const link = envelope('itsm.problem.incident_linked.v1', prb.number, { problem: prb, incidentId: inc.id });
    await deliver(TOPICS.problem, link);
    await waitFor(() => processed('problem', link.id), { what: 'the link' });
    expect((await as.agent.get(`/api/v1/incidents/${inc.number}`)).body).toMatchObject({ problemId: prb.number, state: 'on_hold' });

    const unlink = envelope('itsm.problem.incident_unlinked.v1', prb.number, { problem: prb, incidentId: inc.id });
    await deliver(TOPICS.problem, unlink);
    await deliver(TOPICS.problem, unlink);
    await waitFor(() => processed('problem', unlink.id), { what: 'the unlink' });
    const after = (await as.agent.get(`/api/v1/incidents/${inc.number}`)).body;
    expect(after).toMatchObject({ problemId: null, state: 'in_progress' });
    const notes = (await as.agent.get(`/api/v1/incidents/${inc.number}/comments`)).body.items;
    expect(notes.filter((n: { body: string }) => n.body.includes('Unlinked from problem PRB0000002'))).toHaveLength(1);
  });
});

describe('change events', () => {
  it('resumes an incident waiting on a change when the change is implemented', async () => {
    const inc = await createIncident(as.agent, { title: 'Waits on change' });
    await patchFresh(as.agent, inc.number, { state: 'in_progress' }).expect(200);
    await patchFresh(as.agent, inc.number, { state: 'on_hold', holdReason: 'awaiting_change' }).expect(200);
    const change = { id: randomUUID(), number: 'CHG0000007', title: 'Replace switch', type: 'normal', state: 'implemented', revision: 1, incidentIds: [inc.number] };
    const sub = envelope('itsm.change.submitted.v1', change.number, { change });
    const impl = envelope('itsm.change.implemented.v1', change.number, { change, outcome: 'successful' });
    await deliver(TOPICS.change, sub);
    await deliver(TOPICS.change, impl);
    await waitFor(() => processed('change', impl.id), { what: 'the implementation' });
    expect((await as.agent.get(`/api/v1/incidents/${inc.number}`)).body).toMatchObject({ state: 'in_progress', awaitingChange: 'CHG0000007' });
  });
});
