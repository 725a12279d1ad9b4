import { AppError, ValidationError } from '@itsm/core';
import { validateDeploymentInput, type StageDefinition } from '@itsm/wf-release-deployment';
import { assertTransition, EDITABLE_STATES } from './lifecycle';
import { decision, type Actor, type ChangeRef, type Decision, type FieldChange, type Release, type ReleaseType, type Stage } from './types';

/** Record rules: create, edit, schedule, cancel and request the deployment. */

export interface ReleaseDraft {
  name: string;
  version: string;
  description?: string;
  type: ReleaseType;
  changes: ChangeRef[];
  stages: StageDefinition[];
  windowStart?: Date | null;
  windowEnd?: Date | null;
}

export type ReleasePatch = Partial<Omit<ReleaseDraft, 'changes'>> & { changes?: ChangeRef[] };

/** Checks stage definitions and the window with the workflow's own input rules (422 naming fields). */
export function checkPlan(stages: StageDefinition[], windowStart: Date | null, windowEnd: Date | null): void {
  const issues = validateDeploymentInput({
    releaseId: 'x',
    releaseNumber: 'x',
    name: 'x',
    version: 'x',
    changes: [],
    window: { start: (windowStart ?? new Date(0)).toISOString(), ...(windowEnd ? { end: windowEnd.toISOString() } : {}) },
    stages,
  }).map((i) => ({ field: i.path, message: i.message }));
  if (windowEnd && !windowStart) issues.push({ field: 'window.start', message: 'is required when the window has an end' });
  if (issues.length) throw new ValidationError(`Invalid release plan: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`, issues);
}

/** A stage's gate defaults to the release manager role. */
function withDefaults(s: StageDefinition): StageDefinition {
  return s.gate ? { ...s, gate: { role: 'release_manager', ...s.gate } } : s;
}

const freshStages = (defs: StageDefinition[]): Stage[] => defs.map((s) => ({ ...withDefaults(s), status: 'pending' }));

export function createRelease(d: ReleaseDraft, meta: { id: string; number: string; now: Date; actor: Actor }): Decision {
  const windowStart = d.windowStart ?? null;
  const windowEnd = d.windowEnd ?? null;
  checkPlan(d.stages, windowStart, windowEnd);
  const r: Release = {
    id: meta.id,
    number: meta.number,
    name: d.name,
    version: d.version,
    description: d.description ?? '',
    type: d.type,
    state: 'planned',
    changes: d.changes,
    stages: freshStages(d.stages),
    windowStart,
    windowEnd,
    createdBy: meta.actor.id,
    createdAt: meta.now,
    updatedAt: meta.now,
    workflowId: null,
    deployRequestedBy: null,
    deployStartedAt: null,
    endedAt: null,
    currentStage: null,
    failure: null,
    rolledBackStages: [],
    cancelReason: null,
    recordVersion: 1,
  };
  return decision(r, [], [{ kind: 'created' }]);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Edits fields of a planned or scheduled release; a scheduled release keeps a window. */
export function updateRelease(r: Release, patch: ReleasePatch): Decision {
  if (!EDITABLE_STATES.includes(r.state)) {
    throw new AppError(409, 'RELEASE_NOT_EDITABLE', `Release ${r.number} is ${r.state}: only planned or scheduled releases can be edited`, { state: r.state });
  }
  const next: Release = { ...r };
  const changes: FieldChange[] = [];
  const set = <K extends keyof Release>(field: K, value: Release[K] | undefined) => {
    if (value === undefined || same(r[field], value)) return;
    changes.push({ field, from: r[field], to: value });
    next[field] = value;
  };
  set('name', patch.name);
  set('version', patch.version);
  set('description', patch.description);
  set('type', patch.type);
  set('changes', patch.changes);
  if (patch.stages !== undefined) {
    const defs = r.stages.map(({ status: _s, startedAt: _a, completedAt: _c, gateApprovedBy: _g, rolledBackAt: _r, ...def }) => def);
    const wanted = patch.stages.map(withDefaults);
    if (!same(defs, wanted)) {
      changes.push({ field: 'stages', from: defs, to: wanted });
      next.stages = freshStages(patch.stages);
    }
  }
  set('windowStart', patch.windowStart);
  set('windowEnd', patch.windowEnd);
  checkPlan(next.stages, next.windowStart, next.windowEnd);
  if (next.state === 'scheduled' && !next.windowStart) {
    throw new ValidationError(`Release ${r.number} is scheduled: it keeps a deployment window`, [{ field: 'window.start', message: 'is required while scheduled' }]);
  }
  return decision(next, changes);
}

/** planned → scheduled: needs a deployment window whose end (if any) is still ahead. */
export function scheduleRelease(r: Release, now: Date): Decision {
  assertTransition(r.number, r.state, 'scheduled');
  const issues = [
    ...(!r.windowStart ? [{ field: 'window.start', message: 'is required to schedule' }] : []),
    ...(r.windowEnd && r.windowEnd <= now ? [{ field: 'window.end', message: 'has passed' }] : []),
    ...(r.stages.length === 0 ? [{ field: 'stages', message: 'at least one stage is required' }] : []),
  ];
  if (issues.length) throw new ValidationError(`Release ${r.number} cannot be scheduled: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`, issues);
  return decision({ ...r, state: 'scheduled' }, [{ field: 'state', from: r.state, to: 'scheduled' }]);
}

export function cancelRelease(r: Release, reason: string, now: Date): Decision {
  assertTransition(r.number, r.state, 'cancelled');
  return decision({ ...r, state: 'cancelled', cancelReason: reason, endedAt: now }, [
    { field: 'state', from: r.state, to: 'cancelled' },
    { field: 'cancelReason', from: r.cancelReason, to: reason },
  ]);
}

/** scheduled → deploying: the deployment is requested (the workflow records its start). */
export function requestDeployment(r: Release, workflowId: string, by: Actor): Decision {
  assertTransition(r.number, r.state, 'deploying');
  return decision({ ...r, state: 'deploying', workflowId, deployRequestedBy: by.id }, [
    { field: 'state', from: r.state, to: 'deploying' },
    { field: 'workflowId', from: r.workflowId, to: workflowId },
  ]);
}
