import { NotFoundError } from '@itsm/core';
import { assertVersion, etag, parseIfMatch, z, type HttpApi } from '@itsm/http';
import * as repo from '../repository/incident.repository';
import * as misc from '../repository/misc.repository';
import type { IncidentService } from '../service/incident.service';
import { actorOf, commentBody, commentDto, escalationBody, incidentDto, isAgent, numberParam, patchBody, shortText, toDto } from './schemas';
import { viewerOf } from './viewer';

const TAGS = ['Incident actions'];

/** Fields a requester may see in the history of their incident (no internal fields, no notes). */
export const REQUESTER_HISTORY_FIELDS = [
  'created',
  'title',
  'description',
  'state',
  'holdReason',
  'impact',
  'urgency',
  'priority',
  'assignmentGroup',
  'resolutionCode',
  'resolutionNotes',
  'resolvedAt',
  'closedAt',
] as const;

const historyDto = z.object({
  items: z.array(z.object({ at: z.string(), actorId: z.string(), actorName: z.string().nullable(), field: z.string(), from: z.unknown(), to: z.unknown(), version: z.number() })),
});

export function actionRoutes(api: HttpApi, svc: IncidentService): void {
  const ok = (inc: Parameters<typeof toDto>[0], user: Parameters<typeof toDto>[1]) => ({ status: 200, body: toDto(inc, user), headers: { ETag: etag(inc.version) } });
  /** Actions take If-Match optionally: when sent, a stale version is a 412. */
  const checkOptionalVersion = async (number: string, header: string | string[] | undefined) => {
    const v = parseIfMatch(header);
    if (v !== undefined) assertVersion((await svc.get(number)).version, v);
  };

  api.route({
    method: 'post',
    path: '/api/v1/incidents/bulk',
    summary: 'Apply one update to several incidents (all or nothing)',
    description: 'Every incident goes through the same rules as a single PATCH (lifecycle table, priority, assignment). The first refusal answers its error (e.g. 409 naming the transition and the incident) and leaves every record unchanged.',
    tags: TAGS,
    roles: ['agent'],
    body: z.object({
      incidents: z.array(z.object({ number: numberParam.shape.number, version: z.number().int().min(1).optional() })).min(1).max(500),
      changes: patchBody,
    }),
    responses: { 200: { description: 'All updated', schema: z.object({ items: z.array(incidentDto) }) }, 409: { description: 'Refused' }, 412: { description: 'Stale version' } },
    handler: async ({ body, user }) => {
      const items = await svc.bulkUpdate(body.incidents, body.changes, actorOf(user));
      return { status: 200, body: { items: items.map((i) => toDto(i, user)) } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/incidents/:number/history',
    summary: 'Audit history: who changed which field from what to what, when',
    description: 'Requesters see the public fields of their own incidents only.',
    tags: TAGS,
    roles: ['requester', 'agent'],
    params: numberParam,
    responses: { 200: { description: 'History, oldest first', schema: historyDto }, 404: { description: 'Not found' } },
    handler: async ({ params, user }) => {
      const inc = await svc.get(params.number);
      if (!(await viewerOf(svc, user)).canSee(inc)) throw new NotFoundError('Incident', params.number);
      const rows = await repo.history(svc.knex, inc.id, isAgent(user) ? undefined : REQUESTER_HISTORY_FIELDS);
      return { status: 200, body: { items: rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() })) } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/incidents/:number/comments',
    summary: 'Comments (and, for desk staff, work notes), oldest first',
    tags: TAGS,
    roles: ['requester', 'agent'],
    params: numberParam,
    query: z.object({ visibility: z.enum(['public', 'internal']).optional() }),
    responses: { 200: { description: 'Comments', schema: z.object({ items: z.array(commentDto) }) }, 404: { description: 'Not found' } },
    handler: async ({ params, query, user }) => {
      const inc = await svc.get(params.number);
      if (!(await viewerOf(svc, user)).canSee(inc)) throw new NotFoundError('Incident', params.number);
      let rows = await misc.listComments(svc.knex, inc.id, !isAgent(user));
      if (query.visibility) rows = rows.filter((r) => r.visibility === query.visibility);
      return { status: 200, body: { items: rows.map(({ incidentId: _i, ...r }) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() })) } };
    },
  });

  for (const [path, visibility, roles, summary] of [
    ['/api/v1/incidents/:number/comments', 'public', ['requester', 'agent'], 'Add a comment (visible to the requester); no precondition needed'],
    ['/api/v1/incidents/:number/work-notes', 'internal', ['agent'], 'Add a work note (desk staff only, never shown to requesters); no precondition needed'],
  ] as const) {
    api.route({
      method: 'post',
      path,
      summary,
      tags: TAGS,
      roles,
      params: numberParam,
      body: commentBody,
      responses: { 201: { description: 'Stored', schema: commentDto }, 404: { description: 'Not found' } },
      handler: async ({ params, body, user }) => {
        const r = await svc.comment(params.number, body.body, visibility, actorOf(user), (await viewerOf(svc, user)).canSee);
        return { status: 201, body: { ...r.comment, createdAt: r.comment.createdAt.toISOString() }, headers: { ETag: etag(r.incident.version) } };
      },
    });
  }

  api.route({
    method: 'post',
    path: '/api/v1/incidents/:number/escalations',
    summary: 'Escalate: functional (to another group) or hierarchical (to a manager); each level once',
    tags: TAGS,
    roles: ['agent'],
    params: numberParam,
    body: escalationBody,
    responses: { 200: { description: 'Escalated', schema: incidentDto }, 409: { description: 'Already escalated to that level, or inactive' } },
    handler: async ({ params, body, user, req }) => {
      await checkOptionalVersion(params.number, req.headers['if-match']);
      return ok(await svc.escalate(params.number, body, actorOf(user)), user);
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/incidents/:number/escalations',
    summary: 'Escalations that fired',
    tags: TAGS,
    roles: ['agent'],
    params: numberParam,
    responses: { 200: { description: 'Escalations', schema: z.object({ items: z.array(z.record(z.string(), z.unknown())) }) } },
    handler: async ({ params }) => {
      const inc = await svc.get(params.number);
      return { status: 200, body: { items: await misc.listEscalations(svc.knex, inc.id) } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/incidents/:number/major',
    summary: 'Declare a major incident',
    tags: TAGS,
    roles: ['agent'],
    params: numberParam,
    responses: { 200: { description: 'Major', schema: incidentDto } },
    handler: async ({ params, user, req }) => {
      await checkOptionalVersion(params.number, req.headers['if-match']);
      return ok(await svc.declareMajor(params.number, actorOf(user)), user);
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/incidents/:number/children',
    summary: 'Link a child incident to a major incident',
    tags: TAGS,
    roles: ['agent'],
    params: numberParam,
    body: z.object({ child: numberParam.shape.number }),
    responses: { 200: { description: 'The child, linked', schema: incidentDto }, 409: { description: 'Not a major incident, or the child cannot be linked' } },
    handler: async ({ params, body, user }) => ok(await svc.linkChild(params.number, body.child, actorOf(user)), user),
  });

  api.route({
    method: 'get',
    path: '/api/v1/incidents/:number/children',
    summary: 'Child incidents of a major incident',
    tags: TAGS,
    roles: ['agent'],
    params: numberParam,
    responses: { 200: { description: 'Children', schema: z.object({ items: z.array(incidentDto) }) } },
    handler: async ({ params, user }) => ({ status: 200, body: { items: (await svc.children(params.number)).map((c) => toDto(c, user)) } }),
  });

  api.route({
    method: 'post',
    path: '/api/v1/incidents/:number/confirm',
    summary: 'Confirm the resolution (resolved → closed)',
    tags: TAGS,
    roles: ['requester', 'agent'],
    params: numberParam,
    responses: { 200: { description: 'Closed', schema: incidentDto }, 409: { description: 'Not resolved' } },
    handler: async ({ params, user, req }) => {
      await checkOptionalVersion(params.number, req.headers['if-match']);
      return ok(await svc.confirm(params.number, actorOf(user), (await viewerOf(svc, user)).canAct), user);
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/incidents/:number/reopen',
    summary: 'Reopen (requesters: a resolved incident within the reopen window; desk staff: resolved or closed)',
    tags: TAGS,
    roles: ['requester', 'agent'],
    params: numberParam,
    body: z.object({ reason: shortText(2000).min(1) }),
    responses: { 200: { description: 'Reopened (In Progress)', schema: incidentDto }, 409: { description: 'Not reopenable' } },
    handler: async ({ params, body, user, req }) => {
      await checkOptionalVersion(params.number, req.headers['if-match']);
      return ok(await svc.reopen(params.number, body.reason, actorOf(user), (await viewerOf(svc, user)).canAct), user);
    },
  });
}
