import type { RunningService } from '@itsm/runtime';
import { incidentServiceOf } from '../src/definition';
import { SYSTEM_ACTOR } from '../src/domain/types';
import { waitFor } from '@itsm/testing';
import { createIncident, outboxTypes, patchFresh, startIncident } from './helpers';

let svc: RunningService;
let as: Awaited<ReturnType<typeof startIncident>>['as'];

beforeAll(async () => {
  ({ svc, as } = await startIncident());
  await as.admin.put('/api/v1/groups/desk').send({ name: 'Service desk', managerId: 'mgr1', members: ['ag1', 'ag2'] }).expect(201);
  await as.admin.put('/api/v1/groups/network').send({ name: 'Network', members: ['net1'] }).expect(201);
});
afterAll(() => svc?.stop());

const resolve = { state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'Replaced the cable' };

describe('outbox', () => {
  it('writes the record and its events in one transaction: a rollback leaves neither', async () => {
    const service = incidentServiceOf(svc.ctx);
    let number = '';
    await expect(
      svc.ctx.knex.transaction(async (trx) => {
        const inc = await service.createIn(trx, { title: 'rolled back', callerId: 'c', contactType: 'phone', impact: 3, urgency: 3 }, SYSTEM_ACTOR);
        number = inc.number;
        const [{ n }] = await trx('outbox').where({ partition_key: number }).count<{ n: string }[]>('id as n');
        expect(Number(n)).toBe(1);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await svc.ctx.knex('incident').where({ number }).first()).toBeUndefined();
    expect(await outboxTypes(svc, number)).toEqual([]);
  });

  it('emits the specific events and `updated` with the changed fields, at the record version', async () => {
    const inc = await createIncident(as.agent);
    const res = await patchFresh(as.agent, inc.number, { state: 'in_progress', assignmentGroup: 'desk', assignee: 'ag1', urgency: 1 }).expect(200);
    const rows = await svc.ctx.knex('outbox').where({ partition_key: inc.number }).orderBy('seq');
    expect(rows.map((r) => r.type)).toEqual([
      'itsm.incident.created.v1',
      'itsm.incident.updated.v1',
      'itsm.incident.state_changed.v1',
      'itsm.incident.assigned.v1',
      'itsm.incident.priority_changed.v1',
    ]);
    const updated = rows[1].envelope;
    expect(updated.version).toBe(res.body.version);
    expect(updated.data.changes.map((c: { field: string }) => c.field)).toEqual(expect.arrayContaining(['state', 'assignmentGroup', 'assignee', 'urgency', 'priority', 'firstResponseAt']));
    expect(res.body.firstResponseAt).toEqual(expect.any(String));
  });

  it('publishes committed outbox rows to Kafka through the relay', async () => {
    const inc = await createIncident(as.agent, { title: 'Relay me' });
    await waitFor(async () => {
      const rows = await svc.ctx.knex('outbox').where({ partition_key: inc.number });
      return rows.length > 0 && rows.every((r) => r.sent_at !== null);
    }, { what: 'the relay to publish' });
  });

  it('writes nothing when a change is refused', async () => {
    const inc = await createIncident(as.agent);
    await patchFresh(as.agent, inc.number, { state: 'closed' }).expect(409);
    expect(await outboxTypes(svc, inc.number)).toEqual(['itsm.incident.created.v1']);
  });
});

describe('assignment and history', () => {
  it('refuses an assignee outside the group, counts reassignments and audits every change', async () => {
    const inc = await createIncident(as.agent);
    const bad = await patchFresh(as.agent, inc.number, { assignmentGroup: 'network', assignee: 'ag1' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'assignee' })]);
    expect((await patchFresh(as.agent, inc.number, { assignmentGroup: 'nowhere' })).status).toBe(422);
    await patchFresh(as.agent, inc.number, { assignmentGroup: 'desk', assignee: 'ag1' }).expect(200);
    const r = await patchFresh(as.agent, inc.number, { assignee: 'ag2' }).expect(200);
    expect(r.body.reassignmentCount).toBe(1);
    const history = (await as.agent.get(`/api/v1/incidents/${inc.number}/history`)).body.items;
    expect(history).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'assignee', from: null, to: 'ag1', actorId: 'ag1', at: expect.any(String) }),
        expect.objectContaining({ field: 'assignee', from: 'ag1', to: 'ag2' }),
        expect.objectContaining({ field: 'reassignmentCount', from: 0, to: 1 }),
      ]),
    );
  });

  it('sets the first response on the first public agent comment', async () => {
    const inc = await createIncident(as.ra1);
    await as.ra1.post(`/api/v1/incidents/${inc.number}/comments`).send({ body: 'any news?' }).expect(201);
    expect((await as.agent.get(`/api/v1/incidents/${inc.number}`)).body.firstResponseAt).toBeNull();
    await as.agent.post(`/api/v1/incidents/${inc.number}/comments`).send({ body: 'looking' }).expect(201);
    expect((await as.agent.get(`/api/v1/incidents/${inc.number}`)).body.firstResponseAt).toEqual(expect.any(String));
  });
});

