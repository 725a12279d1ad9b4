import { paginationQuery, z, type HttpApi } from '@itsm/http';
import type { Services } from '../service/services';
import { IMPORT, LINK, MANAGE, NOTE, READ, actorOf } from './roles';
import {
  CommentBody,
  CommentDto,
  HistoryDto,
  ImportBody,
  ImportResultDto,
  IncidentParams,
  LinkBody,
  LinkedIncidentDto,
  NumberParams,
  commentDto,
  historyDto,
  linkedDto,
  pageOf,
} from './schemas';

const tags = ['Problems'];

/** Sub-resources of a problem: linked incidents, comments and work notes, history; and the import. */
export function recordRoutes(api: HttpApi, s: Services): void {
  api.route({
    method: 'post',
    path: '/api/v1/problems/:number/incidents',
    summary: 'Link an incident to the problem',
    description:
      'No If-Match: a link never conflicts with field edits. Linking again is a no-op (200); an incident linked to another problem gives 409. ' +
      'The incident must be known here (from the Incident service’s events).',
    tags,
    roles: LINK,
    params: NumberParams,
    body: LinkBody,
    responses: {
      201: { description: 'Linked', schema: LinkedIncidentDto },
      200: { description: 'Already linked to this problem', schema: LinkedIncidentDto },
      404: { description: 'No such problem or incident' },
      409: { description: 'Problem closed, or incident linked to another problem' },
    },
    handler: async ({ params, body, user }) => {
      const r = await s.links.link(params.number, body.incident, actorOf(user));
      return { status: r.created ? 201 : 200, body: linkedDto(r.incident) };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/problems/:number/incidents',
    summary: 'The incidents linked to the problem, with their current state',
    tags,
    roles: READ,
    params: NumberParams,
    query: z.object({ open: z.boolean().optional().describe('only incidents still open') }),
    responses: { 200: { description: 'Linked incidents', schema: z.object({ items: z.array(LinkedIncidentDto) }) }, 404: { description: 'No such problem' } },
    handler: async ({ params, query }) => ({ status: 200, body: { items: (await s.links.linked(params.number, query.open ?? false)).map(linkedDto) } }),
  });

  api.route({
    method: 'delete',
    path: '/api/v1/problems/:number/incidents/:incident',
    summary: 'Unlink an incident from the problem',
    tags,
    roles: MANAGE,
    params: IncidentParams,
    responses: { 204: { description: 'Unlinked' }, 404: { description: 'No such problem or link' }, 409: { description: 'Problem closed' } },
    handler: async ({ params, user }) => {
      await s.links.unlink(params.number, params.incident, actorOf(user));
      return { status: 204 };
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/problems/:number/comments',
    summary: 'Add a work note (default) or a comment',
    description: 'Appended without a precondition: never blocked by someone else’s field change.',
    tags,
    roles: NOTE,
    params: NumberParams,
    body: CommentBody,
    responses: { 201: { description: 'Stored', schema: CommentDto }, 404: { description: 'No such problem' } },
    handler: async ({ params, body, user }) => ({ status: 201, body: commentDto(await s.problems.addComment(params.number, body, actorOf(user))) }),
  });

  api.route({
    method: 'get',
    path: '/api/v1/problems/:number/comments',
    summary: 'Comments and work notes, oldest first',
    tags,
    roles: READ,
    params: NumberParams,
    query: paginationQuery.extend({ visibility: z.enum(['work_note', 'comment']).optional() }),
    responses: { 200: { description: 'One page', schema: pageOf(CommentDto, 'ProblemCommentPage') }, 404: { description: 'No such problem' } },
    handler: async ({ params, query }) => {
      const page = await s.problems.comments(params.number, query);
      return { status: 200, body: { items: page.items.map(commentDto), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/problems/:number/history',
    summary: 'Audit history: who changed which field from what to what, when',
    tags,
    roles: READ,
    params: NumberParams,
    query: paginationQuery,
    responses: { 200: { description: 'One page', schema: pageOf(HistoryDto, 'ProblemHistoryPage') }, 404: { description: 'No such problem' } },
    handler: async ({ params, query }) => {
      const page = await s.problems.history(params.number, query);
      return { status: 200, body: { items: page.items.map(historyDto), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/problems/import',
    summary: 'Import historical problems (idempotent by source and source number)',
    tags: ['Import'],
    roles: IMPORT,
    body: ImportBody,
    bodyLimit: '10mb',
    responses: { 200: { description: 'What was created and what was already there', schema: ImportResultDto } },
    handler: async ({ body, user }) => ({ status: 200, body: await s.imports.import(body.records, actorOf(user)) }),
  });
}
