import { ForbiddenError } from '@itsm/core';
import { etag, idempotencyKeyOf, paginationQuery, requireIfMatch, sortQuery, z, type AuthUser, type HttpApi } from '@itsm/http';
import type { Change } from '../domain/types';
import type { Services } from '../service/services';
import { CREATE, EDIT, MANAGE, READ, STANDARD, actorOf, isManager, viewerOf } from './roles';
import {
  BulkBody,
  ChangeDto,
  CreateChangeBody,
  LevelSchema,
  NumberParams,
  StandardChangeBody,
  StateSchema,
  UpdateChangeBody,
  pageOf,
  toDto,
} from './schemas';

const tags = ['Changes'];
const VERSIONED = { ETag: 'Version of the record (send it back in If-Match)' };
export const UPDATE_ERRORS = {
  404: { description: 'No such change' },
  409: { description: 'Illegal transition (named), not approved for the current revision, or conflicts (listed)' },
  412: { description: 'Stale If-Match: the body holds the current version' },
  428: { description: 'If-Match is missing' },
};

const date = (s: string | null | undefined) => (s === undefined ? undefined : s === null ? null : new Date(s));

export const ListQuery = paginationQuery.extend({
  state: z.array(StateSchema).optional().describe('comma-separated states'),
  type: z.array(z.enum(['standard', 'normal', 'emergency'])).optional(),
  approvalStatus: z.array(z.enum(['none', 'waiting', 'approved', 'rejected'])).optional(),
  risk: z.array(LevelSchema).optional(),
  ci: z.string().max(200).optional().describe('a CI id among the change’s CIs'),
  problem: z.string().max(200).optional().describe('a linked problem id'),
  requestedBy: z.string().max(200).optional(),
  owner: z.string().max(200).optional(),
  assignmentGroup: z.string().max(200).optional(),
  q: z.string().max(500).optional().describe('text in the title or description, or the number'),
  plannedFrom: z.iso.datetime({ offset: true }).optional(),
  plannedTo: z.iso.datetime({ offset: true }).optional(),
  sort: sortQuery({ createdAt: 'created_at', updatedAt: 'updated_at', plannedStart: 'planned_start', number: 'number', state: 'state' }, '-createdAt'),
});

/** Agents edit their own RfCs (fields, submit, cancel); change managers every RfC and every state. */
function assertMayEdit(user: AuthUser, c: Change, state: string | undefined): void {
  if (isManager(user)) return;
  if (c.requestedBy !== user.id) throw new ForbiddenError('Agents edit only the RfCs they raised');
  if (state !== undefined && state !== 'assess' && state !== 'cancelled') throw new ForbiddenError('Only change managers move an RfC beyond submission');
}

