import { z } from 'zod';
import { actor, isoInstant, priority } from './common';
import { defineEvent } from './define';

/** What other services need to know of an incident (SLA matching, problem detection). */
export const incidentSnapshot = z.object({
  id: z.string(),
  number: z.string(),
  title: z.string(),
  state: z.string(),
  holdReason: z.string().nullable().optional(),
  impact: z.number().int(),
  urgency: z.number().int(),
  priority,
  category: z.string().nullable().optional(),
  subcategory: z.string().nullable().optional(),
  symptom: z.string().nullable().optional(),
  ciId: z.string().nullable().optional(),
  service: z.string().nullable().optional(),
  assignmentGroup: z.string().nullable().optional(),
  assignee: z.string().nullable().optional(),
  callerId: z.string().nullable().optional(),
  major: z.boolean().optional(),
  problemId: z.string().nullable().optional(),
  openedAt: isoInstant,
  resolvedAt: isoInstant.nullable().optional(),
  closedAt: isoInstant.nullable().optional(),
  /** additive: the first response (first assignment to a person or first public desk comment) */
  firstResponseAt: isoInstant.nullable().optional(),
  /** additive: phone, email, portal, walk_in, monitoring */
  contactType: z.string().optional(),
  /** additive: the major incident this one is a child of (its id) */
  parentId: z.string().nullable().optional(),
  reassignmentCount: z.number().int().optional(),
  reopenCount: z.number().int().optional(),
  /** additive: hierarchical escalation level reached (0 = none) */
  escalationLevel: z.number().int().optional(),
});
export type IncidentSnapshot = z.infer<typeof incidentSnapshot>;

const base = { incident: incidentSnapshot, by: actor };

export const incidentEvents = {
  created: defineEvent('itsm.incident.created.v1', z.object(base)),
  updated: defineEvent(
    'itsm.incident.updated.v1',
    z.object({ ...base, changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })) }),
  ),
  stateChanged: defineEvent(
    'itsm.incident.state_changed.v1',
    z.object({ ...base, from: z.string(), to: z.string(), holdReason: z.string().nullable().optional() }),
  ),
  assigned: defineEvent(
    'itsm.incident.assigned.v1',
    z.object({
      ...base,
      fromGroup: z.string().nullable().optional(),
      toGroup: z.string().nullable().optional(),
      fromAssignee: z.string().nullable().optional(),
      toAssignee: z.string().nullable().optional(),
    }),
  ),
  priorityChanged: defineEvent(
    'itsm.incident.priority_changed.v1',
    z.object({ ...base, from: priority, to: priority, override: z.boolean().optional() }),
  ),
  commented: defineEvent(
    'itsm.incident.commented.v1',
    z.object({ ...base, commentId: z.string(), visibility: z.enum(['public', 'internal']), firstResponse: z.boolean().optional() }),
  ),
  resolved: defineEvent(
    'itsm.incident.resolved.v1',
    z.object({ ...base, resolutionCode: z.string(), resolutionNotes: z.string().optional() }),
  ),
  reopened: defineEvent('itsm.incident.reopened.v1', z.object({ ...base, reason: z.string().optional() })),
  closed: defineEvent('itsm.incident.closed.v1', z.object(base)),
  cancelled: defineEvent('itsm.incident.cancelled.v1', z.object({ ...base, reason: z.string().optional() })),
  escalated: defineEvent(
    'itsm.incident.escalated.v1',
    z.object({
      ...base,
      kind: z.enum(['functional', 'hierarchical']),
      level: z.number().int().min(1),
      reason: z.string(),
      toGroup: z.string().nullable().optional(),
      toUser: z.string().nullable().optional(),
    }),
  ),
  majorDeclared: defineEvent('itsm.incident.major_declared.v1', z.object(base)),
  problemLinked: defineEvent('itsm.incident.problem_linked.v1', z.object({ ...base, problemId: z.string() })),
  /** A historical record stored with its whole timeline (migration from another tool). */
  imported: defineEvent(
    'itsm.incident.imported.v1',
    z.object({
      ...base,
      source: z.string(),
      sourceNumber: z.string(),
      timeline: z.array(
        z.object({
          at: isoInstant,
          kind: z.string(),
          state: z.string().optional(),
          holdReason: z.string().nullable().optional(),
          priority: priority.optional(),
          assignmentGroup: z.string().nullable().optional(),
          assignee: z.string().nullable().optional(),
          /** additive: kind `problem`, the problem linked from `at` on (null = unlinked) */
          problemId: z.string().nullable().optional(),
          /** additive: kind `fields`, the values from `at` on (absent = unchanged) */
          category: z.string().nullable().optional(),
          subcategory: z.string().nullable().optional(),
          symptom: z.string().nullable().optional(),
          location: z.string().nullable().optional(),
        }),
      ),
      madeSla: z.boolean().nullable().optional(),
    }),
  ),
} as const;
