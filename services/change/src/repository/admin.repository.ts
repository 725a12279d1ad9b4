import type { Knex } from '@itsm/db';
import type { ApprovalPolicy } from '@itsm/wf-rfc-approval';
import type { Freeze, MaintenanceWindow } from '../domain/conflicts';
import type { Level } from '../domain/types';

type Db = Knex | Knex.Transaction;

export type GroupPurpose = 'cab' | 'ecab' | 'change_managers';

export interface ApproverGroupRecord {
  name: string;
  purpose: GroupPurpose;
  description: string;
  members: string[];
  policy: ApprovalPolicy;
  isDefault: boolean;
  version: number;
  updatedAt: Date;
}

interface GroupRow {
  name: string;
  purpose: GroupPurpose;
  description: string;
  members: string[];
  policy: ApprovalPolicy;
  is_default: boolean;
  version: number;
  updated_at: string | Date;
}

const groupOf = (r: GroupRow): ApproverGroupRecord => ({
  name: r.name,
  purpose: r.purpose,
  description: r.description,
  members: r.members,
  policy: r.policy,
  isDefault: r.is_default,
  version: r.version,
  updatedAt: new Date(r.updated_at),
});

export async function listGroups(db: Db): Promise<ApproverGroupRecord[]> {
  return (await db('approver_group').select('*').orderBy('name')).map(groupOf);
}

export async function findGroup(db: Db, name: string, lock = false): Promise<ApproverGroupRecord | undefined> {
  const q = db('approver_group').select('*').where({ name });
  if (lock) q.forUpdate();
  const r = await q.first();
  return r ? groupOf(r) : undefined;
}

export async function defaultGroup(db: Db, purpose: GroupPurpose): Promise<ApproverGroupRecord | undefined> {
  const r = await db('approver_group').select('*').where({ purpose, is_default: true }).first();
  return r ? groupOf(r) : undefined;
}

export async function saveGroup(trx: Knex.Transaction, g: ApproverGroupRecord): Promise<void> {
  if (g.isDefault) await trx('approver_group').where({ purpose: g.purpose, is_default: true }).whereNot({ name: g.name }).update({ is_default: false });
  await trx('approver_group')
    .insert({
      name: g.name,
      purpose: g.purpose,
      description: g.description,
      members: g.members,
      policy: JSON.stringify(g.policy),
      is_default: g.isDefault,
      version: g.version,
      updated_at: g.updatedAt,
    })
    .onConflict('name')
    .merge();
}

export async function deleteGroup(trx: Knex.Transaction, name: string): Promise<number> {
  return trx('approver_group').where({ name }).delete();
}

export interface TemplateRecord {
  id: string;
  name: string;
  description: string;
  category: string | null;
  ciIds: string[];
  impact: Level;
  implementationPlan: string;
  backoutPlan: string | null;
  testPlan: string | null;
  active: boolean;
  version: number;
  updatedAt: Date;
}

interface TemplateRow {
  id: string;
  name: string;
  description: string;
  category: string | null;
  ci_ids: string[];
  impact: Level;
  implementation_plan: string;
  backout_plan: string | null;
  test_plan: string | null;
  active: boolean;
  version: number;
  updated_at: string | Date;
}

const templateOf = (r: TemplateRow): TemplateRecord => ({
  id: r.id,
  name: r.name,
  description: r.description,
  category: r.category ?? null,
  ciIds: r.ci_ids,
  impact: r.impact,
  implementationPlan: r.implementation_plan,
  backoutPlan: r.backout_plan ?? null,
  testPlan: r.test_plan ?? null,
  active: r.active,
  version: r.version,
  updatedAt: new Date(r.updated_at),
});

export async function listTemplates(db: Db, activeOnly: boolean): Promise<TemplateRecord[]> {
  const q = db('standard_template').select('*').orderBy('name');
  if (activeOnly) q.where({ active: true });
  return (await q).map(templateOf);
}

