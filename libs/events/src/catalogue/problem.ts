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
});

const base = { problem: problemSnapshot, by: actor };

export const problemEvents = {
  created: defineEvent('itsm.problem.created.v1', z.object({ ...base, candidate: z.boolean().optional(), incidentIds: z.array(z.string()).optional() })),
  incidentLinked: defineEvent('itsm.problem.incident_linked.v1', z.object({ ...base, incidentId: z.string() })),
  incidentUnlinked: defineEvent('itsm.problem.incident_unlinked.v1', z.object({ ...base, incidentId: z.string() })),
  workaroundPublished: defineEvent(
    'itsm.problem.workaround_published.v1',
    z.object({ ...base, workaround: z.string(), incidentIds: z.array(z.string()) }),
  ),
  knownErrorRecorded: defineEvent('itsm.problem.known_error_recorded.v1', z.object(base)),
  fixRequested: defineEvent('itsm.problem.fix_requested.v1', z.object({ ...base, request: z.record(z.string(), z.unknown()) })),
  resolved: defineEvent('itsm.problem.resolved.v1', z.object({ ...base, incidentIds: z.array(z.string()), resolution: z.string().optional() })),
  closed: defineEvent('itsm.problem.closed.v1', z.object(base)),
} as const;
