import { z } from 'zod';
import { isoInstant } from './common';
import { defineEvent } from './define';

const clockRef = {
  clockId: z.string(),
  ticketType: z.string(),
  ticketId: z.string(),
  ticketNumber: z.string(),
  definitionId: z.string(),
  target: z.enum(['response', 'resolution']),
  dueAt: isoInstant.nullable(),
  /** true when the fact lies in the past of a historical import: record it, notify nobody */
  historical: z.boolean().optional(),
};

export const slaEvents = {
  clockStarted: defineEvent('itsm.sla.clock_started.v1', z.object({ ...clockRef, startedAt: isoInstant })),
  warning: defineEvent(
    'itsm.sla.warning.v1',
    z.object({ ...clockRef, threshold: z.number().int().min(1).max(99), reachedAt: isoInstant }),
  ),
  breached: defineEvent('itsm.sla.breached.v1', z.object({ ...clockRef, breachedAt: isoInstant })),
  met: defineEvent('itsm.sla.met.v1', z.object({ ...clockRef, stoppedAt: isoInstant, elapsedMs: z.number().int() })),
  paused: defineEvent('itsm.sla.paused.v1', z.object({ ...clockRef, pausedAt: isoInstant })),
  resumed: defineEvent('itsm.sla.resumed.v1', z.object({ ...clockRef, resumedAt: isoInstant })),
} as const;
