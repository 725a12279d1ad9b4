import { z } from '@itsm/http';
import type { ApprovalStatusView } from '@itsm/wf-rfc-approval';
import { CHANGE_TYPES, LEVELS, OUTCOMES, STATES, APPROVAL_STATUSES, type Change } from '../domain/types';
import type { Comment, HistoryEntry } from '../repository/audit.repository';
import type { RoundRow, VoteRow } from '../repository/approval.repository';

const text = (max: number) => z.string().trim().max(max);
const ref = z.string().trim().min(1).max(200);
const iso = z.iso.datetime({ offset: true });
const longText = text(65_536);

export const StateSchema = z.enum(STATES);
export const LevelSchema = z.enum(LEVELS);
export const OutcomeSchema = z.enum(OUTCOMES);

export const NumberParams = z.object({ number: ref.openapi({ example: 'CHG0000001', description: 'Change number (or id)' }) });

const editable = {
  title: text(255).min(1),
  description: longText,
  justification: longText,
  category: text(100).nullable(),
  ciIds: z.array(text(200).min(1)).max(100),
  owner: text(200).nullable(),
  assignmentGroup: text(200).nullable(),
  impact: LevelSchema,
  implementationPlan: longText.nullable(),
  backoutPlan: longText.nullable(),
  testPlan: longText.nullable(),
  plannedStart: iso.nullable(),
  plannedEnd: iso.nullable(),
  problemIds: z.array(ref).max(100),
  incidentIds: z.array(ref).max(100),
  cabGroup: text(100).nullable().describe('CAB group for medium/high risk (default: the default CAB)'),
};

export const CreateChangeBody = z
  .object({
    ...editable,
    type: z.enum(['normal', 'emergency']).default('normal').describe('standard changes come from the catalogue: POST /api/v1/changes/standard'),
  })
  .partial()
  .required({ title: true })
  .openapi('CreateChange');

export const UpdateChangeBody = z
  .object({
    ...editable,
    state: StateSchema,
    outcome: OutcomeSchema,
    outcomeNotes: longText,
    pir: longText.describe('post-implementation review (to close)'),
    reason: text(2000),
  })
  .partial()
  .openapi('UpdateChange');

export const StandardChangeBody = z
  .object({
    templateId: z.uuid(),
    title: text(255).min(1).optional(),
    description: longText.optional(),
    ciIds: z.array(text(200).min(1)).max(100).optional(),
    plannedStart: iso.optional(),
    plannedEnd: iso.optional(),
  })
  .openapi('RequestStandardChange');

export const TransitionBody = z
  .object({
    outcome: OutcomeSchema.optional(),
    outcomeNotes: longText.optional(),
    pir: longText.optional(),
    reason: text(2000).optional(),
  })
  .openapi('TransitionDetails');

export const BulkBody = z
  .object({
    numbers: z.array(ref).min(1).max(100),
    state: StateSchema,
    outcome: OutcomeSchema.optional(),
    pir: longText.optional(),
    reason: text(2000).optional(),
  })
  .openapi('BulkTransition');

export const VoteBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: text(2000).optional(),
    revision: z.number().int().min(1).optional().describe('the revision you reviewed (default: the current one)'),
  })
  .openapi('Vote');

export const CommentBody = z
  .object({ body: longText.min(1), visibility: z.enum(['work_note', 'comment']).default('work_note') })
  .openapi('NewChangeComment');

const ConflictDto = z.object({ kind: z.string(), ciId: z.string().optional(), change: z.string().optional(), freeze: z.string().optional(), name: z.string().optional(), start: z.string().optional(), end: z.string().optional() });

export const TallyDto = z
  .object({
    round: z.number(),
    revision: z.number(),
    policy: z.unknown(),
    approvers: z.number(),
    approvals: z.number(),
    rejections: z.number(),
    status: z.enum(['waiting', 'approved', 'rejected']),
    awaiting: z.array(z.string()),
    superseded: z.boolean(),
  })
  .openapi('VoteTally');

