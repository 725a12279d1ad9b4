import { etag, idempotencyKeyOf, paginationQuery, requireIfMatch, sortQuery, z, type HttpApi } from '@itsm/http';
import type { Problem } from '../domain/types';
import type { Services } from '../service/services';
import { MANAGE, READ, actorOf } from './roles';
import {
  CreateProblemBody,
  FixRequestBody,
  KnownErrorBody,
  NumberParams,
  ProblemDto,
  StateSchema,
  UpdateProblemBody,
  WorkaroundBody,
  pageOf,
  text,
  toDto,
} from './schemas';

const tags = ['Problems'];
const withEtag = (p: Problem, status = 200) => ({ status, body: toDto(p), headers: { ETag: etag(p.version) } });
const VERSIONED = { ETag: 'Version of the record (send it back in If-Match)' };
const UPDATE_ERRORS = {
  404: { description: 'No such problem' },
  409: { description: 'Illegal transition (named), closed record, or open linked incidents (listed)' },
  412: { description: 'Stale If-Match: the body holds the current version' },
  428: { description: 'If-Match is missing' },
};

export const ListQuery = paginationQuery.extend({
  state: z.array(StateSchema).optional().describe('comma-separated states'),
  knownError: z.boolean().optional(),
  candidate: z.boolean().optional().describe('only problems opened by recurring-incident detection'),
  category: text(100).optional(),
  symptom: text(200).optional(),
  ci: text(200).optional().describe('a CI id among the problem’s CIs'),
  assignmentGroup: text(200).optional(),
  owner: text(200).optional(),
  priority: z.array(z.number().int().min(1).max(5)).optional(),
  q: text(500).optional().describe('full-text search'),
  openedFrom: z.iso.datetime({ offset: true }).optional(),
  openedTo: z.iso.datetime({ offset: true }).optional(),
  sort: sortQuery({ openedAt: 'opened_at', updatedAt: 'updated_at', priority: 'priority', number: 'number', state: 'state' }, '-openedAt'),
});

export function problemRoutes(api: HttpApi, s: Services): void {
  api.route({
    method: 'post',
    path: '/api/v1/problems',
    summary: 'Log a problem',
    description: 'Priority comes from the impact × urgency matrix. A root cause or workaround makes it a known error at once. Send Idempotency-Key to make retries safe.',
    tags,
    roles: MANAGE,
    body: CreateProblemBody,
    responses: { 201: { description: 'Created (or replayed for a repeated Idempotency-Key)', schema: ProblemDto, headers: VERSIONED } },
    handler: async ({ body, user, req }) => {
      const r = await s.problems.create(body, actorOf(user), idempotencyKeyOf(req), toDto);
      return { status: r.status, body: r.body, headers: r.headers };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/problems',
    summary: 'List problems (filters, sort, cursor pagination)',
    tags,
    roles: READ,
    query: ListQuery,
    responses: { 200: { description: 'One page', schema: pageOf(ProblemDto, 'ProblemPage') } },
    handler: async ({ query }) => {
      const page = await s.problems.list(
        {
          state: query.state,
          knownError: query.knownError,
          candidate: query.candidate,
          category: query.category,
          symptom: query.symptom,
          ciId: query.ci,
          assignmentGroup: query.assignmentGroup,
          owner: query.owner,
          priority: query.priority,
          q: query.q,
          openedFrom: query.openedFrom ? new Date(query.openedFrom) : undefined,
          openedTo: query.openedTo ? new Date(query.openedTo) : undefined,
        },
        { sort: query.sort, cursor: query.cursor, limit: query.limit },
      );
      return { status: 200, body: { items: page.items.map(toDto), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/problems/:number',
    summary: 'Read a problem',
    tags,
    roles: READ,
    params: NumberParams,
    responses: { 200: { description: 'The problem', schema: ProblemDto, headers: VERSIONED }, 404: { description: 'No such problem' } },
    handler: async ({ params }) => withEtag(await s.problems.get(params.number)),
  });

  api.route({
    method: 'patch',
    path: '/api/v1/problems/:number',
    summary: 'Update fields and/or move the problem through its lifecycle',
    description:
      'Needs If-Match. `state` goes through the transition table (409 naming the transition otherwise); resolving needs `resolutionCode`; ' +
      'closing or cancelling is refused (409) while linked incidents are open, and the answer lists them.',
    tags,
    roles: MANAGE,
    params: NumberParams,
    body: UpdateProblemBody,
    responses: { 200: { description: 'Updated', schema: ProblemDto, headers: VERSIONED }, ...UPDATE_ERRORS },
    handler: async ({ params, body, user, req }) => withEtag(await s.problems.update(params.number, body, actorOf(user), requireIfMatch(req))),
  });

  api.route({
    method: 'post',
    path: '/api/v1/problems/:number/workaround',
    summary: 'Publish a workaround (known error; a work note on every linked open incident)',
    tags,
    roles: MANAGE,
    params: NumberParams,
    body: WorkaroundBody,
    responses: { 200: { description: 'Published', schema: ProblemDto, headers: VERSIONED }, ...UPDATE_ERRORS },
    handler: async ({ params, body, user, req }) =>
      withEtag(await s.problems.publishWorkaround(params.number, body.workaround, actorOf(user), requireIfMatch(req))),
  });

  api.route({
    method: 'post',
    path: '/api/v1/problems/:number/known-error',
    summary: 'Record the problem as a known error (root cause and/or workaround)',
    tags,
    roles: MANAGE,
    params: NumberParams,
    body: KnownErrorBody,
    responses: { 200: { description: 'Recorded', schema: ProblemDto, headers: VERSIONED }, ...UPDATE_ERRORS },
    handler: async ({ params, body, user, req }) =>
      withEtag(await s.problems.recordKnownError(params.number, body, actorOf(user), requireIfMatch(req))),
  });

  api.route({
    method: 'post',
    path: '/api/v1/problems/:number/fix-request',
    summary: 'Request the fix: raise an RfC (event to the Change service) and move to fix in progress',
    tags,
    roles: MANAGE,
    params: NumberParams,
    body: FixRequestBody,
    responses: { 200: { description: 'Requested', schema: ProblemDto, headers: VERSIONED }, 422: { description: 'No root cause documented yet' }, ...UPDATE_ERRORS },
    handler: async ({ params, body, user, req }) => withEtag(await s.problems.requestFix(params.number, body, actorOf(user), requireIfMatch(req))),
  });
}
