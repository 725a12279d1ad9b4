import { etag, idempotencyKeyOf, paginationQuery, requireIfMatch, runIdempotent, sortQuery, z, type HttpApi } from '@itsm/http';
import type { Release } from '../domain/types';
import type { Services } from '../service/services';
import { MANAGE, READ, actorOf } from './roles';
import {
  CancelBody,
  ChangeCopyDto,
  CreateReleaseBody,
  HistoryDto,
  NumberParams,
  ReleaseDto,
  StateSchema,
  TypeSchema,
  UpdateReleaseBody,
  changeDto,
  historyDto,
  pageOf,
  toDto,
} from './schemas';

const tags = ['Releases'];
const VERSIONED = { ETag: 'Version of the record (send it back in If-Match)' };
export const UPDATE_ERRORS = {
  404: { description: 'No such release' },
  409: { description: 'Illegal transition (named), a change not approved or scheduled (named), or the release no longer editable' },
  412: { description: 'Stale If-Match: the body holds the current version' },
  422: { description: 'Invalid input, or unknown changes (named)' },
  428: { description: 'If-Match is missing' },
};

export const ListQuery = paginationQuery.extend({
  state: z.array(StateSchema).optional().describe('comma-separated states'),
  type: z.array(TypeSchema).optional(),
  change: z.string().max(200).optional().describe('releases carrying this change (id or number)'),
  q: z.string().max(200).optional().describe('text in the name, number or version'),
  windowFrom: z.iso.datetime({ offset: true }).optional().describe('window starting at or after'),
  windowTo: z.iso.datetime({ offset: true }).optional().describe('window starting before'),
  sort: sortQuery({ createdAt: 'created_at', updatedAt: 'updated_at', windowStart: 'window_start', number: 'number', state: 'state' }, '-createdAt'),
});

export function releaseRoutes(api: HttpApi, s: Services): void {
  const present = (r: Release) => toDto(r, s.deployments.workflowUrl(r.workflowId));
  const withEtag = (r: Release, status = 200) => ({ status, body: present(r), headers: { ETag: etag(r.recordVersion) } });

  api.route({
    method: 'post',
    path: '/api/v1/releases',
    summary: 'Plan a release: its changes (approved or scheduled only), stages and window',
    description: 'Send Idempotency-Key to make retries safe. A change that is not approved or scheduled is refused with 409 naming it; an unknown one with 422.',
    tags,
    roles: MANAGE,
    body: CreateReleaseBody,
    responses: {
      201: { description: 'Created (or replayed for a repeated Idempotency-Key)', schema: ReleaseDto, headers: VERSIONED },
      409: { description: 'A change is not approved or scheduled (named)' },
      422: { description: 'Invalid input or unknown change (named)' },
    },
    handler: async ({ body, user, req }) => {
      const r = await runIdempotent(s.releases.deps.knex, { scope: `release.create:${user.id}`, key: idempotencyKeyOf(req), requestBody: body }, async (trx) => {
        const rel = await s.releases.create(trx, body, actorOf(user));
        return { status: 201, body: present(rel), headers: { ETag: etag(rel.recordVersion), Location: `/api/v1/releases/${rel.number}` } };
      });
      return { status: r.status, body: r.body, headers: r.headers };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/releases',
    summary: 'List releases (filters, sort, cursor pagination)',
    tags,
    roles: READ,
    query: ListQuery,
    responses: { 200: { description: 'A page of releases', schema: pageOf(ReleaseDto, 'ReleasePage') } },
    handler: async ({ query }) => {
      const page = await s.releases.list(
        {
          state: query.state,
          type: query.type,
          change: query.change,
          q: query.q,
          windowFrom: query.windowFrom ? new Date(query.windowFrom) : undefined,
          windowTo: query.windowTo ? new Date(query.windowTo) : undefined,
        },
        { sort: query.sort, cursor: query.cursor, limit: query.limit },
      );
      return { status: 200, body: { items: page.items.map(present), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/releases/eligible-changes',
    summary: 'Changes a release may carry now: approved or scheduled (from the change service’s events)',
    tags,
    roles: READ,
    responses: { 200: { description: 'Eligible changes', schema: z.object({ items: z.array(ChangeCopyDto) }) } },
    handler: async () => ({ status: 200, body: { items: (await s.releases.eligibleChanges()).map(changeDto) } }),
  });

  api.route({
    method: 'get',
    path: '/api/v1/releases/:number',
    summary: 'A release, with its stages’ progress and the link to its deployment in the Temporal UI',
    tags,
    roles: READ,
    params: NumberParams,
    responses: { 200: { description: 'The release', schema: ReleaseDto, headers: VERSIONED }, 404: { description: 'No such release' } },
    handler: async ({ params }) => withEtag(await s.releases.get(params.number)),
  });

  api.route({
    method: 'patch',
    path: '/api/v1/releases/:number',
    summary: 'Edit a planned or scheduled release (If-Match)',
    tags,
    roles: MANAGE,
    params: NumberParams,
    body: UpdateReleaseBody,
    responses: { 200: { description: 'Updated', schema: ReleaseDto, headers: VERSIONED }, ...UPDATE_ERRORS },
    handler: async ({ params, body, user, req }) => withEtag(await s.releases.update(params.number, body, requireIfMatch(req), actorOf(user))),
  });

  api.route({
    method: 'post',
    path: '/api/v1/releases/:number/schedule',
    summary: 'planned → scheduled (needs a window; the changes must still be approved or scheduled) (If-Match)',
    tags,
    roles: MANAGE,
    params: NumberParams,
    responses: { 200: { description: 'Scheduled', schema: ReleaseDto, headers: VERSIONED }, ...UPDATE_ERRORS },
    handler: async ({ params, user, req }) => withEtag(await s.releases.schedule(params.number, requireIfMatch(req), actorOf(user))),
  });

  api.route({
    method: 'post',
    path: '/api/v1/releases/:number/cancel',
    summary: 'Cancel a planned or scheduled release (If-Match)',
    tags,
    roles: MANAGE,
    params: NumberParams,
    body: CancelBody,
    responses: { 200: { description: 'Cancelled', schema: ReleaseDto, headers: VERSIONED }, ...UPDATE_ERRORS },
    handler: async ({ params, body, user, req }) => withEtag(await s.releases.cancel(params.number, body.reason, requireIfMatch(req), actorOf(user))),
  });

  api.route({
    method: 'get',
    path: '/api/v1/releases/:number/history',
    summary: 'Audit history: who changed which field from what to what, when (deployment steps included)',
    tags,
    roles: READ,
    params: NumberParams,
    query: paginationQuery,
    responses: { 200: { description: 'History, oldest first', schema: pageOf(HistoryDto, 'ReleaseHistoryPage') }, 404: { description: 'No such release' } },
    handler: async ({ params, query }) => {
      const page = await s.releases.history(params.number, query);
      return { status: 200, body: { items: page.items.map(historyDto), nextCursor: page.nextCursor } };
    },
  });
}
