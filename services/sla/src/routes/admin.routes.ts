/** Calendars and SLA/OLA definitions (read: agents and SLA managers; write: SLA managers and admins). */
import { NotFoundError } from '@itsm/core';
import { etag, requireIfMatch, z, type HttpApi } from '@itsm/http';
import * as admin from '../repository/admin.repository';
import * as svc from '../service/admin.service';
import type { SlaDeps } from '../service/clock.service';
import { calendarBody, calendarDto, calendarToDto, definitionBody, definitionDto, definitionInput, definitionToDto } from './schemas';

const idParams = z.object({ id: z.string().min(1).max(64) });
const changed = (schema: z.ZodType) => z.object({ record: schema, recomputedClocks: z.array(z.string()) });

export function adminRoutes(api: HttpApi, deps: SlaDeps): void {
  const tags = ['Calendars'];
  api.route({
    method: 'get',
    path: '/api/v1/sla/calendars',
    summary: 'List working calendars',
    tags,
    roles: ['agent', 'sla_manager'],
    responses: { 200: { description: 'Calendars', schema: z.object({ items: z.array(calendarDto) }) } },
    handler: async () => ({ status: 200, body: { items: (await admin.listCalendars(deps.knex)).map(calendarToDto) } }),
  });
  api.route({
    method: 'get',
    path: '/api/v1/sla/calendars/:id',
    summary: 'One working calendar',
    tags,
    roles: ['agent', 'sla_manager'],
    params: idParams,
    responses: { 200: { description: 'The calendar', schema: calendarDto, headers: { ETag: 'version' } } },
    handler: async ({ params }) => {
      const c = await admin.findCalendar(deps.knex, params.id);
      if (!c) throw new NotFoundError('Calendar', params.id);
      return { status: 200, body: calendarToDto(c), headers: { ETag: etag(c.version) } };
    },
  });
  api.route({
    method: 'post',
    path: '/api/v1/sla/calendars',
    summary: 'Create a working calendar',
    description: 'An IANA time zone, working intervals per weekday (local wall-clock time, half-open), holidays (local dates), or mode 24x7 (real elapsed time).',
    tags,
    roles: ['sla_manager'],
    body: calendarBody,
    responses: { 201: { description: 'Created', schema: calendarDto, headers: { ETag: 'version' } } },
    handler: async ({ body }) => {
      const c = await svc.createCalendar(deps, body);
      return { status: 201, body: calendarToDto(c), headers: { ETag: etag(c.version), Location: `/api/v1/sla/calendars/${c.id}` } };
    },
  });
  api.route({
    method: 'put',
    path: '/api/v1/sla/calendars/:id',
    summary: 'Change a working calendar (recomputes the open clocks that use it)',
    description: 'Needs If-Match with the version read. Open clocks on this calendar get the new calendar (their due times move); stopped clocks keep the calendar they were measured with.',
    tags,
    roles: ['sla_manager'],
    params: idParams,
    body: calendarBody.omit({ id: true }),
    responses: { 200: { description: 'Changed', schema: changed(calendarDto), headers: { ETag: 'version' } } },
    handler: async ({ params, body, req, user }) => {
      const r = await svc.updateCalendar(deps, params.id, requireIfMatch(req), body, user.id);
      return { status: 200, body: { record: calendarToDto(r.record), recomputedClocks: r.recomputedClocks }, headers: { ETag: etag(r.record.version) } };
    },
  });
  api.route({
    method: 'delete',
    path: '/api/v1/sla/calendars/:id',
    summary: 'Delete a calendar no definition uses',
    tags,
    roles: ['sla_manager'],
    params: idParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params }) => {
      await svc.deleteCalendar(deps, params.id);
      return { status: 204 };
    },
  });

  const dtags = ['Definitions'];
  api.route({
    method: 'get',
    path: '/api/v1/sla/definitions',
    summary: 'List SLA and OLA definitions',
    tags: dtags,
    roles: ['agent', 'sla_manager'],
    query: z.object({ kind: z.enum(['sla', 'ola']).optional(), active: z.boolean().optional() }),
    responses: { 200: { description: 'Definitions', schema: z.object({ items: z.array(definitionDto) }) } },
    handler: async ({ query }) => ({ status: 200, body: { items: (await admin.listDefinitions(deps.knex, query)).map(definitionToDto) } }),
  });
  api.route({
    method: 'get',
    path: '/api/v1/sla/definitions/:id',
    summary: 'One definition',
    tags: dtags,
    roles: ['agent', 'sla_manager'],
    params: idParams,
    responses: { 200: { description: 'The definition', schema: definitionDto, headers: { ETag: 'version' } } },
    handler: async ({ params }) => {
      const d = await admin.findDefinition(deps.knex, params.id);
      if (!d) throw new NotFoundError('SLA definition', params.id);
      return { status: 200, body: definitionToDto(d), headers: { ETag: etag(d.version) } };
    },
  });
  api.route({
    method: 'post',
    path: '/api/v1/sla/definitions',
    summary: 'Create an SLA or OLA definition',
    description:
      'Applies to tickets by priority (the priorities of its targets) and optionally category, CI, service and assignment group; the most specific active definition wins, then the lowest rank. Targets are ISO 8601 durations of business time. An OLA names the assignment group it measures.',
    tags: dtags,
    roles: ['sla_manager'],
    body: definitionBody,
    responses: { 201: { description: 'Created', schema: definitionDto, headers: { ETag: 'version' } } },
    handler: async ({ body }) => {
      const d = await svc.createDefinition(deps, definitionInput(body));
      return { status: 201, body: definitionToDto(d), headers: { ETag: etag(d.version), Location: `/api/v1/sla/definitions/${d.id}` } };
    },
  });
  api.route({
    method: 'put',
    path: '/api/v1/sla/definitions/:id',
    summary: 'Change a definition (recomputes the open clocks that use it)',
    tags: dtags,
    roles: ['sla_manager'],
    params: idParams,
    body: definitionBody.omit({ id: true }),
    responses: { 200: { description: 'Changed', schema: changed(definitionDto), headers: { ETag: 'version' } } },
    handler: async ({ params, body, req, user }) => {
      const r = await svc.updateDefinition(deps, params.id, requireIfMatch(req), definitionInput(body), user.id);
      return { status: 200, body: { record: definitionToDto(r.record), recomputedClocks: r.recomputedClocks }, headers: { ETag: etag(r.record.version) } };
    },
  });
}
