import { hasRole, z, type AuthUser } from '@itsm/http';
import { CONTACT_TYPES, ESCALATION_KINDS, HOLD_REASONS, STATES, type Actor, type Incident } from '../domain/types';

/**
 * Text is stored exactly as given and returned as JSON string values: this
 * API never renders HTML. Clients that render these fields in HTML (pages,
 * lists, notification mails) must escape them. Only NUL is refused (Postgres
 * text cannot hold it), with a 422 naming the field, never a database error.
 */
const noNul = (s: string) => !s.includes('\u0000');
export const text = (max: number) => z.string().max(max).refine(noNul, 'must not contain NUL characters');
export const shortText = (max = 255) => text(max);
export const MIB = 1024 * 1024;

export const title = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine(noNul, 'must not contain NUL characters')
  .refine((s) => s.trim().length > 0, 'must not be blank');
const level = z.number().int().min(1).max(3);
const optText = shortText().nullable().optional();

export const createBody = z
  .object({
    title,
    description: text(MIB).optional(),
    callerId: shortText().min(1).optional().openapi({ description: 'Defaults to the caller; requesters always create for themselves' }),
    contactType: z.enum(CONTACT_TYPES).optional().openapi({ description: 'Defaults to portal; requesters always create with portal' }),
    location: optText,
    category: optText,
    subcategory: optText,
    symptom: optText,
    ciId: optText,
    impact: level.default(3),
    urgency: level.default(3),
    priority: z.number().int().min(1).max(5).optional().openapi({ description: 'A manual override: needs the priority_override permission' }),
    assignmentGroup: optText,
    assignee: optText,
  })
  .openapi('IncidentCreate');

export const patchBody = z
  .object({
    title: title.optional(),
    description: text(MIB).optional(),
    callerId: shortText().min(1).optional(),
    contactType: z.enum(CONTACT_TYPES).optional(),
    location: optText,
    category: optText,
    subcategory: optText,
    symptom: optText,
    ciId: optText,
    impact: level.optional(),
    urgency: level.optional(),
    priority: z.number().int().min(1).max(5).optional(),
    state: z.enum(STATES).optional(),
    holdReason: z.enum(HOLD_REASONS).nullable().optional(),
    resolutionCode: optText,
    resolutionNotes: text(MIB).nullable().optional(),
    assignmentGroup: optText,
    assignee: optText,
    knowledge: z.boolean().optional(),
    problemId: optText,
    causedByChange: optText,
    awaitingChange: optText,
    reason: shortText(2000).optional(),
  })
  .openapi('IncidentPatch');

export const numberParam = z.object({ number: z.string().regex(/^INC\d{7,}$/, 'is not an incident number (INC0000001)') });

const iso = z.string().nullable();
export const incidentDto = z
  .object({
    id: z.string(),
    number: z.string(),
    title: z.string(),
    description: z.string(),
    callerId: z.string(),
    openedBy: z.string(),
    contactType: z.string(),
    location: z.string().nullable(),
    category: z.string().nullable(),
    subcategory: z.string().nullable(),
    symptom: z.string().nullable(),
    ciId: z.string().nullable(),
    impact: z.number(),
    urgency: z.number(),
    priority: z.number(),
    priorityOverride: z.boolean(),
    state: z.enum(STATES),
    holdReason: z.string().nullable(),
    assignmentGroup: z.string().nullable(),
    assignee: z.string().nullable(),
    reassignmentCount: z.number(),
    reopenCount: z.number(),
    parentId: z.string().nullable(),
    major: z.boolean(),
    problemId: z.string().nullable(),
    causedByChange: z.string().nullable(),
    awaitingChange: z.string().nullable(),
    resolutionCode: z.string().nullable(),
    resolutionNotes: z.string().nullable(),
    knowledge: z.boolean(),
    openedAt: z.string(),
    firstResponseAt: iso,
    resolvedAt: iso,
    closedAt: iso,
    updatedAt: z.string(),
    version: z.number(),
    escalationLevel: z.number().optional().openapi({ description: 'desk staff only' }),
    functionalEscalationLevel: z.number().optional(),
    slaBreached: z.boolean().optional(),
    slaNotices: z.array(z.record(z.string(), z.unknown())).optional(),
    source: z.string().nullable().optional(),
    sourceNumber: z.string().nullable().optional(),
  })
  .openapi('Incident');
export type IncidentDto = z.infer<typeof incidentDto>;

export const pageDto = z.object({ items: z.array(incidentDto), nextCursor: z.string().nullable() }).openapi('IncidentPage');

export const commentBody = z.object({ body: z.string().min(1, 'must not be empty').max(MIB).refine(noNul, 'must not contain NUL characters') });
export const commentDto = z
  .object({ id: z.string(), visibility: z.enum(['public', 'internal']), body: z.string(), authorId: z.string(), authorName: z.string().nullable(), createdAt: z.string() })
  .openapi('Comment');

export const escalationBody = z.object({
  kind: z.enum(ESCALATION_KINDS),
  level: z.number().int().min(1).max(5).optional(),
  toGroup: shortText().optional(),
  toUser: shortText().optional(),
  reason: shortText(2000).min(1),
});

export const isAgent = (u: AuthUser): boolean => hasRole(u, 'agent');

export function actorOf(u: AuthUser): Actor {
  return {
    id: u.id,
    ...(u.name ? { name: u.name } : {}),
    agent: isAgent(u),
    canOverridePriority: u.roles.includes('admin') || u.permissions.includes('priority_override'),
  };
}


const isoOf = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toDto(inc: Incident, u: AuthUser): IncidentDto {
  const base: IncidentDto = {
    id: inc.id,
    number: inc.number,
    title: inc.title,
    description: inc.description,
    callerId: inc.callerId,
    openedBy: inc.openedBy,
    contactType: inc.contactType,
    location: inc.location,
    category: inc.category,
    subcategory: inc.subcategory,
    symptom: inc.symptom,
    ciId: inc.ciId,
    impact: inc.impact,
    urgency: inc.urgency,
    priority: inc.priority,
    priorityOverride: inc.priorityOverride,
    state: inc.state,
    holdReason: inc.holdReason,
    assignmentGroup: inc.assignmentGroup,
    assignee: inc.assignee,
    reassignmentCount: inc.reassignmentCount,
    reopenCount: inc.reopenCount,
    parentId: inc.parentId,
    major: inc.major,
    problemId: inc.problemId,
    causedByChange: inc.causedByChange,
    awaitingChange: inc.awaitingChange,
    resolutionCode: inc.resolutionCode,
    resolutionNotes: inc.resolutionNotes,
    knowledge: inc.knowledge,
    openedAt: isoOf(inc.openedAt) as string,
    firstResponseAt: isoOf(inc.firstResponseAt),
    resolvedAt: isoOf(inc.resolvedAt),
    closedAt: isoOf(inc.closedAt),
    updatedAt: isoOf(inc.updatedAt) as string,
    version: inc.version,
  };
  if (!isAgent(u)) return base;
  return {
    ...base,
    escalationLevel: inc.escalationLevel,
    functionalEscalationLevel: inc.functionalEscalationLevel,
    slaBreached: inc.slaBreached,
    slaNotices: inc.slaNotices as unknown as Record<string, unknown>[],
    source: inc.source,
    sourceNumber: inc.sourceNumber,
  };
}
