import type { Knex } from '@itsm/db';
import type { ApprovalPolicy, RoundTally } from '@itsm/wf-rfc-approval';

type Db = Knex | Knex.Transaction;

/**
 * Claims an idempotency key of a workflow activity (`decision:CHG0000001:2:approved`).
 * True the first time; false when the effect was already written.
 */
export async function claimFact(trx: Knex.Transaction, key: string, changeId: string, kind: string, at: Date, data?: unknown): Promise<boolean> {
  const res = await trx.raw(
    'INSERT INTO approval_fact (key, change_id, kind, data, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING key',
    [key, changeId, kind, data === undefined ? null : JSON.stringify(data), at],
  );
  return res.rows.length === 1;
}

export interface RoundRow {
  round: number;
  revision: number;
  route: string;
  group: string;
  approvers: string[];
  policy: ApprovalPolicy;
  risk: string | null;
  openedAt: Date;
  deadline: Date;
  status: string;
  tally: RoundTally | null;
  decidedAt: Date | null;
}

export async function insertRound(trx: Knex.Transaction, changeId: string, r: Omit<RoundRow, 'tally' | 'decidedAt'>): Promise<boolean> {
  const res = await trx.raw(
    `INSERT INTO change_round (change_id, round, revision, route, group_name, approvers, policy, risk, opened_at, deadline, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (change_id, round) DO NOTHING RETURNING round`,
    [changeId, r.round, r.revision, r.route, r.group, JSON.stringify(r.approvers), JSON.stringify(r.policy), r.risk, r.openedAt, r.deadline, r.status],
  );
  return res.rows.length === 1;
}

export async function updateRound(trx: Knex.Transaction, changeId: string, round: number, patch: { status?: string; tally?: RoundTally; decidedAt?: Date }): Promise<void> {
  const row: Record<string, unknown> = {};
  if (patch.status) row.status = patch.status;
  if (patch.tally) row.tally = JSON.stringify(patch.tally);
  if (patch.decidedAt) row.decided_at = patch.decidedAt;
  if (Object.keys(row).length) await trx('change_round').where({ change_id: changeId, round }).update(row);
}

export interface VoteRow {
  round: number;
  revision: number;
  voter: string;
  decision: 'approve' | 'reject';
  comment: string | null;
  castAt: Date;
}

export async function insertVote(trx: Knex.Transaction, changeId: string, v: VoteRow): Promise<boolean> {
  const res = await trx.raw(
    `INSERT INTO change_vote (change_id, round, voter, revision, decision, comment, cast_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (change_id, round, voter) DO NOTHING RETURNING voter`,
    [changeId, v.round, v.voter, v.revision, v.decision, v.comment, v.castAt],
  );
  return res.rows.length === 1;
}

/** Every round with its votes, oldest first: the approval history bound to revisions. */
export async function listRounds(db: Db, changeId: string): Promise<Array<RoundRow & { votes: VoteRow[] }>> {
  const rounds = await db('change_round').select('*').where({ change_id: changeId }).orderBy('round');
  const votes = await db('change_vote').select('*').where({ change_id: changeId }).orderBy('cast_at');
  return rounds.map((r) => ({
    round: r.round,
    revision: r.revision,
    route: r.route,
    group: r.group_name,
    approvers: r.approvers,
    policy: r.policy,
    risk: r.risk ?? null,
    openedAt: new Date(r.opened_at),
    deadline: new Date(r.deadline),
    status: r.status,
    tally: r.tally ?? null,
    decidedAt: r.decided_at ? new Date(r.decided_at) : null,
    votes: votes
      .filter((v) => v.round === r.round)
      .map((v) => ({ round: v.round, revision: v.revision, voter: v.voter, decision: v.decision, comment: v.comment ?? null, castAt: new Date(v.cast_at) })),
  }));
}
