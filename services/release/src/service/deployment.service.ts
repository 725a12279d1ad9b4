import { AppError, ConflictError, NotFoundError } from '@itsm/core';
import { assertVersion, ROLES, type AuthUser } from '@itsm/http';
import { workflowUiUrl } from '@itsm/temporal';
import {
  abortDeployment,
  approveGate,
  confirmManualStep,
  DeploymentCommandRejectedError,
  DeploymentNotFoundError,
  getProgress,
  InvalidDeploymentInputError,
  pauseDeployment,
  rejectGate,
  resumeDeployment,
  sendDeployCallback,
  startReleaseDeployment,
  workflowIdFor,
  type DeploymentClientOptions,
  type DeploymentProgress,
  type ReleaseDeploymentInput,
  type StepOutcome,
} from '@itsm/wf-release-deployment';
import type { Client } from '@temporalio/client';
import { resolveChanges } from '../domain/changes';
import { requestDeployment } from '../domain/release';
import type { Actor, Release } from '../domain/types';
import { findChanges } from '../repository/change-copy.repository';
import { findRelease } from '../repository/release.repository';
import type { ReleaseService } from './release.service';
import { commitDecision, type ServiceDeps } from './write-path';

export interface DeploymentDeps extends ServiceDeps {
  temporal: Client;
  /** the platform instance's workflow id prefix ('' in production) */
  workflowIdPrefix: string;
  /** the (instance-prefixed) task queue of this service's worker */
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
  /** base URL the CD system calls back (RELEASE_PUBLIC_URL); when absent, the deploy request's own origin */
  publicUrl?: string;
}

export interface DeployResult {
  release: Release;
  alreadyStarted: boolean;
}

export interface DeploymentView {
  releaseNumber: string;
  state: Release['state'];
  workflowId: string | null;
  workflowUrl: string | null;
  progress: DeploymentProgress | null;
}

/** Starts deployments and forwards gate decisions, CD callbacks, manual confirmations, pause, resume and abort. */
export class DeploymentService {
  private readonly options: DeploymentClientOptions;

  constructor(
    private readonly deps: DeploymentDeps,
    private readonly releases: ReleaseService,
  ) {
    this.options = { workflowIdPrefix: deps.workflowIdPrefix };
  }

  workflowIdOf(number: string): string {
    return `${this.deps.workflowIdPrefix}${workflowIdFor(number)}`;
  }

  workflowUrl(workflowId: string | null): string | null {
    return workflowId ? workflowUiUrl(this.deps.temporalUiUrl, this.deps.namespace, workflowId) : null;
  }

  /**
   * scheduled → deploying and the workflow start, in one transaction (a
   * failed start leaves the release scheduled). Asking again once it
   * deploys (or is over) answers with the release, nothing started.
   */
  async deploy(number: string, expectedVersion: number, actor: Actor, origin: string): Promise<DeployResult> {
    return this.deps.knex.transaction(async (trx) => {
      const r = await this.releases.lock(trx, number);
      if (r.workflowId && r.state !== 'scheduled') return { release: r, alreadyStarted: true };
      assertVersion(r.recordVersion, expectedVersion);
      const ids = r.changes.map((c) => c.id);
      resolveChanges(ids, await findChanges(trx, ids));
      const workflowId = this.workflowIdOf(r.number);
      const next = await commitDecision(trx, this.deps, r, requestDeployment(r, workflowId, actor), 'deployment_requested', { actor });
      try {
        await startReleaseDeployment(this.deps.temporal, this.inputOf(next, actor, origin), { ...this.options, taskQueue: this.deps.taskQueue });
      } catch (err) {
        if (err instanceof InvalidDeploymentInputError) {
          throw new AppError(422, 'VALIDATION_FAILED', err.message, { errors: err.issues.map((i) => ({ field: i.path, message: i.message })) });
        }
        throw err;
      }
      return { release: next, alreadyStarted: false };
    });
  }

  inputOf(r: Release, actor: Actor, origin: string): ReleaseDeploymentInput {
    const base = (this.deps.publicUrl ?? origin).replace(/\/$/, '');
    return {
      releaseId: r.id,
      releaseNumber: r.number,
      name: r.name,
      version: r.version,
      changes: r.changes,
      window: {
        start: (r.windowStart ?? this.deps.clock.now()).toISOString(),
        ...(r.windowEnd ? { end: r.windowEnd.toISOString() } : {}),
      },
      stages: r.stages.map(({ status: _s, startedAt: _a, completedAt: _c, gateApprovedBy: _g, rolledBackAt: _r, ...def }) => def),
      callbackUrl: `${base}/api/v1/releases/${r.number}/callback`,
      requestedBy: actor.id,
    };
  }