export const ChangeDto = z
  .object({
    id: z.string(),
    number: z.string(),
    title: z.string(),
    description: z.string(),
    justification: z.string(),
    type: z.enum(CHANGE_TYPES),
    category: z.string().nullable(),
    ciIds: z.array(z.string()),
    requestedBy: z.object({ id: z.string(), name: z.string().nullable() }),
    owner: z.string().nullable(),
    assignmentGroup: z.string().nullable(),
    impact: LevelSchema,
    risk: LevelSchema.nullable(),
    riskReasons: z.array(z.string()),
    implementationPlan: z.string().nullable(),
    backoutPlan: z.string().nullable(),
    testPlan: z.string().nullable(),
    plannedStart: z.string().nullable(),
    plannedEnd: z.string().nullable(),
    actualStart: z.string().nullable(),
    actualEnd: z.string().nullable(),
    problemIds: z.array(z.string()),
    incidentIds: z.array(z.string()),
    revision: z.number(),
    state: StateSchema,
    cabGroup: z.string().nullable(),
    templateId: z.string().nullable(),
    outcome: OutcomeSchema.nullable(),
    outcomeNotes: z.string().nullable(),
    pir: z.string().nullable(),
    flags: z.object({ scheduledWithConflicts: z.boolean(), inFreeze: z.boolean() }),
    scheduledConflicts: z.array(ConflictDto),
    rejectionReason: z.string().nullable(),
    cancelReason: z.string().nullable(),
    approval: z.object({
      status: z.enum(APPROVAL_STATUSES),
      approvedRevision: z.number().nullable(),
      round: z.number().nullable(),
      workflowId: z.string(),
      workflowUiUrl: z.string(),
      live: z.unknown().optional().describe('the running workflow’s status query (round, tally, awaited voters, deadline)'),
    }),
    submittedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    version: z.number(),
  })
  .openapi('Change');

const isoOf = (d: Date | null) => (d ? d.toISOString() : null);

export interface ApprovalLinks {
  workflowId: string;
  workflowUiUrl: string;
  live?: ApprovalStatusView | null;
}

export function toDto(c: Change, links: ApprovalLinks) {
  return {
    id: c.id,
    number: c.number,
    title: c.title,
    description: c.description,
    justification: c.justification,
    type: c.type,
    category: c.category,
    ciIds: c.ciIds,
    requestedBy: { id: c.requestedBy, name: c.requestedByName },
    owner: c.owner,
    assignmentGroup: c.assignmentGroup,
    impact: c.impact,
    risk: c.risk,
    riskReasons: c.riskReasons,
    implementationPlan: c.implementationPlan,
    backoutPlan: c.backoutPlan,
    testPlan: c.testPlan,
    plannedStart: isoOf(c.plannedStart),
    plannedEnd: isoOf(c.plannedEnd),
    actualStart: isoOf(c.actualStart),
    actualEnd: isoOf(c.actualEnd),
    problemIds: c.problemIds,
    incidentIds: c.incidentIds,
    revision: c.revision,
    state: c.state,
    cabGroup: c.cabGroup,
    templateId: c.templateId,
    outcome: c.outcome,
    outcomeNotes: c.outcomeNotes,
    pir: c.pir,
    flags: {
      scheduledWithConflicts: c.scheduledConflicts.length > 0,
      inFreeze: c.scheduledConflicts.some((x) => x.kind === 'freeze'),
    },
    scheduledConflicts: c.scheduledConflicts,
    rejectionReason: c.rejectionReason,
    cancelReason: c.cancelReason,
    approval: {
      status: c.approvalStatus,
      approvedRevision: c.approvedRevision,
      round: c.approvalRound,
      workflowId: links.workflowId,
      workflowUiUrl: links.workflowUiUrl,
      ...(links.live !== undefined ? { live: links.live } : {}),
    },
    submittedAt: isoOf(c.submittedAt),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    closedAt: isoOf(c.closedAt),
    version: c.version,
  };
}

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export const CommentDto = z
  .object({ id: z.string(), visibility: z.enum(['work_note', 'comment']), body: z.string(), author: z.object({ id: z.string(), name: z.string().nullable() }), createdAt: z.string() })
  .openapi('ChangeComment');
export const commentDto = (c: Comment) => ({ ...c, createdAt: c.createdAt.toISOString() });

export const HistoryDto = z
  .object({ id: z.number(), at: z.string(), actor: z.object({ id: z.string(), name: z.string().nullable() }), action: z.string(), revision: z.number(), field: z.string().nullable(), from: z.unknown(), to: z.unknown() })
  .openapi('ChangeHistoryEntry');
export const historyDto = (h: HistoryEntry) => ({ ...h, at: h.at.toISOString() });

export const RoundDto = z
  .object({
    round: z.number(),
    revision: z.number(),
    route: z.string(),
    group: z.string(),
    approvers: z.array(z.string()),
    policy: z.unknown(),
    risk: z.string().nullable(),
    openedAt: z.string(),
    deadline: z.string(),
    status: z.string(),
    tally: z.unknown().nullable(),
    decidedAt: z.string().nullable(),
    votes: z.array(z.object({ voter: z.string(), decision: z.string(), revision: z.number(), comment: z.string().nullable(), castAt: z.string() })),
  })
  .openapi('ApprovalRound');
export const roundDto = (r: RoundRow & { votes: VoteRow[] }) => ({
  ...r,
  openedAt: r.openedAt.toISOString(),
  deadline: r.deadline.toISOString(),
  decidedAt: isoOf(r.decidedAt),
  votes: r.votes.map((v) => ({ voter: v.voter, decision: v.decision, revision: v.revision, comment: v.comment, castAt: v.castAt.toISOString() })),
});

export { ConflictDto };
