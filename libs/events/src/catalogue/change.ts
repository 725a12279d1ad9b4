import { z } from 'zod';
import { actor, isoInstant } from './common';
import { defineEvent } from './define';

export const changeSnapshot = z.object({
  id: z.string(),
  number: z.string(),
  title: z.string(),
  type: z.enum(['standard', 'normal', 'emergency']),
  state: z.string(),
  revision: z.number().int().min(1),
  risk: z.string().nullable().optional(),
  ciIds: z.array(z.string()).optional(),
  problemIds: z.array(z.string()).optional(),
  incidentIds: z.array(z.string()).optional(),
  plannedStart: isoInstant.nullable().optional(),
  plannedEnd: isoInstant.nullable().optional(),
});

const base = { change: changeSnapshot, by: actor };

export const changeEvents = {
  submitted: defineEvent('itsm.change.submitted.v1', z.object(base)),
  assessed: defineEvent('itsm.change.assessed.v1', z.object({ ...base, risk: z.string(), reasons: z.array(z.string()) })),
  approvalRequested: defineEvent(
    'itsm.change.approval_requested.v1',
    z.object({ ...base, round: z.number().int(), approvers: z.array(z.string()), policy: z.string(), deadline: isoInstant.nullable() }),
  ),
  voteCast: defineEvent(
    'itsm.change.vote_cast.v1',
    z.object({ ...base, round: z.number().int(), voter: z.string(), decision: z.enum(['approve', 'reject']) }),
  ),
  approved: defineEvent('itsm.change.approved.v1', z.object(base)),
  rejected: defineEvent('itsm.change.rejected.v1', z.object({ ...base, reason: z.string().optional() })),
  scheduled: defineEvent('itsm.change.scheduled.v1', z.object(base)),
  implementationStarted: defineEvent('itsm.change.implementation_started.v1', z.object(base)),
  implemented: defineEvent('itsm.change.implemented.v1', z.object({ ...base, outcome: z.string() })),
  failed: defineEvent('itsm.change.failed.v1', z.object({ ...base, outcome: z.string() })),
  closed: defineEvent('itsm.change.closed.v1', z.object(base)),
  cancelled: defineEvent('itsm.change.cancelled.v1', z.object(base)),
} as const;
