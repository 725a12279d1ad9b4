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
  /** 'sla' (desk to customer) or 'ola' (an assignment group's operational target) */
  kind: z.enum(['sla', 'ola']).optional(),
  definitionName: z.string().optional(),
  /** the ticket's priority when the fact happened */
  priority: z.number().int().min(1).max(5).optional(),
  /** the group an OLA measures */
  assignmentGroup: z.string().nullable().optional(),
  /**
   * Stable key of the fact (`<clockId>:warning:75`, `<clockId>:breached`,
   * `<clockId>:met:<stoppedAt ms>`): the SLA service records each fact once
   * under this key, and a consumer may record it once too, whatever the
   * event id (escalate once).
   */
  factKey: z.string().optional(),
};

/** What the definition says should happen on breach (the incident service acts on it). */
const breachAction = z.object({
  escalate: z.enum(['none', 'functional', 'hierarchical']),
  toGroup: z.string().nullable().optional(),
  toUser: z.string().nullable().optional(),
  notify: z.array(z.string()).optional(),
});

export const slaEvents = {
  clockStarted: defineEvent('itsm.sla.clock_started.v1', z.object({ ...clockRef, startedAt: isoInstant })),
  warning: defineEvent(
    'itsm.sla.warning.v1',
    z.object({ ...clockRef, threshold: z.number().int().min(1).max(99), reachedAt: isoInstant }),
  ),
  breached: defineEvent('itsm.sla.breached.v1', z.object({ ...clockRef, breachedAt: isoInstant, action: breachAction.optional() })),
  met: defineEvent('itsm.sla.met.v1', z.object({ ...clockRef, stoppedAt: isoInstant, elapsedMs: z.number().int() })),
  paused: defineEvent('itsm.sla.paused.v1', z.object({ ...clockRef, pausedAt: isoInstant })),
  resumed: defineEvent('itsm.sla.resumed.v1', z.object({ ...clockRef, resumedAt: isoInstant })),
} as const;