  async view(number: string): Promise<DeploymentView> {
    const r = await this.releases.get(number);
    let progress: DeploymentProgress | null = null;
    if (r.workflowId) {
      progress = await this.run(r, () => getProgress(this.deps.temporal, r.number, this.options)).catch((err: unknown) => {
        this.deps.logger.warn({ err, release: r.number }, 'deployment progress unavailable');
        return null;
      });
    }
    return { releaseNumber: r.number, state: r.state, workflowId: r.workflowId, workflowUrl: this.workflowUrl(r.workflowId), progress };
  }

  approveGate(number: string, stage: string, user: AuthUser, comment?: string): Promise<DeploymentProgress> {
    return this.command(number, (n) => approveGate(this.deps.temporal, n, { stage, approver: user.id, roles: rolesOf(user), comment }, this.options));
  }

  rejectGate(number: string, stage: string, user: AuthUser, reason: string): Promise<DeploymentProgress> {
    return this.command(number, (n) => rejectGate(this.deps.temporal, n, { stage, by: user.id, roles: rolesOf(user), reason }, this.options));
  }

  confirmManualStep(number: string, stage: string, user: AuthUser, outcome: StepOutcome, detail?: string): Promise<DeploymentProgress> {
    return this.command(number, (n) => confirmManualStep(this.deps.temporal, n, { stage, outcome, by: user.id, detail }, this.options));
  }

  /** The CD system's report on a webhook deploy; the stage must be one of the release's webhook stages. */
  async callback(number: string, stage: string, outcome: StepOutcome, detail: string | undefined, user: AuthUser): Promise<void> {
    const r = await this.releases.get(number);
    const def = r.stages.find((s) => s.name === stage);
    if (!def) throw new AppError(422, 'UNKNOWN_STAGE', `Release ${r.number} has no stage ${stage}`, { errors: [{ field: 'stage', message: 'is not a stage of the release' }] });
    if (def.deploy.kind !== 'webhook') throw new ConflictError(`Stage ${stage} of ${r.number} is deployed by hand: confirm it instead`, 'NOT_A_WEBHOOK_STAGE');
    const by = user.id;
    await this.command(number, (n) => sendDeployCallback(this.deps.temporal, n, { stage, outcome, detail: detail ? `${detail} (reported by ${by})` : `reported by ${by}` }, this.options));
  }

  pause(number: string, user: AuthUser, reason?: string): Promise<void> {
    return this.command(number, (n) => pauseDeployment(this.deps.temporal, n, { by: user.id, reason }, this.options));
  }

  resume(number: string, user: AuthUser): Promise<void> {
    return this.command(number, (n) => resumeDeployment(this.deps.temporal, n, { by: user.id }, this.options));
  }

  abort(number: string, user: AuthUser, reason: string): Promise<void> {
    return this.command(number, (n) => abortDeployment(this.deps.temporal, n, { by: user.id, reason }, this.options));
  }

  /** Runs a workflow command for a release that deploys: 404 unknown release, 409 not deploying, the workflow's refusals mapped. */
  private async command<T>(number: string, fn: (releaseNumber: string) => Promise<T>): Promise<T> {
    const r = await findRelease(this.deps.knex, number);
    if (!r) throw new NotFoundError('Release', number);
    if (!r.workflowId) throw new ConflictError(`Release ${r.number} is ${r.state}: it has no deployment`, 'NOT_DEPLOYING', { state: r.state });
    // Once the release is recorded failed or over, the workflow only rolls back or finishes: nothing it would take.
    if (r.state !== 'deploying') throw new ConflictError(`The deployment of ${r.number} is over (${r.state})`, 'DEPLOYMENT_CLOSED', { state: r.state });
    return this.run(r, () => fn(r.number));
  }

  private async run<T>(r: Release, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DeploymentCommandRejectedError) throw new AppError(err.httpStatus, err.code, err.message, { state: r.state });
      if (err instanceof DeploymentNotFoundError) throw new ConflictError(`Release ${r.number} has no running deployment`, 'NOT_DEPLOYING', { state: r.state });
      throw err;
    }
  }
}

/** The caller's roles as the workflow checks them against a gate (an admin holds every role). */
function rolesOf(user: AuthUser): string[] {
  return user.roles.includes('admin') ? [...ROLES] : [...user.roles];
}
