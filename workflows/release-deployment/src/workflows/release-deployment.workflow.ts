/**
 * Release deployment: wait for the deployment window, run the stages in order
 * (gate → deploy → verify), and on failure or abort roll back what was
 * deployed in reverse order (saga).
 *
 * Human and CD-system input arrives as updates (gate decisions, manual
 * confirmations: the caller needs an answer) and signals (CD callbacks,
 * pause, resume, abort). Pause holds the run at the next step boundary;
 * abort ends any wait at once and rolls back.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeploymentEvent, ReleaseDeploymentActivities, ReleaseRef, VerifyHealthResult } from '../activities';
import {
  abortSignal,
  approveGateUpdate,
  confirmManualStepUpdate,
  deployCallbackSignal,
  pauseSignal,
  progressQuery,
  RECORD_TYPE,
  rejectGateUpdate,
  resumeSignal,
  searchAttributes as sa,
  type AbortInput,
  type ApproveGateInput,
  type ConfirmManualStepInput,
  type DeployCallbackInput,
  type DeploymentFailure,
  type DeploymentProgress,
  type DeploymentState,
  type DeploymentStep,
  type FailureCode,
  type GateDefinition,
  type PauseInput,
  type HistoryEntry,
  type RejectGateInput,
  type RejectionCode,
  type ReleaseDeploymentInput,
  type ReleaseDeploymentResult,
  type ResumeInput,
  type RollbackFailure,
  type StageDefinition,
  type WaitingFor,
} from '../definitions';
import { durationMs, validateDeploymentInput } from '../validation';

const HISTORY_LIMIT = 500;

/** Recording must not be lost: retry without limit (a stuck recording shows as a retrying activity). */
const { recordDeploymentEvent } = proxyActivities<Pick<ReleaseDeploymentActivities, 'recordDeploymentEvent'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

interface CallbackWait {
  stage: string;
  received?: DeployCallbackInput;
}

interface ManualWait {
  stage: string;
  confirmation?: ConfirmManualStepInput;
}

/** How a stage ended when it did not complete. */
interface StageStop {
  failure: DeploymentFailure;
  /** Whether the stage's deploy may have changed the environment (then it is rolled back too). */
  deployTriggered: boolean;
}

