import { ValidationError } from '@itsm/core';
import { etag, parseIfMatch, requireIfMatch, z, type HttpApi } from '@itsm/http';
import type { Services } from '../service/services';
import { ADMIN, CATALOGUE_READ, MANAGE, STAFF } from './roles';
import {
  CiParams,
  ConfigItemBody,
  ConfigItemDto,
  FreezeBody,
  FreezeDto,
  GroupBody,
  GroupDto,
  IdParams,
  NameParams,
  RangeQuery,
  TemplateBody,
  TemplateDto,
  WindowBody,
  WindowDto,
  freezeDto,
  groupDto,
  templateDto,
  windowDto,
} from './admin.schemas';
import { ChangeDto, toDto } from './schemas';

const VERSIONED = { ETag: 'Version of the record (send it back in If-Match)' };
const MAX_RANGE_MS = 400 * 24 * 3600_000;

function range(q: { from: string; to: string }): { from: Date; to: Date } {
  const from = new Date(q.from);
  const to = new Date(q.to);
  if (to.getTime() <= from.getTime()) throw new ValidationError('`to` must be after `from`', [{ field: 'to', message: 'must be after from' }]);
  if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw new ValidationError('The range is longer than 400 days', [{ field: 'to', message: 'at most 400 days after from' }]);
  return { from, to };
}

