import { z } from 'zod';
import { actor, isoInstant, priority } from './common';
import { defineEvent } from './define';

export const problemSnapshot = z.object({
  id: z.string(),
  number: z.string(),
  title: z.string(),
  state: z.string(),
  knownError: z.boolean(),
  priority: priority.optional(),
  category: z.string().nullable().optional(),
  ciIds: z.array(z.string()).optional(),
  workaround: z.string().nullable().optional(),
  fixChangeId: z.string().nullable().optional(),
  updatedAt: isoInstant.optional(),
  /** additive: the problem's impact, urgency, symptom, root cause and the number of its fix change */
  impact: z.number().int().optional(),
  urgency: z.number().int().optional(),
  symptom: z.string().nullable().optional(),
  rootCause: z.string().nullable().optional(),
  fixChangeNumber: z.string().nullable().optional(),
});

/**
 * The RfC draft a problem sends with `fix_requested` (inside `request`): what
 * the Change service needs to raise the request for change that removes the cause.
 */
export const fixRequestDraft = z.object({
  title: z.string(),
  description: z.string(),
  justification: z.string(),
  type: z.enum(['standard', 'normal', 'emergency']),
  ciIds: z.array(z.string()),
  /** the problem's id and number, to put in the change's `problemIds` */
  problemId: z.string(),
  problemNumber: z.string(),
  rootCause: z.string().nullable().optional(),
  workaround: z.string().nullable().optional(),
  requestedBy: z.string().optional(),
});

const base = { problem: problemSnapshot, by: actor };

/**
 * Incident references: `incidentId(s)` are the incident snapshot's `id`s (as the
 * Incident service's events carry them); `incidentNumber(s)` (additive) the
 * matching human numbers, in the same order.
 */
export const problemEvents = {
  created: defineEvent(
    'itsm.problem.created.v1',
    z.object({ ...base, candidate: z.boolean().optional(), incidentIds: z.array(z.string()).optional(), incidentNumbers: z.array(z.string()).optional() }),
  ),
  incidentLinked: defineEvent(
    'itsm.problem.incident_linked.v1',
    z.object({ ...base, incidentId: z.string(), incidentNumber: z.string().optional() }),
  ),
  incidentUnlinked: defineEvent(
    'itsm.problem.incident_unlinked.v1',
    z.object({ ...base, incidentId: z.string(), incidentNumber: z.string().optional() }),
  ),
  workaroundPublished: defineEvent(
    'itsm.problem.workaround_published.v1',
    z.object({ ...base, workaround: z.string(), incidentIds: z.array(z.string()), incidentNumbers: z.array(z.string()).optional() }),
  ),
  knownErrorRecorded: defineEvent('itsm.problem.known_error_recorded.v1', z.object(base)),
  /** `request` holds a `fixRequestDraft` */
  fixRequested: defineEvent('itsm.problem.fix_requested.v1', z.object({ ...base, request: z.record(z.string(), z.unknown()) })),
  resolved: defineEvent(
    'itsm.problem.resolved.v1',
    z.object({ ...base, incidentIds: z.array(z.string()), resolution: z.string().optional(), incidentNumbers: z.array(z.string()).optional() }),
  ),
  closed: defineEvent('itsm.problem.closed.v1', z.object(base)),
  /** additive */
  updated: defineEvent(
    'itsm.problem.updated.v1',
    z.object({ ...base, changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })) }),
  ),
  stateChanged: defineEvent('itsm.problem.state_changed.v1', z.object({ ...base, from: z.string(), to: z.string() })),
  cancelled: defineEvent('itsm.problem.cancelled.v1', z.object({ ...base, reason: z.string().optional() })),
  /** A historical problem stored from another tool (no transitions replayed). */
  imported: defineEvent('itsm.problem.imported.v1', z.object({ ...base, source: z.string(), sourceNumber: z.string() })),
} as const;