export async function releaseDeploymentWorkflow(input: ReleaseDeploymentInput): Promise<ReleaseDeploymentResult> {
  // A malformed input fails the run at once instead of failing workflow tasks over and over.
  const issues = validateDeploymentInput(input);
  if (issues.length) {
    throw ApplicationFailure.nonRetryable(
      `invalid release deployment input: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      'INVALID_INPUT',
      issues,
    );
  }
  const { workflowId, runId } = workflowInfo();
  const stageByName: Record<string, StageDefinition> = {};
  for (const s of input.stages) stageByName[s.name] = s;

  // ---- state (plain JSON) -------------------------------------------------
  const progress: DeploymentProgress = {
    releaseNumber: input.releaseNumber,
    state: 'waiting-window',
    currentStep: 'window',
    paused: false,
    completedStages: [],
    rolledBackStages: [],
    history: [],
  };
  /** Stage whose gate is open for a decision, and the decision once made. */
  let gate: { stage: string; decision?: { approved: boolean; by: string; reason?: string; comment?: string } } | undefined;
  /** Stage whose manual deploy awaits confirmation, and the confirmation once given. */
  let manual: ManualWait | undefined;
  /** Stage whose CD callback is accepted (set before the webhook POST, so an early callback is kept). */
  let callback: CallbackWait | undefined;
  let abort: AbortInput | undefined;
  let finishing = false; // rolling back or done: pause/abort no longer apply

  const now = (): number => Date.now();
  const iso = (ms: number = now()): string => new Date(ms).toISOString();

  function note(entry: Omit<HistoryEntry, 'at'>): void {
    progress.history.push({ at: iso(), ...entry });
    if (progress.history.length > HISTORY_LIMIT) progress.history.splice(0, progress.history.length - HISTORY_LIMIT);
  }

  const snapshot = (): DeploymentProgress => JSON.parse(JSON.stringify(progress)) as DeploymentProgress;

  // ---- operator visibility ------------------------------------------------
  let lastVisible = '';
  function publish(): void {
    const waiting = progress.waitingFor;
    const visible = JSON.stringify([progress.state, progress.currentStage, waiting, progress.paused, progress.completedStages, progress.failure]);
    if (visible === lastVisible) return;
    lastVisible = visible;
    upsertSearchAttributes([
      { key: sa.recordId, value: input.releaseNumber },
      { key: sa.recordType, value: RECORD_TYPE },
      { key: sa.state, value: progress.state },
      { key: sa.stage, value: progress.currentStage ?? null },
      { key: sa.waitingFor, value: waiting?.description ?? null },
      { key: sa.dueAt, value: waiting?.until ? new Date(waiting.until) : null },
    ]);
    setCurrentDetails(currentDetails());
  }

  function currentDetails(): string {
    const lines = [`**${input.releaseNumber}** ${input.name} ${input.version}: **${progress.state}**`];
    if (progress.currentStage) {
      const index = input.stages.findIndex((s) => s.name === progress.currentStage);
      lines.push(`Stage: ${progress.currentStage} (${index + 1} of ${input.stages.length}), step: ${progress.currentStep ?? '-'}`);
    }
    if (progress.waitingFor) lines.push(`Waiting for: ${progress.waitingFor.description}`);
    if (progress.paused) lines.push(`Paused by ${progress.pausedBy ?? 'an operator'}; resumes on the resume signal.`);
    lines.push(`Completed: ${progress.completedStages.join(' → ') || 'none'}`);
    if (progress.failure) lines.push(`Failure: ${progress.failure.code}: ${progress.failure.message}`);
    if (progress.rolledBackStages.length) lines.push(`Rolled back: ${progress.rolledBackStages.join(' → ')}`);
    return lines.join('\n\n');
  }

  function enter(state: DeploymentState, step: DeploymentStep | undefined, waitingFor?: WaitingFor): void {
    progress.state = state;
    progress.currentStep = step;
    progress.waitingFor = waitingFor;
    publish();
  }

  // ---- handlers (registered before the first await) ------------------------
  function reject(code: RejectionCode, message: string): never {
    throw ApplicationFailure.create({ type: code, message, nonRetryable: true });
  }

  function checkStage(stage: unknown): StageDefinition {
    if (typeof stage !== 'string' || !stage) reject('INVALID_INPUT', 'stage is required');
    const def = stageByName[stage];
    if (!def) reject('UNKNOWN_STAGE', `release ${input.releaseNumber} has no stage ${stage}`);
    return def;
  }

  function checkDecider(def: GateDefinition, user: unknown, roles: unknown): void {
    if (typeof user !== 'string' || !user) reject('INVALID_INPUT', 'the deciding user is required');
    if (roles !== undefined && (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string'))) {
      reject('INVALID_INPUT', 'roles must be a list of strings');
    }
    if (def.approvers && !def.approvers.includes(user)) reject('NOT_AN_APPROVER', `${user} is not an approver of this gate`);
    if (def.role && !((roles as string[] | undefined) ?? []).includes(def.role)) {
      reject('NOT_AN_APPROVER', `approving this gate needs the role ${def.role}`);
    }
  }

  function checkGateOpen(stage: string): GateDefinition {
    const def = checkStage(stage);
    if (abort || finishing) reject('NOT_AWAITING_GATE', `the deployment of ${input.releaseNumber} is ${abort ? 'being aborted' : progress.state}`);
    if (!gate || gate.stage !== stage || gate.decision) {
      reject('NOT_AWAITING_GATE', `the deployment is not waiting at the gate of stage ${stage} (state ${progress.state}${progress.currentStage ? `, stage ${progress.currentStage}` : ''})`);
    }
    return def.gate as GateDefinition;
  }

  setHandler(progressQuery, snapshot);

  setHandler(
    approveGateUpdate,
    (cmd: ApproveGateInput) => {
      gate!.decision = { approved: true, by: cmd.approver, comment: cmd.comment };
      return snapshot();
    },
    {
      validator: (cmd: ApproveGateInput) => {
        const def = checkGateOpen(cmd?.stage);
        checkDecider(def, cmd.approver, cmd.roles);
      },
    },
  );

  setHandler(
    rejectGateUpdate,
    (cmd: RejectGateInput) => {
      gate!.decision = { approved: false, by: cmd.by, reason: cmd.reason };
      return snapshot();
    },
    {
      validator: (cmd: RejectGateInput) => {
        const def = checkGateOpen(cmd?.stage);
        checkDecider(def, cmd.by, cmd.roles);
        if (typeof cmd.reason !== 'string' || !cmd.reason.trim()) reject('INVALID_INPUT', 'a reason is required');
      },
    },
  );

  setHandler(
    confirmManualStepUpdate,
    (cmd: ConfirmManualStepInput) => {
      manual!.confirmation = { stage: cmd.stage, outcome: cmd.outcome, by: cmd.by, detail: cmd.detail };
      return snapshot();
    },
    {
      validator: (cmd: ConfirmManualStepInput) => {
        checkStage(cmd?.stage);
        if (cmd.outcome !== 'succeeded' && cmd.outcome !== 'failed') reject('INVALID_INPUT', "outcome must be 'succeeded' or 'failed'");
        if (typeof cmd.by !== 'string' || !cmd.by) reject('INVALID_INPUT', 'by is required');
        if (abort || finishing || !manual || manual.stage !== cmd.stage || manual.confirmation) {
          reject('NOT_AWAITING_CONFIRMATION', `the deployment is not waiting for a manual confirmation of stage ${cmd.stage}`);
        }
      },
    },
  );

  setHandler(deployCallbackSignal, (cb: DeployCallbackInput) => {
    const valid = cb && typeof cb.stage === 'string' && (cb.outcome === 'succeeded' || cb.outcome === 'failed');
    if (valid && callback && callback.stage === cb.stage && !callback.received && !abort && !finishing) {
      callback.received = { stage: cb.stage, outcome: cb.outcome, detail: cb.detail };
      note({ type: 'deploy_callback', stage: cb.stage, detail: cb.detail ? `${cb.outcome}: ${cb.detail}` : cb.outcome });
    } else {
      note({ type: 'deploy_callback_ignored', stage: valid ? cb.stage : undefined, detail: valid ? `${cb.outcome}: not awaited` : 'malformed callback' });
    }
  });

  setHandler(pauseSignal, (cmd: PauseInput) => {
    if (finishing || progress.paused) return;
    progress.paused = true;
    progress.pausedBy = cmd?.by;
    note({ type: 'paused', by: cmd?.by, detail: cmd?.reason });
    publish();
  });

  setHandler(resumeSignal, (cmd: ResumeInput) => {
    if (!progress.paused) return;
    progress.paused = false;
    progress.pausedBy = undefined;
    note({ type: 'resumed', by: cmd?.by });
    publish();
  });

  setHandler(abortSignal, (cmd: AbortInput) => {
    if (finishing || abort) return;
    abort = { reason: cmd?.reason ?? 'no reason given', by: cmd?.by ?? 'unknown' };
    note({ type: 'abort_requested', by: abort.by, detail: abort.reason });
  });

  // ---- helpers ------------------------------------------------------------
  const release: ReleaseRef = {
    releaseId: input.releaseId,
    releaseNumber: input.releaseNumber,
    name: input.name,
    version: input.version,
    changes: input.changes,
  };

  type EventPayload = DistributiveOmit<DeploymentEvent, 'eventId' | 'releaseId' | 'releaseNumber' | 'occurredAt' | 'workflowId' | 'runId'>;

  async function record(event: EventPayload): Promise<void> {
    const stage = 'stage' in event ? `:${event.stage}` : '';
    await recordDeploymentEvent({
      ...event,
      eventId: `${workflowId}:${event.type}${stage}`,
      releaseId: input.releaseId,
      releaseNumber: input.releaseNumber,
      occurredAt: iso(),
      workflowId,
      runId,
    } as DeploymentEvent);
  }

  const abortFailure = (stage?: string): DeploymentFailure => ({
    code: 'ABORTED',
    message: `aborted by ${abort!.by}: ${abort!.reason}`,
    stage,
    by: abort!.by,
  });

  const failure = (code: FailureCode, message: string, stage?: string, by?: string): DeploymentFailure => ({ code, message, stage, by });

  /** Step boundary: holds while paused; false when the deployment was aborted. */
  async function boundary(): Promise<boolean> {
    if (abort) return false;
    if (progress.paused) {
      const before = { state: progress.state, step: progress.currentStep, waitingFor: progress.waitingFor };
      enter('paused', progress.currentStep, {
        kind: 'resume',
        description: `resume by an operator (paused by ${progress.pausedBy ?? 'an operator'})`,
        stage: progress.currentStage,
      });
      await condition(() => !progress.paused || abort !== undefined);
      enter(before.state, before.step, before.waitingFor);
    }
    return abort === undefined;
  }

  const windowEnd = input.window?.end ? Date.parse(input.window.end) : undefined;

  // ---- steps --------------------------------------------------------------
  async function waitForWindow(): Promise<DeploymentFailure | undefined> {
    const start = Date.parse(input.window.start);
    if (windowEnd !== undefined && now() >= windowEnd) {
      return failure('WINDOW_MISSED', `the deployment window ended at ${human(windowEnd)} before the deployment could start`);
    }
    if (start > now()) {
      enter('waiting-window', 'window', { kind: 'window', description: `deployment window opening ${human(start)}`, until: iso(start) });
      await condition(() => abort !== undefined, start - now(), { summary: `deployment window opens ${human(start)}` });
      if (abort) return abortFailure();
      note({ type: 'window_opened' });
    }
    return undefined;
  }

  async function runGate(stage: StageDefinition, def: GateDefinition): Promise<StageStop | undefined> {
    const timeoutMs = durationMs(def.timeout);
    const until = timeoutMs !== undefined ? now() + timeoutMs : undefined;
    const who = def.approvers ? `one of ${def.approvers.join(', ')}` : def.role ? `a ${def.role.replace(/_/g, ' ')}` : 'an approver';
    gate = { stage: stage.name };
    enter('awaiting-gate', 'gate', {
      kind: 'gate-approval',
      description: `approval of gate ${stage.name} by ${who}${until ? ` until ${human(until)}` : ''}`,
      stage: stage.name,
      until: until !== undefined ? iso(until) : undefined,
    });
    const opened = gate;
    const decided = () => opened.decision !== undefined || abort !== undefined;
    if (timeoutMs !== undefined) await condition(decided, timeoutMs, { summary: `gate ${stage.name} times out` });
    else await condition(decided);
    gate = undefined;
    const decision = opened.decision;
    if (abort && !decision) return { failure: abortFailure(stage.name), deployTriggered: false };
    if (!decision) {
      note({ type: 'gate_timed_out', stage: stage.name });
      return { failure: failure('GATE_TIMEOUT', `gate ${stage.name} was not decided by ${human(until!)}`, stage.name), deployTriggered: false };
    }
    if (!decision.approved) {
      note({ type: 'gate_rejected', stage: stage.name, by: decision.by, detail: decision.reason });
      return {
        failure: failure('GATE_REJECTED', `gate ${stage.name} rejected by ${decision.by}: ${decision.reason ?? ''}`, stage.name, decision.by),
        deployTriggered: false,
      };
    }
    note({ type: 'gate_approved', stage: stage.name, by: decision.by, detail: decision.comment });
    enter('deploying', 'gate');
    await record({ type: 'gate_approved', stage: stage.name, approver: decision.by, comment: decision.comment });
    return undefined;
  }

  async function runWebhookDeploy(stage: StageDefinition, url: string, callbackTimeoutMs: number): Promise<StageStop | undefined> {
    const { triggerWebhookDeploy } = proxyActivities<Pick<ReleaseDeploymentActivities, 'triggerWebhookDeploy'>>({
      startToCloseTimeout: '1 minute',
      retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
      summary: `deploy ${stage.name}: POST to the CD system`,
    });
    const awaiting: CallbackWait = { stage: stage.name };
    callback = awaiting;
    enter('deploying', 'deploy', { kind: 'deploy-callback', description: `CD system to accept the deployment of ${stage.name}`, stage: stage.name });
    try {
      const accepted = await triggerWebhookDeploy({
        url,
        release,
        stage: stage.name,
        callback: { url: input.callbackUrl, workflowId, stage: stage.name, deadline: iso(now() + callbackTimeoutMs) },
        idempotencyKey: `${workflowId}:deploy:${stage.name}`,
      });
      note({ type: 'deploy_triggered', stage: stage.name, detail: accepted.externalId ? `CD deployment ${accepted.externalId}` : `HTTP ${accepted.status}` });
    } catch (err) {
      callback = undefined;
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const refused = cause instanceof ApplicationFailure && cause.nonRetryable;
      const message = `deploy webhook for ${stage.name} failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      // A refused request (4xx) changed nothing; after retries on 5xx or timeouts the CD system may have started.
      return { failure: failure(refused ? 'DEPLOY_REJECTED' : 'DEPLOY_TRIGGER_FAILED', message, stage.name), deployTriggered: !refused };
    }
    const until = now() + callbackTimeoutMs;
    enter('deploying', 'deploy', {
      kind: 'deploy-callback',
      description: `callback from CD for ${stage.name} until ${human(until)}`,
      stage: stage.name,
      until: iso(until),
    });
    await condition(() => awaiting.received !== undefined || abort !== undefined, callbackTimeoutMs, { summary: `CD callback for ${stage.name}` });
    callback = undefined;
    const received = awaiting.received;
    if (!received) {
      if (abort) return { failure: abortFailure(stage.name), deployTriggered: true };
      return { failure: failure('CALLBACK_TIMEOUT', `no callback from the CD system for ${stage.name} by ${human(until)}`, stage.name), deployTriggered: true };
    }
    if (received.outcome === 'failed') {
      return { failure: failure('DEPLOY_FAILED', `the CD system reported a failed deployment of ${stage.name}${received.detail ? `: ${received.detail}` : ''}`, stage.name), deployTriggered: true };
    }
    return undefined;
  }

  async function runManualDeploy(stage: StageDefinition, timeoutMs: number | undefined): Promise<StageStop | undefined> {
    const until = timeoutMs !== undefined ? now() + timeoutMs : undefined;
    const awaiting: ManualWait = { stage: stage.name };
    manual = awaiting;
    enter('deploying', 'deploy', {
      kind: 'manual-confirmation',
      description: `confirmation of the manual deployment of ${stage.name} by an engineer${until ? ` until ${human(until)}` : ''}`,
      stage: stage.name,
      until: until !== undefined ? iso(until) : undefined,
    });
    const done = () => awaiting.confirmation !== undefined || abort !== undefined;
    if (timeoutMs !== undefined) await condition(done, timeoutMs, { summary: `manual deployment of ${stage.name}` });
    else await condition(done);
    manual = undefined;
    const confirmation = awaiting.confirmation;
    // The engineer was asked to deploy: whatever happened, the stage may have changed.
    if (!confirmation) {
      if (abort) return { failure: abortFailure(stage.name), deployTriggered: true };
      return { failure: failure('MANUAL_TIMEOUT', `the manual deployment of ${stage.name} was not confirmed by ${human(until!)}`, stage.name), deployTriggered: true };
    }
    note({ type: 'manual_confirmed', stage: stage.name, by: confirmation.by, detail: confirmation.detail ? `${confirmation.outcome}: ${confirmation.detail}` : confirmation.outcome });
    if (confirmation.outcome === 'failed') {
      return {
        failure: failure('DEPLOY_FAILED', `${confirmation.by} reported a failed manual deployment of ${stage.name}${confirmation.detail ? `: ${confirmation.detail}` : ''}`, stage.name, confirmation.by),
        deployTriggered: true,
      };
    }
    return undefined;
  }

  async function runVerify(stage: StageDefinition): Promise<StageStop | undefined> {
    const verify = stage.verify!;
    const timeoutMs = durationMs(verify.timeout)!;
    const intervalMs = durationMs(verify.interval)!;
    const { verifyHealth } = proxyActivities<Pick<ReleaseDeploymentActivities, 'verifyHealth'>>({
      // The activity polls until its own deadline; the margin covers the last probe and a retry after a lost worker.
      startToCloseTimeout: timeoutMs + 60_000,
      heartbeatTimeout: '30 seconds',
      retry: { initialInterval: '1 second', maximumAttempts: 3 },
      summary: `verify ${stage.name}: poll ${verify.healthUrl}`,
    });
    const until = now() + timeoutMs;
    enter('deploying', 'verify', {
      kind: 'health',
      description: `healthy answer from ${verify.healthUrl} until ${human(until)}`,
      stage: stage.name,
      until: iso(until),
    });
    let result: VerifyHealthResult | undefined;
    let error: unknown;
    const scope = new CancellationScope();
    const running = scope
      .run(() => verifyHealth({ url: verify.healthUrl, timeoutMs, intervalMs, releaseNumber: input.releaseNumber, stage: stage.name }))
      .then(
        (r) => void (result = r),
        (e: unknown) => void (error = e ?? new Error('verification failed')),
      );
    await condition(() => result !== undefined || error !== undefined || abort !== undefined);
    if (result === undefined && error === undefined) {
      scope.cancel();
      await running;
      return { failure: abortFailure(stage.name), deployTriggered: true };
    }
    if (result?.healthy) {
      note({ type: 'verified', stage: stage.name, detail: `healthy after ${result.checks} check(s)` });
      return undefined;
    }
    const why = result
      ? `not healthy after ${result.checks} check(s)${result.lastStatus !== undefined ? `, last status ${result.lastStatus}` : ''}${result.lastError ? `, last error: ${result.lastError}` : ''}`
      : `verification could not run: ${error instanceof ActivityFailure && error.cause ? error.cause.message : String(error)}`;
    return { failure: failure('VERIFICATION_FAILED', `${stage.name} (${verify.healthUrl}) ${why}`, stage.name), deployTriggered: true };
  }

  async function runStage(stage: StageDefinition): Promise<StageStop | undefined> {
    progress.currentStage = stage.name;
    enter('deploying', undefined);
    note({ type: 'stage_started', stage: stage.name });
    await record({ type: 'stage_started', stage: stage.name });

    if (stage.gate) {
      const stop = await runGate(stage, stage.gate);
      if (stop) return stop;
    }
    if (!(await boundary())) return { failure: abortFailure(stage.name), deployTriggered: false };
    if (windowEnd !== undefined && now() >= windowEnd) {
      return { failure: failure('WINDOW_CLOSED', `the deployment window closed at ${human(windowEnd)} before ${stage.name} could be deployed`, stage.name), deployTriggered: false };
    }
    const deploy = stage.deploy;
    const stop =
      deploy.kind === 'webhook'
        ? await runWebhookDeploy(stage, deploy.url, durationMs(deploy.callbackTimeout)!)
        : await runManualDeploy(stage, durationMs(deploy.timeout));
    if (stop) return stop;
    if (stage.verify) {
      if (!(await boundary())) return { failure: abortFailure(stage.name), deployTriggered: true };
      const failed = await runVerify(stage);
      if (failed) return failed;
    }
    progress.completedStages.push(stage.name);
    note({ type: 'stage_completed', stage: stage.name });
    enter('deploying', undefined);
    await record({ type: 'stage_completed', stage: stage.name });
    return undefined;
  }

  async function rollBack(stop: StageStop): Promise<ReleaseDeploymentResult> {
    finishing = true;
    const outcome = stop.failure.code === 'ABORTED' ? 'aborted' : 'failed';
    progress.failure = stop.failure;
    const failedStage = stop.failure.stage;
    const toRollBack = [...progress.completedStages];
    if (stop.deployTriggered && failedStage && !toRollBack.includes(failedStage)) toRollBack.push(failedStage);
    toRollBack.reverse();
    if (failedStage) note({ type: 'stage_failed', stage: failedStage, by: stop.failure.by, detail: `${stop.failure.code}: ${stop.failure.message}` });
    enter(toRollBack.length ? 'rolling-back' : outcome, toRollBack.length ? 'rollback' : 'done');
    await record({
      type: 'failed',
      outcome,
      failure: stop.failure,
      completedStages: [...progress.completedStages],
      stagesToRollBack: toRollBack,
    });

    const rollbackFailures: RollbackFailure[] = [];
    for (const name of toRollBack) {
      const { rollbackStage } = proxyActivities<Pick<ReleaseDeploymentActivities, 'rollbackStage'>>({
        startToCloseTimeout: '5 minutes',
        retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
        summary: `roll back ${name}`,
      });
      progress.currentStage = name;
      enter('rolling-back', 'rollback');
      try {
        await rollbackStage({ release, stage: stageByName[name]!, failure: stop.failure, idempotencyKey: `${workflowId}:rollback:${name}` });
        progress.rolledBackStages.push(name);
        note({ type: 'stage_rolled_back', stage: name });
      } catch (err) {
        const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
        const message = cause instanceof Error ? cause.message : String(cause);
        rollbackFailures.push({ stage: name, message });
        note({ type: 'stage_rollback_failed', stage: name, detail: message });
      }
    }
    if (toRollBack.length) {
      await record({ type: 'rolled_back', stages: [...progress.rolledBackStages], failures: rollbackFailures });
    }
    note({ type: outcome, stage: failedStage, by: stop.failure.by, detail: stop.failure.message });
    progress.currentStage = failedStage;
    enter(outcome, 'done');
    return {
      releaseNumber: input.releaseNumber,
      outcome,
      completedStages: [...progress.completedStages],
      failedStage,
      failure: stop.failure,
      rolledBackStages: [...progress.rolledBackStages],
      rollbackFailures,
    };
  }

  // ---- the run ------------------------------------------------------------
  publish();
  note({ type: 'deployment_started', by: input.requestedBy });
  await record({ type: 'deployment_started', stages: input.stages.map((s) => s.name), window: input.window, requestedBy: input.requestedBy });

  let result: ReleaseDeploymentResult | undefined;
  const missed = await waitForWindow();
  if (missed) result = await rollBack({ failure: missed, deployTriggered: false });

  for (const stage of result ? [] : input.stages) {
    if (!(await boundary())) {
      result = await rollBack({ failure: abortFailure(), deployTriggered: false });
      break;
    }
    const stop = await runStage(stage);
    if (stop) {
      result = await rollBack(stop);
      break;
    }
  }

  if (!result) {
    finishing = true;
    progress.currentStage = undefined;
    note({ type: 'deployed' });
    enter('deployed', 'done');
    await record({ type: 'deployed', stages: [...progress.completedStages] });
    result = {
      releaseNumber: input.releaseNumber,
      outcome: 'deployed',
      completedStages: [...progress.completedStages],
      rolledBackStages: [],
      rollbackFailures: [],
    };
  }

  await condition(allHandlersFinished);
  return result;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** '2026-12-05T22:00Z': minute precision unless seconds matter; never milliseconds. */
function human(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.slice(17, 19) === '00' ? `${s.slice(0, 16)}Z` : `${s.slice(0, 19)}Z`;
}
