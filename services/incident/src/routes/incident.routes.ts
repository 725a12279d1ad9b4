import { ForbiddenError, NotFoundError, ValidationError } from '@itsm/core';
import { etag, idempotencyKeyOf, paginationQuery, requireIfMatch, runIdempotent, sortQuery, z, type HttpApi } from '@itsm/http';
import type { Knex } from '@itsm/db';
import { STATES } from '../domain/types';
import { SORTABLE, countIncidents, listIncidents, similarIncidents, type IncidentFilter } from '../repository/query.repository';
import type { IncidentService } from '../service/incident.service';
import { actorOf, createBody, incidentDto, isAgent, numberParam, pageDto, patchBody, toDto } from './schemas';
import { viewerOf, type Viewer } from './viewer';

const TAGS = ['Incidents'];
const instant = z.iso.datetime({ offset: true });

export const listQuery = paginationQuery.extend({
  state: z.array(z.enum(STATES)).optional(),
  priority: z.array(z.number().int().min(1).max(5)).optional(),
  group: z.string().max(255).optional(),
  assignee: z.string().max(255).optional(),
  caller: z.string().max(255).optional(),
  ci: z.string().max(255).optional(),
  category: z.string().max(255).optional(),
  subcategory: z.string().max(255).optional(),
  major: z.boolean().optional(),
  problem: z.string().max(255).optional(),
  openedFrom: instant.optional(),
  openedTo: instant.optional(),
  updatedFrom: instant.optional(),
  updatedTo: instant.optional(),
  q: z.string().max(500).optional().openapi({ description: 'Full-text search in title and description (words, "phrases", or, -word)' }),
  sort: sortQuery(SORTABLE, '-openedAt'),
});

type ListQuery = z.infer<typeof listQuery>;

const dateOf = (s?: string) => (s ? new Date(s) : undefined);

/** A range whose end is not after its start is a 422 naming the end, not an empty list. */
function checkRanges(q: ListQuery): void {
  const issues = (
    [
      ['openedFrom', 'openedTo'],
      ['updatedFrom', 'updatedTo'],
    ] as const
  )
    .filter(([from, to]) => q[from] && q[to] && Date.parse(q[to]!) <= Date.parse(q[from]!))
    .map(([from, to]) => ({ field: to, message: `must be after ${from}`, in: 'query' }));
  if (issues.length) throw new ValidationError(`Invalid query: ${issues.map((i) => i.field).join(', ')}`, issues);
}

export function filterOf(q: ListQuery, viewer: Viewer): IncidentFilter {
  checkRanges(q);
  return {
    state: q.state,
    priority: q.priority,
    group: q.group,
    assignee: q.assignee,
    caller: q.caller,
    ci: q.ci,
    category: q.category,
    subcategory: q.subcategory,
    major: q.major,
    problem: q.problem,
    openedFrom: dateOf(q.openedFrom),
    openedTo: dateOf(q.openedTo),
    updatedFrom: dateOf(q.updatedFrom),
    updatedTo: dateOf(q.updatedTo),
    q: q.q?.trim() || undefined,
    callers: viewer.callers,
  };
}

