import type { DeploymentEvent } from '@itsm/wf-release-deployment';
import { assertTransition } from './lifecycle';
import { decision, type Decision, type FieldChange, type Release, type Stage, type StageStatus, type State } from './types';

/**
 * What the deployment workflow reports, applied to the release: the state
 * (through the transition table), the stages' progress and the events to
 * publish. Pure: the activity stores the result with its outbox rows.
 */
export function applyDeploymentEvent(r: Release, e: DeploymentEvent): Decision {
  const at = e.occurredAt;
  switch (e.type) {
    case 'deployment_started': {
      const moved = r.state === 'scheduled' ? to(r, 'deploying') : { next: r, changes: [] as FieldChange[] };
      const next = { ...moved.next, deployStartedAt: new Date(at), workflowId: e.workflowId };
      return decision(next, [...moved.changes, { field: 'deployStartedAt', from: r.deployStartedAt, to: next.deployStartedAt }], [{ kind: 'deploymentStarted' }]);
    }
    case 'stage_started': {
      const s = stageUpdate(r, e.stage, { status: 'deploying', startedAt: at });
      return decision({ ...s.next, currentStage: e.stage }, s.changes, [{ kind: 'stageStarted', stage: e.stage }]);
    }
    case 'gate_approved': {
      const s = stageUpdate(r, e.stage, { gateApprovedBy: e.approver });
      return decision(s.next, s.changes, [{ kind: 'gateApproved', stage: e.stage, approver: e.approver }]);
    }
    case 'stage_completed': {
      const s = stageUpdate(r, e.stage, { status: 'completed', completedAt: at });
      return decision(s.next, s.changes, [{ kind: 'stageCompleted', stage: e.stage }]);
    }
    case 'deployed': {
      const moved = to(r, 'deployed');
      return decision({ ...moved.next, currentStage: null, endedAt: new Date(at) }, moved.changes, [{ kind: 'deployed' }]);
    }
    case 'failed': {
      const target: State = e.outcome === 'aborted' ? 'aborted' : 'failed';
      const moved = to(r, target);
      const stage = e.failure.stage;
      const s = stage && r.stages.some((x) => x.name === stage) ? stageUpdate(moved.next, stage, { status: 'failed' }) : { next: moved.next, changes: [] };
      const failure = { code: e.failure.code, message: e.failure.message, ...(stage ? { stage } : {}), ...(e.failure.by ? { by: e.failure.by } : {}) };
      const ended = e.stagesToRollBack.length === 0 ? new Date(at) : null;
      return decision(
        { ...s.next, failure, endedAt: ended ?? s.next.endedAt },
        [...moved.changes, ...s.changes, { field: 'failure', from: r.failure, to: failure }],
        [{ kind: 'failed', stage: stage ?? null, reason: e.failure.message, code: e.failure.code, stagesToRollBack: e.stagesToRollBack }],
      );
    }
    case 'rolled_back': {
      const moved = r.state === 'failed' ? to(r, 'rolled_back') : { next: r, changes: [] as FieldChange[] };
      let next = moved.next;
      const changes = [...moved.changes];
      for (const stage of e.stages) {
        const s = stageUpdate(next, stage, { status: 'rolled_back', rolledBackAt: at });
        next = s.next;
        changes.push(...s.changes);
      }
      changes.push({ field: 'rolledBackStages', from: r.rolledBackStages, to: e.stages });
      return decision({ ...next, rolledBackStages: e.stages, currentStage: null, endedAt: new Date(at) }, changes, [{ kind: 'rolledBack', stages: e.stages }]);
    }
  }
}

function to(r: Release, state: State): { next: Release; changes: FieldChange[] } {
  assertTransition(r.number, r.state, state);
  return { next: { ...r, state }, changes: [{ field: 'state', from: r.state, to: state }] };
}

type StagePatch = Partial<Pick<Stage, 'startedAt' | 'completedAt' | 'gateApprovedBy' | 'rolledBackAt'>> & { status?: StageStatus };

/** Updates one stage; the field change is named `stages.<name>.status`. */
function stageUpdate(r: Release, name: string, patch: StagePatch): { next: Release; changes: FieldChange[] } {
  const changes: FieldChange[] = [];
  const stages = r.stages.map((s) => {
    if (s.name !== name) return s;
    if (patch.status && patch.status !== s.status) changes.push({ field: `stages.${name}.status`, from: s.status, to: patch.status });
    if (patch.gateApprovedBy) changes.push({ field: `stages.${name}.gateApprovedBy`, from: s.gateApprovedBy ?? null, to: patch.gateApprovedBy });
    return { ...s, ...patch };
  });
  return { next: { ...r, stages }, changes };
}
