import { ConflictError } from '@itsm/core';
import { decision, same } from './decision';
import { assertTransition } from './lifecycle';
import type { Change, Decision, FieldChange, Level, State } from './types';

/** The approval of an RfC's revisions, as the workflow's activities record it. */

/** Risk recorded by the assessment of the current revision (no state change). */
export function recordRisk(c: Change, revision: number, risk: Level, reasons: string[]): Decision {
  if (revision !== c.revision || (c.risk === risk && same(c.riskReasons, reasons))) return decision(c);
  return decision({ ...c, risk, riskReasons: reasons }, [{ field: 'risk', from: c.risk, to: risk }]);
}

/** A voting round opened for `revision`: assess → authorize (awaiting approval). */
export function openRound(c: Change, revision: number, round: number): Decision {
  if (revision !== c.revision || !['assess', 'authorize'].includes(c.state)) return decision(c);
  const changes: FieldChange[] = [{ field: 'approvalRound', from: c.approvalRound, to: round }];
  if (c.state === 'assess') changes.push({ field: 'state', from: 'assess', to: 'authorize' });
  return decision({ ...c, state: 'authorize', approvalRound: round, approvalStatus: 'waiting' }, changes);
}

export interface ApprovalDecisionInput {
  outcome: 'approved' | 'rejected';
  revision: number;
  round?: number;
  reason?: string;
}

/**
 * The approval workflow decided a revision. Only a decision on the current
 * revision counts: an approval of an earlier revision never lets the RfC
 * proceed (it stays in the history of its round).
 */
export function applyDecision(c: Change, d: ApprovalDecisionInput): Decision {
  if (d.revision !== c.revision || !['assess', 'authorize'].includes(c.state)) return decision(c);
  if (d.outcome === 'approved') {
    const next: Change = { ...c, state: 'authorize', approvalStatus: 'approved', approvedRevision: d.revision };
    const changes: FieldChange[] = [
      { field: 'approvalStatus', from: c.approvalStatus, to: 'approved' },
      { field: 'approvedRevision', from: c.approvedRevision, to: d.revision },
    ];
    if (c.state !== 'authorize') changes.push({ field: 'state', from: c.state, to: 'authorize' });
    return decision(next, changes, [{ kind: 'approved', round: d.round }]);
  }
  assertTransition(c.number, c.state, 'rejected');
  const reason = d.reason ?? 'votes';
  return decision(
    { ...c, state: 'rejected', approvalStatus: 'rejected', rejectionReason: reason },
    [
      { field: 'state', from: c.state, to: 'rejected' },
      { field: 'approvalStatus', from: c.approvalStatus, to: 'rejected' },
    ],
    [{ kind: 'rejected', round: d.round, reason }],
  );
}

/** True when the current revision is approved (the only way to Scheduled and Implement). */
export function isApproved(c: Change): boolean {
  return c.approvalStatus === 'approved' && c.approvedRevision === c.revision;
}

export function assertApproved(c: Change, to: State): void {
  if (!isApproved(c)) {
    throw new ConflictError(
      `Change ${c.number} cannot move to ${to}: revision ${c.revision} is not approved (approval ${c.approvalStatus})`,
      'NOT_APPROVED',
      { from: c.state, to, revision: c.revision, approvalStatus: c.approvalStatus, approvedRevision: c.approvedRevision },
    );
  }
}
