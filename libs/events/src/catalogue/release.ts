import { z } from 'zod';
import { actor } from './common';
import { defineEvent } from './define';

export const releaseSnapshot = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  version: z.string().optional(),
  state: z.string(),
  changeIds: z.array(z.string()),
  /** additive: the changes' numbers (CHG0000001), in the order of changeIds */
  changeNumbers: z.array(z.string()).optional(),
  /** additive: major, minor or emergency */
  type: z.string().optional(),
  /** additive: the stages in deployment order, the one in progress, what was rolled back */
  stages: z.array(z.string()).optional(),
  currentStage: z.string().nullable().optional(),
  rolledBackStages: z.array(z.string()).optional(),
  /** additive: id of the deployment workflow (Temporal) */
  workflowId: z.string().nullable().optional(),
});

const base = { release: releaseSnapshot, by: actor };

export const releaseEvents = {
  created: defineEvent('itsm.release.created.v1', z.object(base)),
  deploymentStarted: defineEvent('itsm.release.deployment_started.v1', z.object(base)),
  stageStarted: defineEvent('itsm.release.stage_started.v1', z.object({ ...base, stage: z.string() })),
  stageCompleted: defineEvent('itsm.release.stage_completed.v1', z.object({ ...base, stage: z.string() })),
  gateApproved: defineEvent('itsm.release.gate_approved.v1', z.object({ ...base, stage: z.string(), approver: z.string() })),
  deployed: defineEvent('itsm.release.deployed.v1', z.object(base)),
  failed: defineEvent(
    'itsm.release.failed.v1',
    /** additive: `code` (failure code, ABORTED for an abort) and the stages the rollback will undo */
    z.object({ ...base, stage: z.string().nullable(), reason: z.string(), code: z.string().optional(), stagesToRollBack: z.array(z.string()).optional() }),
  ),
  rolledBack: defineEvent('itsm.release.rolled_back.v1', z.object({ ...base, stages: z.array(z.string()) })),
} as const;