export function incidentRoutes(api: HttpApi, svc: IncidentService): void {
  api.route({
    method: 'post',
    path: '/api/v1/incidents',
    summary: 'Log an incident',
    description:
      'Requesters create for themselves (contact type portal). Send an Idempotency-Key to make retries safe: the same key and body answer the first result. Text is stored as given; this API returns JSON only, clients must escape it when rendering HTML.',
    tags: TAGS,
    roles: ['requester', 'agent'],
    body: createBody,
    responses: { 201: { description: 'Created', schema: incidentDto, headers: { ETag: 'version', Location: 'URL of the incident' } }, 200: { description: 'Replayed (same Idempotency-Key)', schema: incidentDto } },
    handler: async ({ body, user, req }) => {
      const agent = isAgent(user);
      if (!agent && (body.assignmentGroup || body.assignee)) {
        throw new ForbiddenError('Requesters cannot assign incidents', { fields: ['assignmentGroup', 'assignee'].filter((f) => body[f as 'assignee']) });
      }
      const input = { ...body, callerId: agent ? (body.callerId ?? user.id) : user.id, contactType: agent ? (body.contactType ?? 'portal') : ('portal' as const) };
      const create = async (db: Knex | Knex.Transaction) => {
        const inc = await svc.createIn(db, input, actorOf(user));
        return { status: 201, body: toDto(inc, user), headers: { ETag: etag(inc.version), Location: `/api/v1/incidents/${inc.number}` } };
      };
      const key = idempotencyKeyOf(req);
      if (key === undefined) return create(svc.knex);
      const r = await runIdempotent(svc.knex, { scope: `incident.create:${user.id}`, key, requestBody: body }, create);
      return { status: r.replayed ? 200 : r.status, body: r.body, headers: r.headers };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/incidents',
    summary: 'List incidents (requesters: only their own)',
    tags: TAGS,
    roles: ['requester', 'agent'],
    query: listQuery,
    responses: { 200: { description: 'One page', schema: pageDto } },
    handler: async ({ query, user }) => {
      const page = await listIncidents(svc.knex, filterOf(query, await viewerOf(svc, user)), query.sort, query.limit, query.cursor);
      return { status: 200, body: { items: page.items.map((i) => toDto(i, user)), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/incidents/search',
    summary: 'Search incidents by text, with a total (requesters: only their own)',
    tags: TAGS,
    roles: ['requester', 'agent'],
    query: listQuery.extend({ q: z.string().min(1).max(500) }),
    responses: { 200: { description: 'Matches', schema: pageDto.extend({ total: z.number().int() }) } },
    handler: async ({ query, user }) => {
      const filter = filterOf(query, await viewerOf(svc, user));
      const [page, total] = await Promise.all([listIncidents(svc.knex, filter, query.sort, query.limit, query.cursor), countIncidents(svc.knex, filter)]);
      return { status: 200, body: { items: page.items.map((i) => toDto(i, user)), nextCursor: page.nextCursor, total } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/incidents/:number',
    summary: 'Get an incident',
    tags: TAGS,
    roles: ['requester', 'agent'],
    params: numberParam,
    responses: { 200: { description: 'The incident', schema: incidentDto, headers: { ETag: 'version, for If-Match' } }, 404: { description: 'Not found (also: not yours)' } },
    handler: async ({ params, user }) => {
      const inc = await svc.get(params.number);
      if (!(await viewerOf(svc, user)).canSee(inc)) throw new NotFoundError('Incident', params.number);
      return { status: 200, body: toDto(inc, user), headers: { ETag: etag(inc.version) } };
    },
  });

  api.route({
    method: 'patch',
    path: '/api/v1/incidents/:number',
    summary: 'Update an incident (needs If-Match)',
    description:
      'Field updates, state transitions (the lifecycle table), assignment, priority (a value other than the matrix needs the priority_override permission). 428 without If-Match, 412 with a stale version.',
    tags: TAGS,
    roles: ['agent'],
    params: numberParam,
    body: patchBody,
    responses: {
      200: { description: 'Updated', schema: incidentDto, headers: { ETag: 'new version' } },
      404: { description: 'Not found' },
      409: { description: 'Illegal transition (named) or inactive incident' },
      412: { description: 'Stale version: the body holds currentVersion' },
      428: { description: 'If-Match missing' },
    },
    handler: async ({ params, body, user, req }) => {
      const version = requireIfMatch(req);
      const inc = await svc.update(params.number, body, version, actorOf(user));
      return { status: 200, body: toDto(inc, user), headers: { ETag: etag(inc.version) } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/incidents/:number/similar',
    summary: 'Incidents with similar titles, nearest first (requesters: only those they may see)',
    tags: TAGS,
    roles: ['requester', 'agent'],
    params: numberParam,
    query: z.object({ limit: z.number().int().min(1).max(50).default(10) }),
    responses: { 200: { description: 'Similar incidents', schema: z.object({ items: z.array(incidentDto) }) }, 404: { description: 'Not found' } },
    handler: async ({ params, query, user }) => {
      const inc = await svc.get(params.number);
      const viewer = await viewerOf(svc, user);
      if (!viewer.canSee(inc)) throw new NotFoundError('Incident', params.number);
      const items = await similarIncidents(svc.knex, inc.title, inc.id, query.limit, viewer.callers);
      return { status: 200, body: { items: items.map((i) => toDto(i, user)) } };
    },
  });
}