/** Approver groups, the standard change catalogue, CIs, maintenance windows, freezes and the change calendar. */
export function adminRoutes(api: HttpApi, s: Services): void {
  // --- approver groups (CAB, ECAB, change managers) ---
  api.route({
    method: 'get',
    path: '/api/v1/changes/cab-groups',
    summary: 'Approver groups: CABs, the emergency CAB and the change managers, with their policies',
    tags: ['Approver groups'],
    roles: ['change_manager', 'cab_member'],
    responses: { 200: { description: 'Groups', schema: z.object({ items: z.array(GroupDto) }) } },
    handler: async () => ({ status: 200, body: { items: (await s.admin.groups()).map(groupDto) } }),
  });
  api.route({
    method: 'get',
    path: '/api/v1/changes/cab-groups/:name',
    summary: 'One approver group',
    tags: ['Approver groups'],
    roles: ['change_manager', 'cab_member'],
    params: NameParams,
    responses: { 200: { description: 'The group', schema: GroupDto, headers: VERSIONED }, 404: { description: 'No such group' } },
    handler: async ({ params }) => {
      const g = await s.admin.group(params.name);
      return { status: 200, body: groupDto(g), headers: { ETag: etag(g.version) } };
    },
  });
  api.route({
    method: 'put',
    path: '/api/v1/changes/cab-groups/:name',
    summary: 'Create or replace an approver group (If-Match to replace); new members vote from the next round',
    description: 'Policies: ALL, ANY, MAJORITY or PERCENT (integer arithmetic, C12). `isDefault` makes it the group used for its purpose.',
    tags: ['Approver groups'],
    roles: ADMIN,
    params: NameParams,
    body: GroupBody,
    responses: {
      201: { description: 'Created', schema: GroupDto, headers: VERSIONED },
      200: { description: 'Replaced', schema: GroupDto, headers: VERSIONED },
      409: { description: 'Exists (send If-Match)' },
      412: { description: 'Stale If-Match' },
    },
    handler: async ({ params, body, req }) => {
      const r = await s.admin.putGroup(params.name, body, parseIfMatch(req.headers['if-match']));
      return { status: r.created ? 201 : 200, body: groupDto(r.group), headers: { ETag: etag(r.group.version) } };
    },
  });
  api.route({
    method: 'delete',
    path: '/api/v1/changes/cab-groups/:name',
    summary: 'Delete an approver group',
    tags: ['Approver groups'],
    roles: ADMIN,
    params: NameParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such group' } },
    handler: async ({ params }) => {
      await s.admin.removeGroup(params.name);
      return { status: 204 };
    },
  });

  // --- standard change catalogue ---
  api.route({
    method: 'get',
    path: '/api/v1/changes/templates',
    summary: 'The standard change catalogue (pre-approved templates); requesters see the active ones',
    tags: ['Standard change catalogue'],
    roles: CATALOGUE_READ,
    query: z.object({ all: z.boolean().optional().describe('include inactive templates (admins)') }),
    responses: { 200: { description: 'Templates', schema: z.object({ items: z.array(TemplateDto) }) } },
    handler: async ({ query, user }) => ({
      status: 200,
      body: { items: (await s.admin.templates(!(query.all && user.roles.includes('admin')))).map(templateDto) },
    }),
  });
  api.route({
    method: 'get',
    path: '/api/v1/changes/templates/:id',
    summary: 'One standard change template',
    tags: ['Standard change catalogue'],
    roles: CATALOGUE_READ,
    params: IdParams,
    responses: { 200: { description: 'The template', schema: TemplateDto, headers: VERSIONED }, 404: { description: 'No such template' } },
    handler: async ({ params }) => {
      const t = await s.admin.template(params.id);
      return { status: 200, body: templateDto(t), headers: { ETag: etag(t.version) } };
    },
  });
  api.route({
    method: 'post',
    path: '/api/v1/changes/templates',
    summary: 'Add a standard change template to the catalogue',
    tags: ['Standard change catalogue'],
    roles: ADMIN,
    body: TemplateBody,
    responses: { 201: { description: 'Created', schema: TemplateDto, headers: VERSIONED }, 409: { description: 'Name taken' } },
    handler: async ({ body }) => {
      const t = await s.admin.createTemplate(body);
      return { status: 201, body: templateDto(t), headers: { ETag: etag(t.version), Location: `/api/v1/changes/templates/${t.id}` } };
    },
  });
  api.route({
    method: 'put',
    path: '/api/v1/changes/templates/:id',
    summary: 'Replace a standard change template (If-Match); `active: false` withdraws it',
    tags: ['Standard change catalogue'],
    roles: ADMIN,
    params: IdParams,
    body: TemplateBody,
    responses: { 200: { description: 'Replaced', schema: TemplateDto, headers: VERSIONED }, 404: { description: 'No such template' }, 412: { description: 'Stale If-Match' }, 428: { description: 'If-Match missing' } },
    handler: async ({ params, body, req }) => {
      const t = await s.admin.updateTemplate(params.id, body, requireIfMatch(req));
      return { status: 200, body: templateDto(t), headers: { ETag: etag(t.version) } };
    },
  });

  // --- configuration items (criticality for the risk assessment) ---
  api.route({
    method: 'get',
    path: '/api/v1/changes/cis',
    summary: 'Configuration items known to change management, with their criticality',
    tags: ['Schedule'],
    roles: STAFF,
    responses: { 200: { description: 'CIs', schema: z.object({ items: z.array(ConfigItemDto) }) } },
    handler: async () => ({ status: 200, body: { items: await s.admin.configItems() } }),
  });
  api.route({
    method: 'put',
    path: '/api/v1/changes/cis/:id',
    summary: 'Record a CI and its business criticality (used by the risk assessment)',
    tags: ['Schedule'],
    roles: MANAGE,
    params: CiParams,
    body: ConfigItemBody,
    responses: { 200: { description: 'Stored', schema: ConfigItemDto } },
    handler: async ({ params, body }) => ({ status: 200, body: await s.admin.putConfigItem({ id: params.id, ...body }) }),
  });

  // --- maintenance windows and freezes ---
  api.route({
    method: 'get',
    path: '/api/v1/changes/maintenance-windows',
    summary: 'Maintenance windows (of a CI, and/or overlapping a range)',
    tags: ['Schedule'],
    roles: STAFF,
    query: z.object({ ci: z.string().max(200).optional(), from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() }),
    responses: { 200: { description: 'Windows', schema: z.object({ items: z.array(WindowDto) }) } },
    handler: async ({ query }) => ({
      status: 200,
      body: {
        items: (
          await s.admin.windows({ ...(query.ci ? { ciIds: [query.ci] } : {}), from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined })
        ).map(windowDto),
      },
    }),
  });
  api.route({
    method: 'post',
    path: '/api/v1/changes/maintenance-windows',
    summary: 'Add a maintenance window to a CI (half-open [start, end)); a CI with windows takes changes only inside one',
    tags: ['Schedule'],
    roles: MANAGE,
    body: WindowBody,
    responses: { 201: { description: 'Created', schema: WindowDto } },
    handler: async ({ body }) => ({
      status: 201,
      body: windowDto(await s.admin.addWindow({ ciId: body.ciId, start: new Date(body.start), end: new Date(body.end), description: body.description })),
    }),
  });
  api.route({
    method: 'delete',
    path: '/api/v1/changes/maintenance-windows/:id',
    summary: 'Remove a maintenance window',
    tags: ['Schedule'],
    roles: MANAGE,
    params: IdParams,
    responses: { 204: { description: 'Removed' }, 404: { description: 'No such window' } },
    handler: async ({ params }) => {
      await s.admin.removeWindow(params.id);
      return { status: 204 };
    },
  });
  api.route({
    method: 'get',
    path: '/api/v1/changes/freezes',
    summary: 'Freeze (blackout) periods, optionally overlapping a range',
    tags: ['Schedule'],
    roles: STAFF,
    query: z.object({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() }),
    responses: { 200: { description: 'Freezes', schema: z.object({ items: z.array(FreezeDto) }) } },
    handler: async ({ query }) => ({
      status: 200,
      body: { items: (await s.admin.freezes({ from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined })).map(freezeDto) },
    }),
  });
  api.route({
    method: 'post',
    path: '/api/v1/changes/freezes',
    summary: 'Add a freeze (half-open [start, end)); only emergency changes may be scheduled in it, flagged',
    tags: ['Schedule'],
    roles: MANAGE,
    body: FreezeBody,
    responses: { 201: { description: 'Created', schema: FreezeDto } },
    handler: async ({ body }) => ({
      status: 201,
      body: freezeDto(await s.admin.addFreeze({ name: body.name, start: new Date(body.start), end: new Date(body.end), ciIds: body.ciIds, reason: body.reason })),
    }),
  });
  api.route({
    method: 'delete',
    path: '/api/v1/changes/freezes/:id',
    summary: 'Remove a freeze',
    tags: ['Schedule'],
    roles: MANAGE,
    params: IdParams,
    responses: { 204: { description: 'Removed' }, 404: { description: 'No such freeze' } },
    handler: async ({ params }) => {
      await s.admin.removeFreeze(params.id);
      return { status: 204 };
    },
  });

  // --- the change calendar ---
  api.route({
    method: 'get',
    path: '/api/v1/changes/calendar',
    summary: 'The change calendar: scheduled changes, maintenance windows and freezes in [from, to)',
    tags: ['Schedule'],
    roles: STAFF,
    query: RangeQuery,
    responses: {
      200: {
        description: 'Calendar',
        schema: z.object({ from: z.string(), to: z.string(), changes: z.array(ChangeDto), maintenanceWindows: z.array(WindowDto), freezes: z.array(FreezeDto) }),
      },
      422: { description: 'Bad range' },
    },
    handler: async ({ query }) => {
      const { from, to } = range(query);
      const cal = await s.schedules.calendar(from, to, query.ci);
      return {
        status: 200,
        body: {
          from: from.toISOString(),
          to: to.toISOString(),
          changes: cal.changes.map((c) => toDto(c, { workflowId: s.approvals.workflowId(c.number), workflowUiUrl: s.approvals.uiUrl(c.number) })),
          maintenanceWindows: cal.maintenanceWindows.map(windowDto),
          freezes: cal.freezes.map(freezeDto),
        },
      };
    },
  });
}