export async function findTemplate(db: Db, id: string, lock = false): Promise<TemplateRecord | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const q = db('standard_template').select('*').where({ id });
  if (lock) q.forUpdate();
  const r = await q.first();
  return r ? templateOf(r) : undefined;
}

export async function saveTemplate(trx: Knex.Transaction, t: TemplateRecord): Promise<void> {
  await trx('standard_template')
    .insert({
      id: t.id,
      name: t.name,
      description: t.description,
      category: t.category,
      ci_ids: t.ciIds,
      impact: t.impact,
      implementation_plan: t.implementationPlan,
      backout_plan: t.backoutPlan,
      test_plan: t.testPlan,
      active: t.active,
      version: t.version,
      updated_at: t.updatedAt,
    })
    .onConflict('id')
    .merge();
}

export interface ConfigItemRecord {
  id: string;
  name: string;
  criticality: Level;
}

export async function saveConfigItem(trx: Knex.Transaction, ci: ConfigItemRecord, at: Date): Promise<void> {
  await trx('config_item').insert({ ...ci, updated_at: at }).onConflict('id').merge();
}

export async function listConfigItems(db: Db, ids?: string[]): Promise<ConfigItemRecord[]> {
  const q = db('config_item').select('id', 'name', 'criticality').orderBy('id');
  if (ids) q.whereIn('id', ids);
  return q;
}

export interface WindowRecord extends MaintenanceWindow {
  id: string;
  description: string;
}

interface WindowRow {
  id: string;
  ci_id: string;
  starts_at: string | Date;
  ends_at: string | Date;
  description: string;
}

const windowOf = (r: WindowRow): WindowRecord => ({
  id: r.id,
  ciId: r.ci_id,
  start: new Date(r.starts_at),
  end: new Date(r.ends_at),
  description: r.description,
});

export async function insertWindow(trx: Knex.Transaction, w: WindowRecord): Promise<void> {
  await trx('maintenance_window').insert({ id: w.id, ci_id: w.ciId, starts_at: w.start, ends_at: w.end, description: w.description });
}

export async function deleteWindow(trx: Knex.Transaction, id: string): Promise<number> {
  return trx('maintenance_window').where({ id }).delete();
}

/** Windows of some CIs (all of them), or every window overlapping [from, to). */
export async function listWindows(db: Db, f: { ciIds?: string[]; from?: Date; to?: Date }): Promise<WindowRecord[]> {
  const q = db('maintenance_window').select('*').orderBy('starts_at');
  if (f.ciIds) q.whereIn('ci_id', f.ciIds);
  if (f.to) q.where('starts_at', '<', f.to);
  if (f.from) q.where('ends_at', '>', f.from);
  return (await q).map(windowOf);
}

export interface FreezeRecord extends Freeze {
  reason: string;
}

interface FreezeRow {
  id: string;
  name: string;
  starts_at: string | Date;
  ends_at: string | Date;
  ci_ids: string[];
  reason: string;
}

const freezeOf = (r: FreezeRow): FreezeRecord => ({
  id: r.id,
  name: r.name,
  start: new Date(r.starts_at),
  end: new Date(r.ends_at),
  ciIds: r.ci_ids,
  reason: r.reason,
});

export async function insertFreeze(trx: Knex.Transaction, f: FreezeRecord): Promise<void> {
  await trx('freeze_period').insert({ id: f.id, name: f.name, starts_at: f.start, ends_at: f.end, ci_ids: f.ciIds, reason: f.reason });
}

export async function deleteFreeze(trx: Knex.Transaction, id: string): Promise<number> {
  return trx('freeze_period').where({ id }).delete();
}

/** Freezes overlapping [from, to) (all when no range). */
export async function listFreezes(db: Db, f: { from?: Date; to?: Date } = {}): Promise<FreezeRecord[]> {
  const q = db('freeze_period').select('*').orderBy('starts_at');
  if (f.to) q.where('starts_at', '<', f.to);
  if (f.from) q.where('ends_at', '>', f.from);
  return (await q).map(freezeOf);
}