export function changeRoutes(api: HttpApi, s: Services): void {
  const present = (c: Change) => toDto(c, { workflowId: s.approvals.workflowId(c.number), workflowUiUrl: s.approvals.uiUrl(c.number) });
  const withEtag = (c: Change, status = 200) => ({ status, body: present(c), headers: { ETag: etag(c.version) } });

  api.route({
    method: 'post',
    path: '/api/v1/changes',
    summary: 'Raise a normal or emergency RfC (a draft in state new)',
    description: 'Send Idempotency-Key to make retries safe. Standard changes come from the catalogue (POST /api/v1/changes/standard).',
    tags,
    roles: CREATE,
    body: CreateChangeBody,
    responses: { 201: { description: 'Created (or replayed for a repeated Idempotency-Key)', schema: ChangeDto, headers: VERSIONED } },
    handler: async ({ body, user, req }) => {
      const r = await s.changes.create(
        { ...body, type: body.type ?? 'normal', plannedStart: date(body.plannedStart), plannedEnd: date(body.plannedEnd) },
        actorOf(user),
        idempotencyKeyOf(req),
        present,
      );
      return { status: r.status, body: r.body, headers: r.headers };
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/changes/standard',
    summary: 'Request a standard change from the catalogue (pre-approved; submitted at once)',
    description: 'The requester’s short route to an IT service. Send Idempotency-Key to make retries safe.',
    tags,
    roles: STANDARD,
    body: StandardChangeBody,
    responses: { 201: { description: 'Requested', schema: ChangeDto, headers: VERSIONED }, 422: { description: 'No active template with this id' } },
    handler: async ({ body, user, req }) => {
      const { templateId, plannedStart, plannedEnd, ...rest } = body;
      const r = await s.changes.createStandard(templateId, { ...rest, plannedStart: date(plannedStart), plannedEnd: date(plannedEnd) }, actorOf(user), idempotencyKeyOf(req), present);
      return { status: r.status, body: r.body, headers: r.headers };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/changes',
    summary: 'List changes (filters, sort, cursor pagination); requesters see their own',
    tags,
    roles: READ,
    query: ListQuery,
    responses: { 200: { description: 'One page', schema: pageOf(ChangeDto, 'ChangePage') } },
    handler: async ({ query, user }) => {
      const page = await s.changes.list(
        {
          state: query.state,
          type: query.type,
          approvalStatus: query.approvalStatus,
          risk: query.risk,
          ciId: query.ci,
          problemId: query.problem,
          requestedBy: query.requestedBy,
          owner: query.owner,
          assignmentGroup: query.assignmentGroup,
          q: query.q,
          plannedFrom: date(query.plannedFrom) ?? undefined,
          plannedTo: date(query.plannedTo) ?? undefined,
        },
        { sort: query.sort, cursor: query.cursor, limit: query.limit },
        viewerOf(user),
      );
      return { status: 200, body: { items: page.items.map(present), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/changes/bulk-transition',
    summary: 'Move several changes to one state (each through the transition table)',
    description: 'Answers 200 with one result per change: 200 and the new version, or the refusal (409 naming the transition); a refused change is unchanged.',
    tags,
    roles: MANAGE,
    body: BulkBody,
    responses: {
      200: {
        description: 'One result per change',
        schema: z.object({
          results: z.array(z.object({ number: z.string(), status: z.number(), version: z.number().optional(), state: z.string().optional(), error: z.object({ code: z.string(), message: z.string() }).optional() })),
        }),
      },
    },
    handler: async ({ body, user }) => {
      const { numbers, ...input } = body;
      return { status: 200, body: { results: await s.changes.bulkTransition(numbers, input, actorOf(user)) } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/changes/:number',
    summary: 'Read a change, with its approval workflow (Temporal UI link and live status)',
    tags,
    roles: READ,
    params: NumberParams,
    responses: { 200: { description: 'The change', schema: ChangeDto, headers: VERSIONED }, 404: { description: 'No such change (or not yours)' } },
    handler: async ({ params, user }) => {
      const c = await s.changes.get(params.number, viewerOf(user));
      const live = viewerOf(user).staff ? await s.approvals.liveStatus(c) : undefined;
      const body = toDto(c, { workflowId: s.approvals.workflowId(c.number), workflowUiUrl: s.approvals.uiUrl(c.number), live });
      return { status: 200, body, headers: { ETag: etag(c.version) } };
    },
  });

  api.route({
    method: 'patch',
    path: '/api/v1/changes/:number',
    summary: 'Update fields and/or move the change through its lifecycle',
    description:
      'Needs If-Match. A material edit after submission (plan, window, impact, CIs, description, CAB group) raises the revision and opens a new voting round. ' +
      '`state` goes through the transition table (409 naming the transition otherwise); scheduled and implement need the approval of the current revision.',
    tags,
    roles: EDIT,
    params: NumberParams,
    body: UpdateChangeBody,
    responses: { 200: { description: 'Updated', schema: ChangeDto, headers: VERSIONED }, ...UPDATE_ERRORS },
    handler: async ({ params, body, user, req }) => {
      const expected = requireIfMatch(req);
      const current = await s.changes.get(params.number);
      assertMayEdit(user, current, body.state);
      const c = await s.changes.update(params.number, { ...body, plannedStart: date(body.plannedStart), plannedEnd: date(body.plannedEnd) }, actorOf(user), expected);
      return withEtag(c);
    },
  });
}
