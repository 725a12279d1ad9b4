import { ForbiddenError } from '@itsm/core';
import { etag, paginationQuery, parseIfMatch, z, type HttpApi } from '@itsm/http';
import type { Change, State } from '../domain/types';
import type { Services } from '../service/services';
import { CREATE, MANAGE, READ, STAFF, VOTE, actorOf, isManager, viewerOf } from './roles';
import { UPDATE_ERRORS } from './change.routes';
import {
  ChangeDto,
  CommentBody,
  CommentDto,
  ConflictDto,
  HistoryDto,
  NumberParams,
  RoundDto,
  TallyDto,
  TransitionBody,
  VoteBody,
  commentDto,
  historyDto,
  pageOf,
  roundDto,
  toDto,
} from './schemas';

const tags = ['Changes'];

const ACTIONS: Array<{ path: string; state: State; summary: string; roles: typeof MANAGE }> = [
  { path: 'submit', state: 'assess', summary: 'Submit the RfC for assessment and approval (starts the approval workflow); again later: request a new approval round', roles: CREATE },
  { path: 'schedule', state: 'scheduled', summary: 'Schedule the approved change (409 listing conflicts; emergency changes are scheduled with them, flagged)', roles: MANAGE },
  { path: 'start', state: 'implement', summary: 'Start the implementation (needs the approval of the current revision)', roles: MANAGE },
  { path: 'complete', state: 'review', summary: 'Record the implementation outcome (successful, successful_with_issues, failed, backed_out)', roles: MANAGE },
  { path: 'close', state: 'closed', summary: 'Close with the post-implementation review (pir)', roles: MANAGE },
  { path: 'cancel', state: 'cancelled', summary: 'Cancel the change (ends its approval workflow)', roles: CREATE },
];

/** Lifecycle actions, votes, approval rounds, conflicts, comments and history of one change. */
export function actionRoutes(api: HttpApi, s: Services): void {
  const present = (c: Change) => toDto(c, { workflowId: s.approvals.workflowId(c.number), workflowUiUrl: s.approvals.uiUrl(c.number) });

  for (const a of ACTIONS) {
    api.route({
      method: 'post',
      path: `/api/v1/changes/:number/${a.path}`,
      summary: a.summary,
      description: 'If-Match is optional here: when sent, a stale version gives 412. Illegal transitions give 409 naming them; the record is unchanged.',
      tags,
      roles: a.roles,
      params: NumberParams,
      body: TransitionBody,
      responses: { 200: { description: 'Done', schema: ChangeDto }, ...UPDATE_ERRORS },
      handler: async ({ params, body, user, req }) => {
        if (!isManager(user)) {
          const c = await s.changes.get(params.number);
          if (c.requestedBy !== user.id) throw new ForbiddenError('Agents submit and cancel only the RfCs they raised');
        }
        const c = await s.changes.transition(params.number, { state: a.state, ...body }, actorOf(user), parseIfMatch(req.headers['if-match']));
        return { status: 200, body: present(c), headers: { ETag: etag(c.version) } };
      },
    });
  }

  api.route({
    method: 'post',
    path: '/api/v1/changes/:number/votes',
    summary: 'Cast a vote (CAB member or change manager of the open round); the answer is the new tally',
    description:
      'The approval workflow checks that the voter is an approver of the open round, has not voted and saw the current revision. ' +
      '403 not an approver; 409 already voted (another decision), stale revision, voting closed or no open round; 503 when the approval does not answer in time. ' +
      'The same vote sent again (a retry) answers 200 with the tally and Idempotent-Replayed: true.',
    tags: ['Approval'],
    roles: VOTE,
    params: NumberParams,
    body: VoteBody,
    responses: {
      201: { description: 'Recorded; the round’s tally', schema: TallyDto },
      200: { description: 'The same vote again (a retry): the round’s tally', schema: TallyDto, headers: { 'Idempotent-Replayed': 'true' } },
      403: { description: 'Not an approver of the open round' },
      404: { description: 'No such change or approval' },
      409: { description: 'Already voted, stale revision, voting closed, no open round' },
      503: { description: 'The approval did not answer in time; vote again' },
    },
    handler: async ({ params, body, user }) => {
      const { replayed, ...tally } = await s.approvals.vote(params.number, viewerOf(user), body);
      return replayed ? { status: 200, body: tally, headers: { 'Idempotent-Replayed': 'true' } } : { status: 201, body: tally };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/changes/:number/approvals',
    summary: 'Voting rounds and votes, each bound to the revision it voted on',
    tags: ['Approval'],
    roles: STAFF,
    params: NumberParams,
    responses: { 200: { description: 'Rounds, oldest first', schema: z.object({ number: z.string(), revision: z.number(), approvalStatus: z.string(), rounds: z.array(RoundDto) }) } },
    handler: async ({ params, user }) => {
      const r = await s.approvals.rounds(params.number, viewerOf(user));
      return { status: 200, body: { number: r.change.number, revision: r.change.revision, approvalStatus: r.change.approvalStatus, rounds: r.rounds.map(roundDto) } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/changes/:number/conflicts',
    summary: 'Conflicts of the planned window: overlapping changes on the same CIs, maintenance windows, freezes',
    tags: ['Schedule'],
    roles: STAFF,
    params: NumberParams,
    responses: { 200: { description: 'Conflicts (empty: none)', schema: z.object({ conflicts: z.array(ConflictDto) }) } },
    handler: async ({ params }) => ({ status: 200, body: { conflicts: await s.schedules.check(await s.changes.get(params.number)) } }),
  });

  api.route({
    method: 'post',
    path: '/api/v1/changes/:number/comments',
    summary: 'Add a work note (staff, default) or a comment (requesters on their own RfCs)',
    description: 'Appended without a precondition: never blocked by someone else’s field change. Work notes are not material: the revision stays.',
    tags,
    roles: READ,
    params: NumberParams,
    body: CommentBody,
    responses: { 201: { description: 'Stored', schema: CommentDto }, 404: { description: 'No such change (or not yours)' } },
    handler: async ({ params, body, user }) => {
      const viewer = viewerOf(user);
      const input = viewer.staff ? body : { ...body, visibility: 'comment' as const };
      return { status: 201, body: commentDto(await s.changes.addComment(params.number, input, viewer)) };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/changes/:number/comments',
    summary: 'Comments and work notes, oldest first (requesters see comments only)',
    tags,
    roles: READ,
    params: NumberParams,
    query: paginationQuery.extend({ visibility: z.enum(['work_note', 'comment']).optional() }),
    responses: { 200: { description: 'One page', schema: pageOf(CommentDto, 'ChangeCommentPage') }, 404: { description: 'No such change' } },
    handler: async ({ params, query, user }) => {
      const page = await s.changes.comments(params.number, query, viewerOf(user));
      return { status: 200, body: { items: page.items.map(commentDto), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/changes/:number/history',
    summary: 'Audit history: who changed which field from what to what, when, in which revision',
    tags,
    roles: STAFF,
    params: NumberParams,
    query: paginationQuery,
    responses: { 200: { description: 'One page', schema: pageOf(HistoryDto, 'ChangeHistoryPage') }, 404: { description: 'No such change' } },
    handler: async ({ params, query }) => {
      const page = await s.changes.history(params.number, query);
      return { status: 200, body: { items: page.items.map(historyDto), nextCursor: page.nextCursor } };
    },
  });
}
