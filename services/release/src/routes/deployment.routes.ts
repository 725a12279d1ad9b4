import { etag, requireIfMatch, z, type HttpApi } from '@itsm/http';
import type { Services } from '../service/services';
import { CALLBACK, MANAGE, READ, actorOf } from './roles';
import { UPDATE_ERRORS } from './release.routes';
import {
  AbortBody,
  ApproveBody,
  CallbackBody,
  ConfirmBody,
  DeploymentDto,
  NumberParams,
  PauseBody,
  ProgressDto,
  RejectBody,
  ReleaseCallbackBody,
  ReleaseDto,
  StageParams,
  toDto,
} from './schemas';

const tags = ['Deployments'];
const Accepted = z.object({ accepted: z.literal(true), releaseNumber: z.string() }).openapi('CommandAccepted');
const COMMAND_ERRORS = {
  403: { description: 'Not allowed to decide this gate (role or approver list)' },
  404: { description: 'No such release' },
  409: { description: 'The release does not deploy, or the deployment does not wait for this (NOT_AWAITING_GATE, NOT_AWAITING_CONFIRMATION, DEPLOYMENT_CLOSED)' },
  422: { description: 'Unknown stage or invalid input' },
};

/** The deployment: start it, watch it, and give it what it waits for. */
export function deploymentRoutes(api: HttpApi, s: Services): void {
  const d = s.deployments;

  api.route({
    method: 'post',
    path: '/api/v1/releases/:number/deploy',
    summary: 'Start the deployment workflow of a scheduled release (If-Match; idempotent)',
    description:
      'scheduled → deploying and the start of the workflow `release-deployment:<number>`. It waits for the window, then runs the stages in order. ' +
      'Asking again once the release deploys (or is over) answers 200 with the release, nothing started.',
    tags,
    roles: MANAGE,
    params: NumberParams,
    responses: { 202: { description: 'Deployment started', schema: ReleaseDto }, 200: { description: 'Already started', schema: ReleaseDto }, ...UPDATE_ERRORS },
    handler: async ({ params, user, req }) => {
      const expected = requireIfMatch(req);
      const origin = `${req.protocol}://${req.get('host')}`;
      const r = await d.deploy(params.number, expected, actorOf(user), origin);
      return {
        status: r.alreadyStarted ? 200 : 202,
        body: toDto(r.release, d.workflowUrl(r.release.workflowId)),
        headers: { ETag: etag(r.release.recordVersion), Location: `/api/v1/releases/${r.release.number}/deployment` },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/releases/:number/deployment',
    summary: 'Deployment progress (the workflow’s query: stage, step, what it waits for, until when) and the Temporal UI link',
    tags,
    roles: READ,
    params: NumberParams,
    responses: { 200: { description: 'Progress', schema: DeploymentDto }, 404: { description: 'No such release' } },
    handler: async ({ params }) => ({ status: 200, body: await d.view(params.number) }),
  });

  api.route({
    method: 'post',
    path: '/api/v1/releases/:number/stages/:stage/gate/approve',
    summary: 'Approve the gate the deployment waits at (workflow update)',
    tags,
    roles: MANAGE,
    params: StageParams,
    body: ApproveBody,
    responses: { 200: { description: 'Approved: the progress after it', schema: ProgressDto }, ...COMMAND_ERRORS },
    handler: async ({ params, body, user }) => ({ status: 200, body: await d.approveGate(params.number, params.stage, user, body.comment) }),
  });

  api.route({
    method: 'post',
    path: '/api/v1/releases/:number/stages/:stage/gate/reject',
    summary: 'Reject the gate: the stage fails and what was deployed is rolled back (workflow update)',
    tags,
    roles: MANAGE,
    params: StageParams,
    body: RejectBody,
    responses: { 200: { description: 'Rejected: the progress after it', schema: ProgressDto }, ...COMMAND_ERRORS },
    handler: async ({ params, body, user }) => ({ status: 200, body: await d.rejectGate(params.number, params.stage, user, body.reason) }),
  });

  api.route({
    method: 'post',
    path: '/api/v1/releases/:number/stages/:stage/confirm',
    summary: 'Confirm (or report as failed) the manual deploy step of a stage (workflow update)',
    tags,
    roles: MANAGE,
    params: StageParams,
    body: ConfirmBody,
    responses: { 200: { description: 'Confirmed: the progress after it', schema: ProgressDto }, ...COMMAND_ERRORS },
    handler: async ({ params, body, user }) => ({ status: 200, body: await d.confirmManualStep(params.number, params.stage, user, body.outcome, body.detail) }),
  });

  const callbackDescription =
    'Called by the CD system after a webhook deploy. Authentication: a bearer token of the CD system’s service account with the role release_manager ' +
    '(see the README). The webhook body tells the CD system `callback.url` (this release’s /callback) and `callback.stage`. ' +
    'A callback the workflow does not wait for (late, repeated, other stage) is accepted and kept in the deployment history as ignored.';

  api.route({
    method: 'post',
    path: '/api/v1/releases/:number/stages/:stage/callback',
    summary: 'CD system callback: the outcome of a stage’s webhook deploy',
    description: callbackDescription,
    tags,
    roles: CALLBACK,
    params: StageParams,
    body: CallbackBody,
    responses: { 202: { description: 'Forwarded to the deployment', schema: Accepted }, ...COMMAND_ERRORS },
    handler: async ({ params, body, user }) => {
      await d.callback(params.number, params.stage, body.outcome, body.detail, user);
      return { status: 202, body: { accepted: true, releaseNumber: params.number } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/releases/:number/callback',
    summary: 'CD system callback with the stage in the body (the `callback.url` sent with every webhook deploy)',
    description: callbackDescription,
    tags,
    roles: CALLBACK,
    params: NumberParams,
    body: ReleaseCallbackBody,
    responses: { 202: { description: 'Forwarded to the deployment', schema: Accepted }, ...COMMAND_ERRORS },
    handler: async ({ params, body, user }) => {
      await d.callback(params.number, body.stage, body.outcome, body.detail, user);
      return { status: 202, body: { accepted: true, releaseNumber: params.number } };
    },
  });

  for (const [action, summary] of [
    ['pause', 'Hold the deployment at the next step boundary'],
    ['resume', 'Resume a paused deployment'],
    ['abort', 'Abort the deployment: any wait ends and what was deployed is rolled back'],
  ] as const) {
    api.route({
      method: 'post',
      path: `/api/v1/releases/:number/${action}`,
      summary,
      tags,
      roles: MANAGE,
      params: NumberParams,
      body: action === 'abort' ? AbortBody : PauseBody,
      responses: { 202: { description: 'Sent to the deployment', schema: Accepted }, ...COMMAND_ERRORS },
      handler: async ({ params, body, user }) => {
        const reason = (body as { reason?: string }).reason;
        if (action === 'pause') await d.pause(params.number, user, reason);
        else if (action === 'resume') await d.resume(params.number, user);
        else await d.abort(params.number, user, reason!);
        return { status: 202, body: { accepted: true, releaseNumber: params.number } };
      },
    });
  }
}
