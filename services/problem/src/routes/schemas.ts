import { z } from '@itsm/http';
import { RESOLUTION_CODES, STATES, type Problem } from '../domain/types';
import type { Comment, HistoryEntry } from '../repository/audit.repository';
import type { LinkedIncident } from '../repository/link.repository';

const noNul = (v: string) => !v.includes('\u0000');
/** Text as stored and returned (never rendered as HTML here); NUL is refused with a 422, never a database error. */
export const text = (max: number, min = 0) =>
  z.string().trim().min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`).max(max).refine(noNul, 'must not contain NUL characters');
/** A record reference in a path: a number such as PRB0000001 / INC0000001, or an id. */
const ref = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a record number or id');
const level = z.number().int().min(1).max(3);
const iso = z.iso.datetime({ offset: true });

export const StateSchema = z.enum(STATES);

export const NumberParams = z.object({ number: ref.openapi({ example: 'PRB0000001', description: 'Problem number (or id)' }) });
export const IncidentParams = z.object({ number: ref, incident: ref.openapi({ example: 'INC0000001', description: 'Incident number (or id)' }) });
export const IncidentOnlyParams = z.object({ number: ref.openapi({ example: 'INC0000001', description: 'Incident number (or id)' }) });

export const CreateProblemBody = z
  .object({
    title: text(255, 1),
    description: text(65_536).optional(),
    category: text(100).nullable().optional(),
    subcategory: text(100).nullable().optional(),
    symptom: text(200).nullable().optional(),
    ciIds: z.array(text(200, 1)).max(100).optional(),
    impact: level.default(3),
    urgency: level.default(3),
    assignmentGroup: text(200).nullable().optional(),
    owner: text(200).nullable().optional(),
    rootCause: text(65_536).nullable().optional(),
    workaround: text(65_536).nullable().optional(),
  })
  .openapi('CreateProblem');

export const UpdateProblemBody = z
  .object({
    title: text(255, 1).optional(),
    description: text(65_536).optional(),
    category: text(100).nullable().optional(),
    subcategory: text(100).nullable().optional(),
    symptom: text(200).nullable().optional(),
    ciIds: z.array(text(200, 1)).max(100).optional(),
    impact: level.optional(),
    urgency: level.optional(),
    assignmentGroup: text(200).nullable().optional(),
    owner: text(200).nullable().optional(),
    rootCause: text(65_536).nullable().optional(),
    workaround: text(65_536).nullable().optional(),
    state: StateSchema.optional(),
    resolutionCode: z.enum(RESOLUTION_CODES).optional(),
    resolutionNotes: text(65_536).optional(),
    reason: text(2000).optional().describe('why the problem is cancelled'),
  })
  .openapi('UpdateProblem');

export const WorkaroundBody = z.object({ workaround: text(65_536, 1) }).openapi('PublishWorkaround');
export const KnownErrorBody = z.object({ rootCause: text(65_536, 1).optional(), workaround: text(65_536, 1).optional() }).openapi('RecordKnownError');
export const FixRequestBody = z
  .object({
    title: text(255, 1).optional(),
    description: text(65_536).optional(),
    justification: text(65_536, 1),
    type: z.enum(['standard', 'normal', 'emergency']).optional(),
    ciIds: z.array(text(200, 1)).max(100).optional(),
  })
  .openapi('RequestFix');
export const LinkBody = z.object({ incident: ref.openapi({ example: 'INC0000001' }) }).openapi('LinkIncident');
export const CommentBody = z.object({ body: text(65_536, 1), visibility: z.enum(['work_note', 'comment']).default('work_note') }).openapi('NewComment');

export const ProblemDto = z
  .object({
    id: z.string(),
    number: z.string(),
    title: z.string(),
    description: z.string(),
    category: z.string().nullable(),
    subcategory: z.string().nullable(),
    symptom: z.string().nullable(),
    ciIds: z.array(z.string()),
    impact: z.number(),
    urgency: z.number(),
    priority: z.number(),
    assignmentGroup: z.string().nullable(),
    owner: z.string().nullable(),
    state: StateSchema,
    knownError: z.boolean(),
    knownErrorAt: z.string().nullable(),
    rootCause: z.string().nullable(),
    workaround: z.string().nullable(),
    resolutionCode: z.string().nullable(),
    resolutionNotes: z.string().nullable(),
    fix: z.object({ changeId: z.string().nullable(), changeNumber: z.string().nullable(), request: z.record(z.string(), z.unknown()).nullable(), requestedAt: z.string().nullable() }),
    candidate: z.boolean(),
    detectionKey: z.string().nullable(),
    source: z.string().nullable(),
    sourceNumber: z.string().nullable(),
    openedBy: z.string(),
    openedAt: z.string(),
    resolvedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    updatedAt: z.string(),
    version: z.number(),
  })
  .openapi('Problem');
export type ProblemDto = z.infer<typeof ProblemDto>;

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function toDto(p: Problem): ProblemDto {
  return {
    id: p.id,
    number: p.number,
    title: p.title,
    description: p.description,
    category: p.category,
    subcategory: p.subcategory,
    symptom: p.symptom,
    ciIds: p.ciIds,
    impact: p.impact,
    urgency: p.urgency,
    priority: p.priority,
    assignmentGroup: p.assignmentGroup,
    owner: p.owner,
    state: p.state,
    knownError: p.knownError,
    knownErrorAt: isoOrNull(p.knownErrorAt),
    rootCause: p.rootCause,
    workaround: p.workaround,
    resolutionCode: p.resolutionCode,
    resolutionNotes: p.resolutionNotes,
    fix: {
      changeId: p.fixChangeId,
      changeNumber: p.fixChangeNumber,
      request: (p.fixRequest as unknown as Record<string, unknown>) ?? null,
      requestedAt: isoOrNull(p.fixRequestedAt),
    },
    candidate: p.candidate,
    detectionKey: p.detectionKey,
    source: p.source,
    sourceNumber: p.sourceNumber,
    openedBy: p.openedBy,
    openedAt: p.openedAt.toISOString(),
    resolvedAt: isoOrNull(p.resolvedAt),
    closedAt: isoOrNull(p.closedAt),
    updatedAt: p.updatedAt.toISOString(),
    version: p.version,
  };
}

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export const LinkedIncidentDto = z
  .object({
    id: z.string(),
    number: z.string(),
    state: z.string(),
    title: z.string().nullable(),
    holdReason: z.string().nullable(),
    ciId: z.string().nullable(),
    category: z.string().nullable(),
    symptom: z.string().nullable(),
    priority: z.number().nullable(),
    linkedAt: z.string(),
    linkedBy: z.string(),
  })
  .openapi('LinkedIncident');

export const linkedDto = (i: LinkedIncident) => ({ ...i, linkedAt: i.linkedAt.toISOString() });

export const CommentDto = z
  .object({ id: z.string(), visibility: z.enum(['work_note', 'comment']), body: z.string(), author: z.object({ id: z.string(), name: z.string().nullable() }), createdAt: z.string() })
  .openapi('ProblemComment');
export const commentDto = (c: Comment) => ({ ...c, createdAt: c.createdAt.toISOString() });

export const HistoryDto = z
  .object({
    id: z.number(),
    at: z.string(),
    actor: z.object({ id: z.string(), name: z.string().nullable() }),
    action: z.string(),
    field: z.string().nullable(),
    from: z.unknown(),
    to: z.unknown(),
  })
  .openapi('ProblemHistoryEntry');
export const historyDto = (h: HistoryEntry) => ({ ...h, at: h.at.toISOString() });

export const ImportRecordSchema = z.object({
  source: text(100, 1),
  sourceNumber: text(100, 1),
  title: text(255, 1),
  description: text(65_536).optional(),
  category: text(100).nullable().optional(),
  subcategory: text(100).nullable().optional(),
  symptom: text(200).nullable().optional(),
  ciIds: z.array(text(200, 1)).max(100).optional(),
  impact: level,
  urgency: level,
  assignmentGroup: text(200).nullable().optional(),
  owner: text(200).nullable().optional(),
  state: StateSchema,
  rootCause: text(65_536).nullable().optional(),
  workaround: text(65_536).nullable().optional(),
  knownError: z.boolean().optional(),
  resolutionCode: text(100).nullable().optional(),
  resolutionNotes: text(65_536).nullable().optional(),
  fixChangeNumber: text(100).nullable().optional(),
  openedBy: text(200).optional(),
  openedAt: iso,
  resolvedAt: iso.nullable().optional(),
  closedAt: iso.nullable().optional(),
});
export const ImportBody = z.object({ records: z.array(ImportRecordSchema.strict()).min(1).max(1000) }).openapi('ImportProblems');
export const ImportResultDto = z
  .object({
    created: z.array(z.object({ sourceNumber: z.string(), number: z.string() })),
    skipped: z.array(z.object({ sourceNumber: z.string(), number: z.string(), reason: z.string() })),
  })
  .openapi('ImportProblemsResult');
