import { ROLES, z } from '@itsm/http';
import type { DeploymentProgress } from '@itsm/wf-release-deployment';
import { RELEASE_TYPES, STAGE_STATUSES, STATES, type ChangeCopy, type Release } from '../domain/types';
import type { HistoryEntry } from '../repository/audit.repository';

const text = (max: number) => z.string().trim().max(max);
const iso = z.iso.datetime({ offset: true });
const httpUrl = z.url({ protocol: /^https?$/ }).max(2000);
const duration = z
  .union([z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/, "a duration such as '30s', '10m' or '4 hours'"), z.number().int().positive()])
  .describe("a duration: '30s', '10m', '4 hours', or milliseconds");

export const StateSchema = z.enum(STATES);
export const TypeSchema = z.enum(RELEASE_TYPES);

export const NumberParams = z.object({ number: z.string().trim().min(1).max(100).openapi({ example: 'REL0000001', description: 'Release number (or id)' }) });
const stageName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'letters, digits, _ . - (up to 40)');
export const StageParams = NumberParams.extend({ stage: stageName.openapi({ example: 'staging' }) });

export const GateSchema = z
  .strictObject({
    role: z.enum(ROLES).optional().describe('role a caller must hold to decide (default release_manager)'),
    approvers: z.array(text(200).min(1)).min(1).max(50).optional().describe('only these users may decide'),
    timeout: duration.optional().describe('the stage fails when the gate is not decided in time'),
  })
  .openapi('Gate');

export const DeployStepSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('webhook'), url: httpUrl.describe('CD system webhook'), callbackTimeout: duration }),
    z.strictObject({ kind: z.literal('manual'), instructions: text(5000).optional(), timeout: duration.optional() }),
  ])
  .openapi('DeployStep');

export const VerifySchema = z.strictObject({ healthUrl: httpUrl, timeout: duration, interval: duration }).openapi('Verification');

export const StageSchema = z
  .strictObject({ name: stageName, gate: GateSchema.optional(), deploy: DeployStepSchema, verify: VerifySchema.optional() })
  .openapi('StageDefinition');

const WindowSchema = z.strictObject({ start: iso, end: iso.optional() }).openapi('DeploymentWindow');

const editable = {
  name: text(200).min(1),
  version: text(100).min(1),
  description: text(65_536),
  type: TypeSchema,
  changes: z.array(text(200).min(1)).max(200).describe('change ids or numbers; only approved or scheduled changes'),
  stages: z.array(StageSchema).min(1).max(20).describe('in deployment order, e.g. test, staging, production'),
  window: WindowSchema.nullable(),
};

export const CreateReleaseBody = z
  .object({ ...editable, type: TypeSchema.default('minor'), changes: editable.changes.default([]) })
  .partial({ description: true, window: true })
  .openapi('CreateRelease');

export const UpdateReleaseBody = z.object(editable).partial().openapi('UpdateRelease');

export const CancelBody = z.object({ reason: text(2000).min(1) });
export const ApproveBody = z.object({ comment: text(2000).optional() });
export const RejectBody = z.object({ reason: text(2000).min(1) });
const outcome = z.enum(['succeeded', 'failed']);
export const CallbackBody = z.looseObject({ outcome, detail: text(2000).optional() }).describe('the CD system may send more fields; they are ignored');
export const ReleaseCallbackBody = z.looseObject({ stage: stageName, outcome, detail: text(2000).optional() });
export const ConfirmBody = z.object({ outcome: outcome.default('succeeded'), detail: text(2000).optional() });
export const PauseBody = z.object({ reason: text(2000).optional() });
export const AbortBody = z.object({ reason: text(2000).min(1) });

export const StageDto = z
  .object({
    name: z.string(),
    status: z.enum(STAGE_STATUSES),
    gate: z.unknown().optional(),
    deploy: z.unknown(),
    verify: z.unknown().optional(),
    startedAt: z.string().optional(),
    completedAt: z.string().optional(),
    gateApprovedBy: z.string().optional(),
    rolledBackAt: z.string().optional(),
  })
  .openapi('Stage');

export const ReleaseDto = z
  .object({
    id: z.string(),
    number: z.string(),
    name: z.string(),
    version: z.string().describe('the release’s version (e.g. 2.4.0); the record version is recordVersion'),
    description: z.string(),
    type: TypeSchema,
    state: StateSchema,
    changes: z.array(z.object({ id: z.string(), number: z.string() })),
    stages: z.array(StageDto),
    window: z.object({ start: z.string(), end: z.string().nullable() }).nullable(),
    currentStage: z.string().nullable(),
    failure: z.object({ code: z.string(), message: z.string(), stage: z.string().optional(), by: z.string().optional() }).nullable(),
    rolledBackStages: z.array(z.string()),
    cancelReason: z.string().nullable(),
    deployment: z.object({
      workflowId: z.string().nullable(),
      workflowUrl: z.string().nullable().describe('the deployment in the Temporal UI'),
      requestedBy: z.string().nullable(),
      startedAt: z.string().nullable(),
      endedAt: z.string().nullable(),
    }),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    recordVersion: z.number().int().describe('version of the record, also the ETag'),
  })
  .openapi('Release');

export type ReleaseBody = z.infer<typeof ReleaseDto>;

export function toDto(r: Release, workflowUrl: string | null): ReleaseBody {
  return {
    id: r.id,
    number: r.number,
    name: r.name,
    version: r.version,
    description: r.description,
    type: r.type,
    state: r.state,
    changes: r.changes,
    stages: r.stages,
    window: r.windowStart ? { start: r.windowStart.toISOString(), end: r.windowEnd?.toISOString() ?? null } : null,
    currentStage: r.currentStage,
    failure: r.failure,
    rolledBackStages: r.rolledBackStages,
    cancelReason: r.cancelReason,
    deployment: {
      workflowId: r.workflowId,
      workflowUrl,
      requestedBy: r.deployRequestedBy,
      startedAt: r.deployStartedAt?.toISOString() ?? null,
      endedAt: r.endedAt?.toISOString() ?? null,
    },
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    recordVersion: r.recordVersion,
  };
}

export const pageOf = <T extends z.ZodType>(item: T, name: string) => z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export const HistoryDto = z
  .object({ id: z.number(), at: z.string(), actor: z.object({ id: z.string(), name: z.string().nullable() }), action: z.string(), field: z.string().nullable(), from: z.unknown(), to: z.unknown() })
  .openapi('ReleaseHistoryEntry');

export const historyDto = (h: HistoryEntry) => ({ ...h, at: h.at.toISOString() });

export const ChangeCopyDto = z
  .object({ id: z.string(), number: z.string(), title: z.string(), type: z.string(), state: z.string(), approvalStatus: z.string().nullable() })
  .openapi('EligibleChange');

export const changeDto = (c: ChangeCopy) => ({ id: c.id, number: c.number, title: c.title, type: c.type, state: c.state, approvalStatus: c.approvalStatus });

export const ProgressDto = z.unknown().openapi('DeploymentProgress', { description: 'the workflow’s progress query: state, stage, step, what it waits for, history' });

export const DeploymentDto = z
  .object({
    releaseNumber: z.string(),
    state: StateSchema,
    workflowId: z.string().nullable(),
    workflowUrl: z.string().nullable(),
    progress: ProgressDto.nullable().describe('null before the deployment, or when the workflow does not answer'),
  })
  .openapi('Deployment');

export type ProgressBody = DeploymentProgress;
