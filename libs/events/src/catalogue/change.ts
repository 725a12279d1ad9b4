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
  /** additive: approval of the latest round, the last approved revision, implementation outcome, requester, incident numbers */
  approvalStatus: z.string().optional(),
  approvedRevision: z.number().int().nullable().optional(),
  outcome: z.string().nullable().optional(),
  requestedBy: z.string().optional(),
  actualStart: isoInstant.nullable().optional(),
  actualEnd: isoInstant.nullable().optional(),
  /** additive: emergency changes scheduled despite conflicts (e.g. inside a freeze) */
  scheduledWithConflicts: z.boolean().optional(),
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
  /** additive: a draft RfC was raised (by a user, a template or a problem's fix request) */
  created: defineEvent('itsm.change.created.v1', z.object(base)),
  /** additive: fields changed without a new revision (owner, links, ...) */
  updated: defineEvent(
    'itsm.change.updated.v1',
    z.object({ ...base, changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })) }),
  ),
  /** additive: a material edit raised the revision; the approval opens a new round */
  revised: defineEvent(
    'itsm.change.revised.v1',
    z.object({ ...base, fromRevision: z.number().int(), fields: z.array(z.string()) }),
  ),
  /** additive: approvers who had not voted were reminded */
  approversReminded: defineEvent(
    'itsm.change.approvers_reminded.v1',
    z.object({ ...base, round: z.number().int(), reminder: z.number().int(), approvers: z.array(z.string()), deadline: isoInstant }),
  ),
  /** additive: the round's deadline passed undecided; the change managers were told */
  approvalEscalated: defineEvent(
    'itsm.change.approval_escalated.v1',
    z.object({ ...base, round: z.number().int(), changeManagers: z.array(z.string()), awaiting: z.array(z.string()), deadline: isoInstant }),
  ),
} as const;
