import { NotFoundError } from '@itsm/core';
import { withTransaction } from '@itsm/db';
import { etag, z, type HttpApi } from '@itsm/http';
import { TIMELINE_FIELDS } from '../domain/import';
import { validateMatrix } from '../domain/priority';
import { lifecycleSettingsSchema } from '../domain/settings';
import { CONTACT_TYPES, HOLD_REASONS, STATES } from '../domain/types';
import * as misc from '../repository/misc.repository';
import { importIncident } from '../service/import.service';
import type { IncidentService } from '../service/incident.service';
import { ingestMail } from '../service/mail.service';
import { MIB, actorOf, incidentDto, shortText, text, title, toDto } from './schemas';

const groupId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, . _ - (at most 100)');
const groupDto = z.object({ id: z.string(), name: z.string(), managerId: z.string().nullable(), members: z.array(z.string()) }).openapi('AssignmentGroup');
const matrixDto = z.object({ matrix: z.array(z.array(z.number().int().min(1).max(5)).length(3)).length(3) }).openapi('PriorityMatrix', {
  description: 'Rows: impact 1 (High) .. 3 (Low); columns: urgency 1 .. 3; values: priority 1 (Critical) .. 5 (Planning)',
});

const instant = z.iso.datetime({ offset: true });
const entryBase = { at: instant, by: shortText().optional().openapi({ description: 'Author of the history row (the importer when absent)' }) };
const fieldValue = shortText().nullable().optional();
/** One step of an imported timeline, by kind (unknown kinds and fields of another kind are refused, naming them). */
const timelineEntry = z
  .discriminatedUnion('kind', [
    z.strictObject({
      ...entryBase,
      kind: z.enum(['state', 'assignment', 'priority']),
      state: z.enum(STATES).optional(),
      holdReason: z.enum(HOLD_REASONS).nullable().optional(),
      assignmentGroup: shortText().nullable().optional(),
      assignee: shortText().nullable().optional(),
      priority: z.number().int().min(1).max(5).optional(),
    }),
    z.strictObject({
      ...entryBase,
      kind: z.literal('problem'),
      problemId: shortText().min(1).nullable().openapi({ description: 'The problem linked from `at` on (links, or changes the link); null unlinks' }),
    }),
    z
      .strictObject({
        ...entryBase,
        kind: z.literal('fields'),
        category: fieldValue,
        subcategory: fieldValue,
        symptom: fieldValue,
        location: fieldValue,
      })
      .refine((e) => TIMELINE_FIELDS.some((f) => e[f] !== undefined), { message: `names none of ${TIMELINE_FIELDS.join(', ')}` }),
  ])
  .openapi('IncidentImportTimelineEntry', {
    description:
      'kind state | assignment | priority: the state (and hold reason), assignment or priority from `at` on. kind problem: `problemId` linked from `at` on (null unlinks). kind fields: the category, subcategory, symptom or location from `at` on (absent = unchanged, null = cleared). A field that entries change opens empty; its final value is the last entry\'s (a top-level value sent as well must equal it, or the import is refused with a 422 naming the field).',
  });
export const importBody = z
  .object({
    source: shortText(100).min(1).default('import'),
    sourceNumber: shortText(100).min(1),
    title,
    description: text(MIB).optional(),
    callerId: shortText().min(1),
    openedBy: shortText().optional(),
    contactType: z.enum(CONTACT_TYPES).default('phone'),
    location: shortText().nullable().optional(),
    category: shortText().nullable().optional(),
    subcategory: shortText().nullable().optional(),
    symptom: shortText().nullable().optional(),
    ciId: shortText().nullable().optional(),
    impact: z.number().int().min(1).max(3),
    urgency: z.number().int().min(1).max(3),
    priority: z.number().int().min(1).max(5).optional(),
    problemId: shortText()
      .nullable()
      .optional()
      .openapi({ description: 'The final problem link. With `problem` timeline entries it may be left out; when sent it must equal the last entry\'s (422 otherwise)' }),
    causedByChange: shortText().nullable().optional(),
    resolutionCode: shortText().nullable().optional(),
    resolutionNotes: text(MIB).nullable().optional(),
    knowledge: z.boolean().optional(),
    madeSla: z.boolean().nullable().optional(),
    openedAt: instant,
    timeline: z.array(timelineEntry).max(10_000),
  })
  .openapi('IncidentImport');

