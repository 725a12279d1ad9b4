import { z } from '@itsm/http';
import type { ApproverGroupRecord, FreezeRecord, TemplateRecord, WindowRecord } from '../repository/admin.repository';
import { LevelSchema } from './schemas';

const text = (max: number) => z.string().trim().max(max);
const iso = z.iso.datetime({ offset: true });
const longText = text(65_536);

export const NameParams = z.object({ name: text(100).min(1).openapi({ example: 'CAB' }) });
export const IdParams = z.object({ id: z.uuid() });
export const CiParams = z.object({ id: text(200).min(1).openapi({ example: 'ci-switch-01' }) });

export const PolicySchema = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('ALL') }),
    z.strictObject({ mode: z.literal('ANY') }),
    z.strictObject({ mode: z.literal('MAJORITY') }),
    z.strictObject({ mode: z.literal('PERCENT'), percent: z.number().int().min(1).max(100) }),
  ])
  .openapi('ApprovalPolicy');

export const GroupBody = z
  .object({
    purpose: z.enum(['cab', 'ecab', 'change_managers']),
    description: text(2000).optional(),
    members: z.array(text(200).min(1)).min(1).max(200),
    policy: PolicySchema,
    isDefault: z.boolean().optional(),
  })
  .openapi('ApproverGroupInput');
export const GroupDto = z
  .object({ name: z.string(), purpose: z.string(), description: z.string(), members: z.array(z.string()), policy: z.unknown(), isDefault: z.boolean(), version: z.number(), updatedAt: z.string() })
  .openapi('ApproverGroup');
export const groupDto = (g: ApproverGroupRecord) => ({ ...g, updatedAt: g.updatedAt.toISOString() });

export const TemplateBody = z
  .object({
    name: text(255).min(1),
    description: longText.optional(),
    category: text(100).nullable().optional(),
    ciIds: z.array(text(200).min(1)).max(100).optional(),
    impact: LevelSchema.optional(),
    implementationPlan: longText.min(1),
    backoutPlan: longText.nullable().optional(),
    testPlan: longText.nullable().optional(),
    active: z.boolean().optional(),
  })
  .openapi('StandardTemplateInput');
export const TemplateDto = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string().nullable(),
    ciIds: z.array(z.string()),
    impact: z.string(),
    implementationPlan: z.string(),
    backoutPlan: z.string().nullable(),
    testPlan: z.string().nullable(),
    active: z.boolean(),
    version: z.number(),
    updatedAt: z.string(),
  })
  .openapi('StandardTemplate');
export const templateDto = (t: TemplateRecord) => ({ ...t, updatedAt: t.updatedAt.toISOString() });

export const ConfigItemBody = z.object({ name: text(255).min(1), criticality: LevelSchema }).openapi('ConfigItemInput');
export const ConfigItemDto = z.object({ id: z.string(), name: z.string(), criticality: z.string() }).openapi('ConfigItem');

export const WindowBody = z.object({ ciId: text(200).min(1), start: iso, end: iso, description: text(2000).optional() }).openapi('MaintenanceWindowInput');
export const WindowDto = z.object({ id: z.string(), ciId: z.string(), start: z.string(), end: z.string(), description: z.string() }).openapi('MaintenanceWindow');
export const windowDto = (w: WindowRecord) => ({ ...w, start: w.start.toISOString(), end: w.end.toISOString() });

export const FreezeBody = z
  .object({ name: text(255).min(1), start: iso, end: iso, ciIds: z.array(text(200).min(1)).max(500).optional().describe('empty: every CI'), reason: text(2000).optional() })
  .openapi('FreezeInput');
export const FreezeDto = z.object({ id: z.string(), name: z.string(), start: z.string(), end: z.string(), ciIds: z.array(z.string()), reason: z.string() }).openapi('Freeze');
export const freezeDto = (f: FreezeRecord) => ({ ...f, start: f.start.toISOString(), end: f.end.toISOString() });

export const RangeQuery = z.object({ from: iso, to: iso, ci: text(200).optional() });