describe('escalation', () => {
  it('escalates each level once, never an inactive incident', async () => {
    const inc = await createIncident(as.agent, { assignmentGroup: 'desk' });
    const one = await as.agent.post(`/api/v1/incidents/${inc.number}/escalations`).send({ kind: 'hierarchical', toUser: 'mgr1', reason: 'VIP caller' });
    expect(one.status).toBe(200);
    expect(one.body.escalationLevel).toBe(1);
    const again = await as.agent.post(`/api/v1/incidents/${inc.number}/escalations`).send({ kind: 'hierarchical', level: 1, reason: 'again' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ALREADY_ESCALATED');
    const functional = await as.agent.post(`/api/v1/incidents/${inc.number}/escalations`).send({ kind: 'functional', toGroup: 'network', reason: 'L2' });
    expect(functional.body).toMatchObject({ assignmentGroup: 'network', functionalEscalationLevel: 1 });
    await patchFresh(as.agent, inc.number, resolve).expect(200);
    const inactive = await as.agent.post(`/api/v1/incidents/${inc.number}/escalations`).send({ kind: 'hierarchical', reason: 'late' });
    expect(inactive.status).toBe(409);
    const escalations = (await as.agent.get(`/api/v1/incidents/${inc.number}/escalations`)).body.items;
    expect(escalations).toHaveLength(2);
    expect((await outboxTypes(svc, inc.number)).filter((t) => t === 'itsm.incident.escalated.v1')).toHaveLength(2);
  });
});

describe('major incidents', () => {
  it('resolving the parent resolves active children with its resolution and leaves closed ones alone', async () => {
    const parent = await createIncident(as.agent, { title: 'Core switch down', impact: 1, urgency: 1 });
    const active = await createIncident(as.ra1, { title: 'No network on floor 2' });
    const closed = await createIncident(as.ra2, { title: 'No network in lab' });
    await patchFresh(as.agent, closed.number, resolve).expect(200);
    await patchFresh(as.agent, closed.number, { state: 'closed' }).expect(200);
    expect((await as.agent.post(`/api/v1/incidents/${parent.number}/children`).send({ child: active.number })).status).toBe(409); // not major yet
    const major = await as.agent.post(`/api/v1/incidents/${parent.number}/major`);
    expect(major.body.major).toBe(true);
    for (const c of [active, closed]) await as.agent.post(`/api/v1/incidents/${parent.number}/children`).send({ child: c.number }).expect(200);
    expect((await as.agent.get(`/api/v1/incidents/${parent.number}/children`)).body.items).toHaveLength(2);
    await patchFresh(as.agent, parent.number, { state: 'in_progress' }).expect(200);
    await patchFresh(as.agent, parent.number, resolve).expect(200);
    expect((await as.agent.get(`/api/v1/incidents/${active.number}`)).body).toMatchObject({ state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'Replaced the cable' });
    expect((await as.agent.get(`/api/v1/incidents/${closed.number}`)).body).toMatchObject({ state: 'closed', resolutionCode: 'fixed', reopenCount: 0 });
    expect(await outboxTypes(svc, parent.number)).toContain('itsm.incident.major_declared.v1');
    expect(await outboxTypes(svc, active.number)).toContain('itsm.incident.resolved.v1');
  });
});

describe('requester confirmation and reopen', () => {
  it('lets the requester confirm (close) or reopen within the window, and not after it', async () => {
    const a = await createIncident(as.ra1);
    await patchFresh(as.agent, a.number, resolve).expect(200);
    const reopened = await as.ra1.post(`/api/v1/incidents/${a.number}/reopen`).send({ reason: 'still broken' });
    expect(reopened.body).toMatchObject({ state: 'in_progress', reopenCount: 1 });
    expect((await as.ra2.post(`/api/v1/incidents/${a.number}/confirm`)).status).toBe(404);
    await patchFresh(as.agent, a.number, resolve).expect(200);
    const closed = await as.ra1.post(`/api/v1/incidents/${a.number}/confirm`);
    expect(closed.body.state).toBe('closed');
    expect((await as.ra1.post(`/api/v1/incidents/${a.number}/reopen`).send({ reason: 'again' })).status).toBe(409);

    await as.admin.patch('/api/v1/admin/settings').send({ reopenWindowSeconds: 0 }).expect(200);
    try {
      const b = await createIncident(as.ra1);
      await patchFresh(as.agent, b.number, resolve).expect(200);
      await new Promise((r) => setTimeout(r, 20));
      const late = await as.ra1.post(`/api/v1/incidents/${b.number}/reopen`).send({ reason: 'late' });
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('REOPEN_WINDOW_PASSED');
    } finally {
      await as.admin.patch('/api/v1/admin/settings').send({ reopenWindowSeconds: 432000 }).expect(200);
    }
  });
});

describe('import', () => {
  const body = {
    source: 'servicenow',
    sourceNumber: 'INC0000045',
    title: 'Imported incident',
    callerId: 'Caller 2403',
    contactType: 'phone',
    impact: 2,
    urgency: 2,
    openedAt: '2016-02-29T01:16:00Z',
    resolutionCode: 'code 5',
    resolutionNotes: 'from the source',
    madeSla: true,
    timeline: [
      { at: '2016-02-29T01:23:00Z', kind: 'assignment', assignmentGroup: 'Group 56', assignee: 'Resolver 149' },
      { at: '2016-02-29T01:23:00Z', kind: 'state', state: 'in_progress' },
      { at: '2016-03-01T09:00:00Z', kind: 'state', state: 'on_hold', holdReason: 'awaiting_caller' },
      { at: '2016-03-01T12:00:00Z', kind: 'state', state: 'in_progress' },
      { at: '2016-03-04T11:29:00Z', kind: 'state', state: 'resolved' },
      { at: '2016-03-09T12:00:00Z', kind: 'state', state: 'closed' },
    ],
  };

  it('stores the record as it happened, emits one imported event at the historical time, and is idempotent', async () => {
    const first = await as.admin.post('/api/v1/incidents/import').send(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ state: 'closed', priority: 3, resolvedAt: '2016-03-04T11:29:00.000Z', closedAt: '2016-03-09T12:00:00.000Z', sourceNumber: 'INC0000045' });
    const second = await as.admin.post('/api/v1/incidents/import').send(body);
    expect(second.status).toBe(200);
    expect(second.body.number).toBe(first.body.number);
    const rows = await svc.ctx.knex('outbox').where({ partition_key: first.body.number });
    expect(rows.map((r) => r.type)).toEqual(['itsm.incident.imported.v1']);
    expect(rows[0].envelope.occurredat).toBe('2016-02-29T01:16:00.000Z');
    expect(rows[0].envelope.data.timeline).toHaveLength(6);
    const history = (await as.agent.get(`/api/v1/incidents/${first.body.number}/history`)).body.items;
    expect(history.filter((h: { field: string }) => h.field === 'state').map((h: { at: string; to: string }) => [h.at, h.to])).toEqual([
      ['2016-02-29T01:23:00.000Z', 'in_progress'],
      ['2016-03-01T09:00:00.000Z', 'on_hold'],
      ['2016-03-01T12:00:00.000Z', 'in_progress'],
      ['2016-03-04T11:29:00.000Z', 'resolved'],
      ['2016-03-09T12:00:00.000Z', 'closed'],
    ]);
    expect((await as.agent.post('/api/v1/incidents/import').send(body)).status).toBe(403);
  });

  const withLinks = {
    ...body,
    sourceNumber: 'INC0000441',
    category: 'Category 45',
    timeline: [
      ...body.timeline,
      { at: '2016-02-29T01:23:00Z', kind: 'problem', problemId: 'Problem ID 20', by: 'Updated by 1' },
      { at: '2016-02-29T01:23:00Z', kind: 'fields', category: 'Category 44', location: 'Location 15', by: 'Updated by 1' },
      { at: '2016-03-01T10:00:00Z', kind: 'problem', problemId: 'Problem ID 19', by: 'Updated by 2' },
      { at: '2016-03-01T11:00:00Z', kind: 'fields', category: 'Category 45', location: 'Location 18', by: 'Updated by 2' },
      { at: '2016-03-02T10:00:00Z', kind: 'problem', problemId: null, by: 'Updated by 3' },
      { at: '2016-03-03T10:00:00Z', kind: 'problem', problemId: 'Problem ID 20', by: 'Updated by 4' },
    ],
  };

  it('records problem links and field changes at their historical times and carries them on the imported event', async () => {
    const res = await as.admin.post('/api/v1/incidents/import').send(withLinks);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ problemId: 'Problem ID 20', category: 'Category 45', location: 'Location 18', state: 'closed' });
    const history: { at: string; field: string; from: unknown; to: unknown; actor?: { id: string } }[] = (await as.agent.get(`/api/v1/incidents/${res.body.number}/history`)).body.items;
    const rows = (field: string) => history.filter((h) => h.field === field).map((h) => [h.at, h.from, h.to]);
    expect(rows('problemId')).toEqual([
      ['2016-02-29T01:23:00.000Z', null, 'Problem ID 20'],
      ['2016-03-01T10:00:00.000Z', 'Problem ID 20', 'Problem ID 19'],
      ['2016-03-02T10:00:00.000Z', 'Problem ID 19', null],
      ['2016-03-03T10:00:00.000Z', null, 'Problem ID 20'],
    ]);
    expect(rows('category')).toEqual([
      ['2016-02-29T01:23:00.000Z', null, 'Category 44'],
      ['2016-03-01T11:00:00.000Z', 'Category 44', 'Category 45'],
    ]);
    expect(rows('location').map((r) => r[2])).toEqual(['Location 15', 'Location 18']);
    expect((await as.agent.get('/api/v1/incidents?problem=Problem%20ID%2020')).body.items.map((i: { number: string }) => i.number)).toEqual([res.body.number]);
    const [event] = await svc.ctx.knex('outbox').where({ partition_key: res.body.number });
    const timeline = event.envelope.data.timeline as { kind: string }[];
    expect(timeline).toHaveLength(12);
    expect(timeline.filter((e) => e.kind === 'problem')).toEqual([
      { at: '2016-02-29T01:23:00.000Z', kind: 'problem', problemId: 'Problem ID 20' },
      { at: '2016-03-01T10:00:00.000Z', kind: 'problem', problemId: 'Problem ID 19' },
      { at: '2016-03-02T10:00:00.000Z', kind: 'problem', problemId: null },
      { at: '2016-03-03T10:00:00.000Z', kind: 'problem', problemId: 'Problem ID 20' },
    ]);
    expect(timeline.filter((e) => e.kind === 'fields')[1]).toEqual({ at: '2016-03-01T11:00:00.000Z', kind: 'fields', category: 'Category 45', location: 'Location 18' });
    expect(event.envelope.data.incident.problemId).toBe('Problem ID 20');
  });

  it('refuses bad timeline entries and a top-level problemId that disagrees with a 422 naming the field, storing nothing', async () => {
    const send = (timeline: unknown[], extra: Record<string, unknown> = {}) =>
      as.admin.post('/api/v1/incidents/import').send({ ...body, sourceNumber: 'INC0009999', ...extra, timeline: [...body.timeline, ...timeline] });
    const at = '2016-03-01T10:00:00Z';
    const cases: [unknown[], Record<string, unknown>, string][] = [
      [[{ at, kind: 'links', problemId: 'P1' }], {}, 'timeline.6.kind'],
      [[{ at, kind: 'problem' }], {}, 'timeline.6.problemId'],
      [[{ at, kind: 'problem', problemId: '' }], {}, 'timeline.6.problemId'],
      [[{ at, kind: 'problem', problemId: 42 }], {}, 'timeline.6.problemId'],
      [[{ at, kind: 'problem', problemId: 'p'.repeat(256) }], {}, 'timeline.6.problemId'],
      [[{ at, kind: 'problem', problemId: 'P1', state: 'resolved' }], {}, 'timeline.6.state'],
      [[{ at, kind: 'state', state: 'in_progress', problemId: 'P1' }], {}, 'timeline.6.problemId'],
      [[{ at, kind: 'fields' }], {}, 'timeline.6'],
      [[{ at, kind: 'fields', category: 7 }], {}, 'timeline.6.category'],
      [[{ at, kind: 'fields', impact: 1 }], {}, 'timeline.6.impact'],
      [[{ at, kind: 'problem', problemId: 'P1' }], { problemId: 'P2' }, 'problemId'],
      [[{ at, kind: 'problem', problemId: 'P1' }], { problemId: null }, 'problemId'],
      [[{ at, kind: 'fields', location: 'L1' }], { location: 'L2' }, 'location'],
    ];
    for (const [timeline, extra, field] of cases) {
      const res = await send(timeline, extra);
      expect([JSON.stringify(timeline), res.status]).toEqual([JSON.stringify(timeline), 422]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect(await svc.ctx.knex('incident').where({ source_number: 'INC0009999' }).first()).toBeUndefined();
    expect((await send([{ at, kind: 'problem', problemId: 'P1' }], { problemId: 'P1' })).status).toBe(201);
  });
});

describe('lists and OpenAPI', () => {
  it('filters, sorts and pages with a cursor', async () => {
    for (let i = 0; i < 5; i++) await createIncident(as.agent, { title: `Paging ${i}`, category: 'paging', impact: 1 + (i % 3), urgency: 1 });
    const p1 = await as.agent.get('/api/v1/incidents?category=paging&limit=2&sort=-priority,openedAt');
    expect(p1.status).toBe(200);
    expect(p1.body.items).toHaveLength(2);
    const p2 = await as.agent.get(`/api/v1/incidents?category=paging&limit=2&sort=-priority,openedAt&cursor=${p1.body.nextCursor}`);
    const p3 = await as.agent.get(`/api/v1/incidents?category=paging&limit=2&sort=-priority,openedAt&cursor=${p2.body.nextCursor}`);
    const all = [...p1.body.items, ...p2.body.items, ...p3.body.items];
    expect(all).toHaveLength(5);
    expect(p3.body.nextCursor).toBeNull();
    const priorities = all.map((i) => i.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    const filtered = await as.agent.get('/api/v1/incidents?category=paging&priority=1&state=new');
    expect(filtered.body.items.every((i: { priority: number }) => i.priority === 1)).toBe(true);
    const text = await as.agent.get('/api/v1/incidents?q=paging&category=paging');
    expect(text.body.items).toHaveLength(5);
  });

  it('describes every route in /openapi.json and serves /docs', async () => {
    const doc = (await as.agent.get('/openapi.json')).body;
    for (const p of ['/api/v1/incidents', '/api/v1/incidents/{number}', '/api/v1/incidents/{number}/history', '/api/v1/incidents/import', '/api/v1/groups/{id}', '/api/v1/admin/priority-matrix']) {
      expect(doc.paths[p]).toBeDefined();
    }
    expect((await as.agent.get('/docs/')).status).toBe(200);
  });
});
