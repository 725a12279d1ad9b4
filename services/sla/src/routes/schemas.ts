/** Request and response schemas of the SLA API, and the DTO mappers. */
import { WEEKDAYS } from '@itsm/business-time';
import { z } from '@itsm/http';
import { DEFAULT_PAUSE_STATES, DEFAULT_WARNING_THRESHOLDS } from '../domain/defaults';
import { parseDuration, targetsView } from '../domain/definition';
import type { CalendarRecord, DefinitionRecord } from '../domain/types';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -');
const interval = z.object({ start: z.string().max(5), end: z.string().max(5) });

export const calendarBody = z.object({
  id: id.optional().openapi({ description: 'Stable id; derived from the name when absent' }),
  name: z.string().trim().min(1).max(100),
  description: z.string().max(1000).default(''),
  timeZone: z.string().min(1).max(64).openapi({ example: 'Europe/London' }),
  mode: z.enum(['business', '24x7']).default('business'),
  week: z
    .partialRecord(z.enum(WEEKDAYS), z.array(interval).max(12))
    .default({})
    .openapi({ example: { mon: [{ start: '09:00', end: '17:00' }] }, description: 'Working intervals per weekday, local wall-clock time, half-open' }),
  holidays: z.array(z.string().max(10)).max(1000).default([]).openapi({ example: ['2025-12-25'] }),
});

export const calendarDto = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  timeZone: z.string(),
  mode: z.enum(['business', '24x7']),
  week: z.record(z.string(), z.array(interval)),
  holidays: z.array(z.string()),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function calendarToDto(c: CalendarRecord): z.infer<typeof calendarDto> {
  return { ...c, week: c.week as Record<string, { start: string; end: string }[]>, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() };
}

const duration = z
  .string()
  .max(40)
  .refine((s) => parseDuration(s) !== undefined, 'must be an ISO 8601 duration of whole seconds such as PT4H, PT30M, P2D or PT10S')
  .openapi({ example: 'PT4H' });

const target = z.object({
  priority: z.number().int().min(1).max(5),
  response: duration.nullable().optional(),
  resolution: duration.nullable().optional(),
});

const breachAction = z.object({
  escalate: z.enum(['none', 'functional', 'hierarchical']),
  toGroup: z.string().max(255).nullable().optional(),
  toUser: z.string().max(255).nullable().optional(),
  notify: z.array(z.string().max(255)).max(50).optional(),
});

const match = z.object({
  category: z.string().max(255).nullable().optional(),
  ciId: z.string().max(255).nullable().optional(),
  service: z.string().max(255).nullable().optional(),
  assignmentGroup: z.string().max(255).nullable().optional(),
});

export const definitionBody = z.object({
  id: id.optional(),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(''),
  kind: z.enum(['sla', 'ola']).default('sla'),
  active: z.boolean().default(true),
  match: match.default({}),
  targets: z.array(target).min(1).max(5),
  calendarId: z.string().min(1).max(64),
  pauseStates: z.array(z.string().min(1).max(64)).max(20).default(DEFAULT_PAUSE_STATES),
  warningThresholds: z.array(z.number().int().min(1).max(99)).max(10).default(DEFAULT_WARNING_THRESHOLDS),
  breachAction: breachAction.default({ escalate: 'hierarchical' }),
  rank: z.number().int().min(0).max(100_000).default(100),
});

export type DefinitionBody = z.infer<typeof definitionBody>;

export function definitionInput(b: DefinitionBody) {
  return {
    ...b,
    match: b.match,
    targets: b.targets.map((t) => ({
      priority: t.priority,
      responseMs: t.response ? parseDuration(t.response)! : null,
      resolutionMs: t.resolution ? parseDuration(t.resolution)! : null,
    })),
    breachAction: b.breachAction,
  };
}

export const definitionDto = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  kind: z.enum(['sla', 'ola']),
  active: z.boolean(),
  match,
  targets: z.array(
    z.object({ priority: z.number(), response: z.string().nullable(), resolution: z.string().nullable(), responseMs: z.number().nullable(), resolutionMs: z.number().nullable() }),
  ),
  calendarId: z.string(),
  pauseStates: z.array(z.string()),
  warningThresholds: z.array(z.number()),
  breachAction,
  rank: z.number(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function definitionToDto(d: DefinitionRecord): z.infer<typeof definitionDto> {
  return { ...d, targets: targetsView(d.targets), createdAt: d.createdAt.toISOString(), updatedAt: d.updatedAt.toISOString() };
}

const instant = z.string().nullable();

export const clockDto = z.object({
  id: z.string(),
  ticket: z.object({ type: z.string(), id: z.string(), number: z.string() }),
  kind: z.enum(['sla', 'ola']),
  target: z.enum(['response', 'resolution']),
  group: z.string().nullable(),
  definition: z.object({ id: z.string(), name: z.string(), version: z.number() }),
  calendar: z.object({ id: z.string(), name: z.string(), version: z.number(), timeZone: z.string() }),
  workflowId: z.string(),
  status: z.string().openapi({ description: 'running, paused, met, breached, cancelled (no target for the priority), waiting' }),
  clock: z.enum(['running', 'paused', 'stopped']).nullable(),
  priority: z.number().nullable(),
  targetMs: z.number().nullable(),
  targetDuration: z.string().nullable(),
  openedAt: instant,
  startedAt: instant,
  dueAt: instant.openapi({ description: 'UTC, ISO 8601' }),
  dueAtLocal: instant.openapi({ description: 'The due time in the calendar zone, with its offset' }),
  elapsedMs: z.number(),
  remainingMs: z.number().nullable(),
  pausedMs: z.number(),
  pausedSince: instant,
  stoppedAt: instant,
  breachedAt: instant,
  warnings: z.array(z.object({ threshold: z.number(), reached: z.boolean(), at: instant })),
  nextTimerAt: instant,
  asOf: z.string(),
  imported: z.boolean(),
  history: z
    .array(
      z.object({
        at: z.string(),
        kind: z.string(),
        historical: z.boolean(),
        factKey: z.string().nullable(),
        details: z.record(z.string(), z.unknown()),
        by: z.string().nullable(),
        recordedAt: z.string(),
      }),
    )
    .optional(),
});
