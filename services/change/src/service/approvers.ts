import { AppError, ValidationError } from '@itsm/core';
import type { Knex } from '@itsm/db';
import type { ApproverGroup, RfcApprovalInput } from '@itsm/wf-rfc-approval';
import { highest } from '../domain/risk';
import type { Change } from '../domain/types';
import { defaultGroup, findGroup, listConfigItems, type ApproverGroupRecord } from '../repository/admin.repository';
import type { ServiceDeps } from './write-path';

type Db = Knex | Knex.Transaction;

const asGroup = (g: ApproverGroupRecord): ApproverGroup => ({ name: g.name, members: g.members, policy: g.policy });

function notConfigured(what: string): AppError {
  return new AppError(409, 'APPROVERS_NOT_CONFIGURED', `No ${what} is configured: an admin manages the approver groups (/api/v1/changes/cab-groups)`, { missing: what });
}

/** The approvers of an RfC (change managers, its CAB, the ECAB) and the workflow input built from the record. */
export class ApproverConfig {
  constructor(private readonly deps: ServiceDeps) {}

  async assertCabGroup(db: Db, name: string): Promise<void> {
    const g = await findGroup(db, name);
    if (!g || g.purpose !== 'cab') throw new ValidationError('No CAB group with this name', [{ field: 'cabGroup', message: `${name} is not a CAB group` }]);
  }

  /** The approval workflow's input for the RfC's current revision; 409 when approvers are missing. */
  async approvalInput(db: Db, c: Change): Promise<RfcApprovalInput> {
    const managers = await defaultGroup(db, 'change_managers');
    if (!managers || managers.members.length === 0) throw notConfigured('change manager group');
    const cab = c.cabGroup ? await findGroup(db, c.cabGroup) : await defaultGroup(db, 'cab');
    if (!cab) throw notConfigured('CAB');
    const ecab = await defaultGroup(db, 'ecab');
    if (c.type === 'emergency' && !ecab) throw notConfigured('emergency CAB');
    const cis = await listConfigItems(db, c.ciIds);
    const criticality = highest(cis.map((ci) => ci.criticality));
    return {
      rfcId: c.id,
      rfcNumber: c.number,
      title: c.title,
      revision: c.revision,
      changeType: c.type,
      riskInputs: {
        impact: c.impact,
        ciIds: c.ciIds,
        ...(criticality ? { ciCriticality: criticality } : {}),
        hasTestPlan: Boolean(c.testPlan),
        hasBackoutPlan: Boolean(c.backoutPlan),
        ...(c.plannedStart ? { plannedStart: c.plannedStart.toISOString() } : {}),
        ...(c.plannedEnd ? { plannedEnd: c.plannedEnd.toISOString() } : {}),
      },
      changeManagers: managers.members,
      cab: asGroup(cab),
      ...(ecab ? { ecab: asGroup(ecab) } : {}),
      timing: this.deps.config.timing,
      onDeadline: this.deps.config.onDeadline,
    };
  }
}