export function adminRoutes(api: HttpApi, svc: IncidentService): void {
  api.route({
    method: 'get',
    path: '/api/v1/groups',
    summary: 'Assignment groups and their members',
    tags: ['Groups'],
    roles: ['agent'],
    responses: { 200: { description: 'Groups', schema: z.object({ items: z.array(groupDto) }) } },
    handler: async () => ({ status: 200, body: { items: await misc.listGroups(svc.knex) } }),
  });

  api.route({
    method: 'get',
    path: '/api/v1/groups/:id',
    summary: 'One assignment group',
    tags: ['Groups'],
    roles: ['agent'],
    params: z.object({ id: groupId }),
    responses: { 200: { description: 'Group', schema: groupDto }, 404: { description: 'Not found' } },
    handler: async ({ params }) => {
      const g = await misc.getGroup(svc.knex, params.id);
      if (!g) throw new NotFoundError('Group', params.id);
      return { status: 200, body: g };
    },
  });

  api.route({
    method: 'put',
    path: '/api/v1/groups/:id',
    summary: 'Create or replace an assignment group (members replace the list when given)',
    tags: ['Groups'],
    roles: ['admin'],
    params: z.object({ id: groupId }),
    body: z.object({ name: shortText().min(1), managerId: shortText().nullable().optional(), members: z.array(shortText().min(1)).max(5000).optional() }),
    responses: { 200: { description: 'Replaced', schema: groupDto }, 201: { description: 'Created', schema: groupDto } },
    handler: async ({ params, body }) => {
      const created = await withTransaction(svc.knex, (trx) => misc.upsertGroup(trx, { id: params.id, name: body.name, managerId: body.managerId ?? null, members: body.members }, svc.now()));
      return { status: created ? 201 : 200, body: await misc.getGroup(svc.knex, params.id) };
    },
  });

  api.route({
    method: 'put',
    path: '/api/v1/groups/:id/members',
    summary: 'Replace the members of a group',
    tags: ['Groups'],
    roles: ['admin'],
    params: z.object({ id: groupId }),
    body: z.object({ members: z.array(shortText().min(1)).max(5000) }),
    responses: { 200: { description: 'Replaced', schema: groupDto }, 404: { description: 'No such group' } },
    handler: async ({ params, body }) => {
      const g = await misc.getGroup(svc.knex, params.id);
      if (!g) throw new NotFoundError('Group', params.id);
      await withTransaction(svc.knex, (trx) => misc.upsertGroup(trx, { ...g, members: body.members }, svc.now()));
      return { status: 200, body: await misc.getGroup(svc.knex, params.id) };
    },
  });

  api.route({
    method: 'delete',
    path: '/api/v1/groups/:id',
    summary: 'Delete an assignment group',
    tags: ['Groups'],
    roles: ['admin'],
    params: z.object({ id: groupId }),
    responses: { 204: { description: 'Deleted' }, 404: { description: 'Not found' } },
    handler: async ({ params }) => {
      if (!(await misc.deleteGroup(svc.knex, params.id))) throw new NotFoundError('Group', params.id);
      return { status: 204 };
    },
  });

  const orgDto = z
    .object({ id: z.string(), name: z.string(), membersSeeOrganisationTickets: z.boolean(), members: z.array(z.string()) })
    .openapi('Organisation');

  api.route({
    method: 'get',
    path: '/api/v1/organisations',
    summary: 'Requester organisations and their members',
    tags: ['Organisations'],
    roles: ['agent'],
    responses: { 200: { description: 'Organisations', schema: z.object({ items: z.array(orgDto) }) } },
    handler: async () => ({ status: 200, body: { items: await misc.listOrganisations(svc.knex) } }),
  });

  api.route({
    method: 'put',
    path: '/api/v1/organisations/:id',
    summary: 'Create or replace a requester organisation (members replace the list when given)',
    description: 'With membersSeeOrganisationTickets, the requesters of the organisation read (list, search, get, comment on) each other\'s incidents; confirm and reopen stay with the caller.',
    tags: ['Organisations'],
    roles: ['admin'],
    params: z.object({ id: groupId }),
    body: z.object({ name: shortText().min(1), membersSeeOrganisationTickets: z.boolean().default(false), members: z.array(shortText().min(1)).max(100_000).optional() }),
    responses: { 200: { description: 'Replaced', schema: orgDto }, 201: { description: 'Created', schema: orgDto } },
    handler: async ({ params, body }) => {
      const created = await withTransaction(svc.knex, (trx) => misc.upsertOrganisation(trx, { id: params.id, ...body }, svc.now()));
      return { status: created ? 201 : 200, body: await misc.getOrganisation(svc.knex, params.id) };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/admin/priority-matrix',
    summary: 'The impact × urgency → priority matrix',
    tags: ['Admin'],
    roles: ['agent'],
    responses: { 200: { description: 'Matrix', schema: matrixDto } },
    handler: async () => ({ status: 200, body: { matrix: (await svc.settings()).matrix } }),
  });

  api.route({
    method: 'put',
    path: '/api/v1/admin/priority-matrix',
    summary: 'Replace the priority matrix (applies to later impact/urgency changes; existing priorities stay)',
    tags: ['Admin'],
    roles: ['admin'],
    body: matrixDto,
    responses: { 200: { description: 'Stored', schema: matrixDto } },
    handler: async ({ body, user }) => {
      const matrix = validateMatrix(body.matrix);
      await misc.putSetting(svc.knex, 'priorityMatrix', matrix, user.id, svc.now());
      return { status: 200, body: { matrix } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/admin/settings',
    summary: 'Lifecycle settings (auto-close period, reopen window, problem link, SLA escalation rules)',
    tags: ['Admin'],
    roles: ['admin'],
    responses: { 200: { description: 'Settings', schema: lifecycleSettingsSchema } },
    handler: async () => ({ status: 200, body: (await svc.settings()).lifecycle }),
  });

  api.route({
    method: 'patch',
    path: '/api/v1/admin/settings',
    summary: 'Change lifecycle settings (only the fields sent)',
    tags: ['Admin'],
    roles: ['admin'],
    body: lifecycleSettingsSchema.partial(),
    responses: { 200: { description: 'Settings after the change', schema: lifecycleSettingsSchema } },
    handler: async ({ body, user }) => {
      const next = { ...(await svc.settings()).lifecycle, ...body };
      await misc.putSetting(svc.knex, 'lifecycle', next, user.id, svc.now());
      return { status: 200, body: next };
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/incidents/import',
    summary: 'Import an incident with its historical timeline (idempotent by source number)',
    description: 'Stores the record as it happened: history rows at their historical times and the final state; emits one itsm.incident.imported.v1 event carrying the timeline, with the historical occurredAt. A second import of the same (source, sourceNumber) answers the stored record with 200.',
    tags: ['Admin'],
    roles: ['admin'],
    body: importBody,
    bodyLimit: '10mb',
    responses: { 201: { description: 'Imported', schema: incidentDto }, 200: { description: 'Already imported', schema: incidentDto } },
    handler: async ({ body, user }) => {
      const { madeSla, openedAt, timeline, ...rest } = body;
      const input = { ...rest, openedAt: new Date(openedAt), timeline: timeline.map((e) => ({ ...e, at: new Date(e.at) })) };
      const r = await importIncident(svc, input, actorOf(user), madeSla);
      return { status: r.created ? 201 : 200, body: toDto(r.incident, user), headers: { ETag: etag(r.incident.version), Location: `/api/v1/incidents/${r.incident.number}` } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/v1/inbound-mail',
    summary: 'Ingest an inbound e-mail as an incident (one incident per Message-ID)',
    description: 'For the mail fetcher. A repeated delivery of the same Message-ID creates nothing: it answers the existing incident with duplicate=true and is counted on the message record.',
    tags: ['Admin'],
    roles: ['agent'],
    body: z.object({
      messageId: shortText(998).min(1),
      from: shortText().min(1),
      subject: text(10_000),
      body: text(MIB),
      impact: z.number().int().min(1).max(3).optional(),
      urgency: z.number().int().min(1).max(3).optional(),
    }),
    responses: {
      201: { description: 'Incident created', schema: z.object({ incident: incidentDto, duplicate: z.boolean(), duplicateCount: z.number() }) },
      200: { description: 'Duplicate delivery', schema: z.object({ incident: incidentDto, duplicate: z.boolean(), duplicateCount: z.number() }) },
    },
    handler: async ({ body, user }) => {
      const r = await ingestMail(svc, body, actorOf(user));
      return { status: r.duplicate ? 200 : 201, body: { incident: toDto(r.incident, user), duplicate: r.duplicate, duplicateCount: r.duplicateCount } };
    },
  });
}
