import { isAppError } from '@itsm/core';
import { ApplicationFailure } from '@temporalio/common';
import {
  createHttpStepActivities,
  type DeploymentEvent,
  type HttpStepOptions,
  type ReleaseDeploymentActivities,
  type RollbackStageInput,
} from '@itsm/wf-release-deployment';
import { applyDeploymentEvent } from '../domain/deployment';
import { SYSTEM_ACTOR, type Actor } from '../domain/types';
import { recordHistory } from '../repository/audit.repository';
import { findRelease } from '../repository/release.repository';
import { commitDecision, type ServiceDeps } from './write-path';

/** Who the event names (`by`): the approver, the requester, the operator who aborted. */
function actorOf(e: DeploymentEvent): Actor | null {
  switch (e.type) {
    case 'deployment_started':
      return e.requestedBy ? { id: e.requestedBy } : null;
    case 'gate_approved':
      return { id: e.approver };
    case 'failed':
      return e.failure.by ? { id: e.failure.by } : null;
    default:
      return null;
  }
}

const RETRYABLE_4XX = new Set([408, 425, 429]);

/**
 * The activities the release deployment workflow needs from this service:
 * recording its events (release state + history + outbox row in one
 * transaction, once per event id) and rolling a stage back (once per
 * idempotency key), next to the package's generic HTTP deploy steps.
 */
export function createActivities(deps: ServiceDeps, http: HttpStepOptions = {}): ReleaseDeploymentActivities {
  const doFetch = http.fetch ?? fetch;

  async function recordDeploymentEvent(e: DeploymentEvent): Promise<void> {
    await deps.knex.transaction(async (trx) => {
      const release = await findRelease(trx, e.releaseId, true);
      if (!release) throw ApplicationFailure.nonRetryable(`release ${e.releaseNumber} (${e.releaseId}) does not exist`, 'RELEASE_NOT_FOUND');
      const claimed = await trx('deployment_event')
        .insert({
          event_id: e.eventId,
          release_id: release.id,
          type: e.type,
          stage: 'stage' in e ? e.stage : null,
          occurred_at: new Date(e.occurredAt),
          payload: JSON.stringify(e),
          outcome: 'applied',
          recorded_at: deps.clock.now(),
        })
        .onConflict('event_id')
        .ignore()
        .returning('event_id');
      if (claimed.length === 0) return; // recorded before (activity retry, workflow reset)
      let d;
      try {
        d = applyDeploymentEvent(release, e);
      } catch (err) {
        // The record cannot take the event (e.g. a release cancelled by hand meanwhile): keep it as ignored, in the history.
        if (!isAppError(err)) throw err;
        deps.logger.warn({ err, release: release.number, event: e.type }, 'deployment event not applicable to the release');
        await trx('deployment_event').where({ event_id: e.eventId }).update({ outcome: 'ignored' });
        await recordHistory(trx, release, SYSTEM_ACTOR, deps.clock.now(), `ignored_${e.type}`, [{ field: 'state', from: release.state, to: release.state }]);
        return;
      }
      await commitDecision(trx, deps, release, d, e.type, {
        actor: SYSTEM_ACTOR,
        by: actorOf(e),
        occurredAt: e.occurredAt,
        correlationId: e.workflowId,
      });
    });
  }

  /** Webhook stages: POST `action: 'rollback'` to the CD system; manual stages: recorded for the engineers (the failure says what to undo). */
  async function rollbackStage(input: RollbackStageInput): Promise<void> {
    const done = await deps.knex('stage_rollback').where({ idempotency_key: input.idempotencyKey }).first();
    if (done) return;
    const stage = input.stage;
    let detail: string;
    if (stage.deploy.kind === 'webhook') {
      detail = await postRollback(stage.deploy.url, input);
    } else {
      detail = 'manual stage: the engineers roll it back by hand';
    }
    await deps.knex.transaction(async (trx) => {
      const release = await findRelease(trx, input.release.releaseId, true);
      if (!release) throw ApplicationFailure.nonRetryable(`release ${input.release.releaseNumber} does not exist`, 'RELEASE_NOT_FOUND');
      const inserted = await trx('stage_rollback')
        .insert({ idempotency_key: input.idempotencyKey, release_id: release.id, stage: stage.name, method: stage.deploy.kind, detail, done_at: deps.clock.now() })
        .onConflict('idempotency_key')
        .ignore()
        .returning('idempotency_key');
      if (inserted.length) {
        await recordHistory(trx, release, SYSTEM_ACTOR, deps.clock.now(), 'stage_rolled_back', [{ field: `stages.${stage.name}.rollback`, from: null, to: detail }]);
      }
    });
  }

  async function postRollback(url: string, input: RollbackStageInput): Promise<string> {
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': input.idempotencyKey, ...http.webhookHeaders },
        body: JSON.stringify({ action: 'rollback', release: input.release, stage: input.stage.name, reason: input.failure, idempotencyKey: input.idempotencyKey }),
        signal: AbortSignal.timeout(http.requestTimeoutMs ?? 10_000),
      });
    } catch (err) {
      throw ApplicationFailure.retryable(`CD webhook ${url} unreachable for the rollback of ${input.stage.name}: ${(err as Error).message}`, 'WebhookUnreachable');
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return `rollback accepted by the CD system (HTTP ${res.status})`;
    const message = `CD webhook ${url} answered ${res.status} to the rollback of ${input.stage.name}${text ? `: ${text.slice(0, 300)}` : ''}`;
    if (res.status < 500 && !RETRYABLE_4XX.has(res.status)) throw ApplicationFailure.nonRetryable(message, 'WebhookRejected');
    throw ApplicationFailure.retryable(message, 'WebhookUnavailable');
  }

  return { recordDeploymentEvent, rollbackStage, ...createHttpStepActivities(http) };
}
