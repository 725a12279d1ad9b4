import { ConflictError, NotFoundError, ValidationError, newId } from '@itsm/core';
import { withTransaction, type Knex } from '@itsm/db';
import { assertVersion } from '@itsm/http';
import { policyIssues, type ApprovalPolicy } from '@itsm/wf-rfc-approval';
import type { Level } from '../domain/types';
import {
  deleteFreeze,
  deleteGroup,
  deleteWindow,
  findGroup,
  findTemplate,
  insertFreeze,
  insertWindow,
  listConfigItems,
  listFreezes,
  listGroups,
  listTemplates,
  listWindows,
  saveConfigItem,
  saveGroup,
  saveTemplate,
  type ApproverGroupRecord,
  type ConfigItemRecord,
  type FreezeRecord,
  type GroupPurpose,
  type TemplateRecord,
  type WindowRecord,
} from '../repository/admin.repository';
import type { ServiceDeps } from './write-path';

export interface GroupInput {
  purpose: GroupPurpose;
  description?: string;
  members: string[];
  policy: ApprovalPolicy;
  isDefault?: boolean;
}

export interface TemplateInput {
  name: string;
  description?: string;
  category?: string | null;
  ciIds?: string[];
  impact?: Level;
  implementationPlan: string;
  backoutPlan?: string | null;
  testPlan?: string | null;
  active?: boolean;
}

function checkInterval(start: Date, end: Date): void {
  if (end.getTime() <= start.getTime()) throw new ValidationError('The end must be after the start', [{ field: 'end', message: 'must be after start' }]);
}

/** Admin-managed settings: approver groups, the standard change catalogue, CIs, maintenance windows and freezes. */
export class AdminService {
  constructor(private readonly deps: ServiceDeps) {}

  private tx<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return withTransaction(this.deps.knex, fn);
  }

  groups(): Promise<ApproverGroupRecord[]> {
    return listGroups(this.deps.knex);
  }

  async group(name: string): Promise<ApproverGroupRecord> {
    const g = await findGroup(this.deps.knex, name);
    if (!g) throw new NotFoundError('Approver group', name);
    return g;
  }

  /** Creates or replaces a group (If-Match when it exists). A change of members applies to the next round. */
  putGroup(name: string, input: GroupInput, expectedVersion: number | undefined): Promise<{ group: ApproverGroupRecord; created: boolean }> {
    const issues = policyIssues(input.policy);
    if (issues.length) throw new ValidationError('Invalid approval policy', issues.map((message) => ({ field: 'policy', message })));
    if (input.purpose === 'change_managers' && input.policy.mode !== 'ANY') {
      throw new ValidationError('Change managers approve low-risk changes with policy ANY', [{ field: 'policy', message: 'must be ANY for change_managers' }]);
    }
    return this.tx(async (trx) => {
      const before = await findGroup(trx, name, true);
      if (before && expectedVersion === undefined) throw new ConflictError(`Group ${name} exists: send If-Match to replace it`, 'GROUP_EXISTS', { version: before.version });
      if (before && expectedVersion !== undefined) assertVersion(before.version, expectedVersion);
      const group: ApproverGroupRecord = {
        name,
        purpose: input.purpose,
        description: input.description ?? '',
        members: [...new Set(input.members)],
        policy: input.policy,
        isDefault: input.isDefault ?? false,
        version: (before?.version ?? 0) + 1,
        updatedAt: this.deps.clock.now(),
      };
      await saveGroup(trx, group);
      return { group, created: !before };
    });
  }

  async removeGroup(name: string): Promise<void> {
    await this.tx(async (trx) => {
      if ((await deleteGroup(trx, name)) === 0) throw new NotFoundError('Approver group', name);
    });
  }

  templates(activeOnly: boolean): Promise<TemplateRecord[]> {
    return listTemplates(this.deps.knex, activeOnly);
  }

  async template(id: string): Promise<TemplateRecord> {
    const t = await findTemplate(this.deps.knex, id);
    if (!t) throw new NotFoundError('Standard change template', id);
    return t;
  }

  createTemplate(input: TemplateInput): Promise<TemplateRecord> {
    return this.tx(async (trx) => {
      const t = this.templateOf(newId(), input, 1);
      try {
        await saveTemplate(trx, t);
      } catch (e) {
        if ((e as { code?: string }).code === '23505') throw new ConflictError(`A template named ${input.name} exists`, 'TEMPLATE_EXISTS');
        throw e;
      }
      return t;
    });
  }

  updateTemplate(id: string, input: TemplateInput, expectedVersion: number): Promise<TemplateRecord> {
    return this.tx(async (trx) => {
      const before = await findTemplate(trx, id, true);
      if (!before) throw new NotFoundError('Standard change template', id);
      assertVersion(before.version, expectedVersion);
      const t = this.templateOf(id, input, before.version + 1);
      await saveTemplate(trx, t);
      return t;
    });
  }

  private templateOf(id: string, input: TemplateInput, version: number): TemplateRecord {
    return {
      id,
      name: input.name,
      description: input.description ?? '',
      category: input.category ?? null,
      ciIds: [...new Set(input.ciIds ?? [])],
      impact: input.impact ?? 'low',
      implementationPlan: input.implementationPlan,
      backoutPlan: input.backoutPlan ?? null,
      testPlan: input.testPlan ?? null,
      active: input.active ?? true,
      version,
      updatedAt: this.deps.clock.now(),
    };
  }

  configItems(): Promise<ConfigItemRecord[]> {
    return listConfigItems(this.deps.knex);
  }

  async putConfigItem(ci: ConfigItemRecord): Promise<ConfigItemRecord> {
    await this.tx((trx) => saveConfigItem(trx, ci, this.deps.clock.now()));
    return ci;
  }

  windows(f: { ciIds?: string[]; from?: Date; to?: Date }): Promise<WindowRecord[]> {
    return listWindows(this.deps.knex, f);
  }

  async addWindow(input: { ciId: string; start: Date; end: Date; description?: string }): Promise<WindowRecord> {
    checkInterval(input.start, input.end);
    const w: WindowRecord = { id: newId(), ciId: input.ciId, start: input.start, end: input.end, description: input.description ?? '' };
    await this.tx((trx) => insertWindow(trx, w));
    return w;
  }

  async removeWindow(id: string): Promise<void> {
    await this.tx(async (trx) => {
      if ((await deleteWindow(trx, id)) === 0) throw new NotFoundError('Maintenance window', id);
    });
  }

  freezes(f: { from?: Date; to?: Date }): Promise<FreezeRecord[]> {
    return listFreezes(this.deps.knex, f);
  }

  async addFreeze(input: { name: string; start: Date; end: Date; ciIds?: string[]; reason?: string }): Promise<FreezeRecord> {
    checkInterval(input.start, input.end);
    const f: FreezeRecord = { id: newId(), name: input.name, start: input.start, end: input.end, ciIds: [...new Set(input.ciIds ?? [])], reason: input.reason ?? '' };
    await this.tx((trx) => insertFreeze(trx, f));
    return f;
  }

  async removeFreeze(id: string): Promise<void> {
    await this.tx(async (trx) => {
      if ((await deleteFreeze(trx, id)) === 0) throw new NotFoundError('Freeze', id);
    });
  }
}
