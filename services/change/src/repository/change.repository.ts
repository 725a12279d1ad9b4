import { formatNumber } from '@itsm/core';
import type { Knex } from '@itsm/db';
import { keysetPage, type Page, type SortField } from '@itsm/http';
import type { PlannedChange } from '../domain/conflicts';
import type { Change, ChangeType, Conflict, Level, Outcome, State } from '../domain/types';

type Db = Knex | Knex.Transaction;

export const TABLE = 'change_request';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toRow(c: Change): Record<string, unknown> {
  return {
    id: c.id,
    number: c.number,
    title: c.title,
    description: c.description,
    justification: c.justification,
    type: c.type,
    category: c.category,
    ci_ids: c.ciIds,
    requested_by: c.requestedBy,
    requested_by_name: c.requestedByName,
    owner: c.owner,
    assignment_group: c.assignmentGroup,
    impact: c.impact,
    risk: c.risk,
    risk_reasons: JSON.stringify(c.riskReasons),
    implementation_plan: c.implementationPlan,
    backout_plan: c.backoutPlan,
    test_plan: c.testPlan,
    planned_start: c.plannedStart,
    planned_end: c.plannedEnd,
    actual_start: c.actualStart,
    actual_end: c.actualEnd,
    problem_ids: c.problemIds,
    incident_ids: c.incidentIds,
    revision: c.revision,
    state: c.state,
    approval_status: c.approvalStatus,
    approved_revision: c.approvedRevision,
    approval_round: c.approvalRound,
    cab_group: c.cabGroup,
    template_id: c.templateId,
    outcome: c.outcome,
    outcome_notes: c.outcomeNotes,
    pir: c.pir,
    scheduled_conflicts: JSON.stringify(c.scheduledConflicts),
    rejection_reason: c.rejectionReason,
    cancel_reason: c.cancelReason,
    source_key: c.sourceKey,
    submitted_at: c.submittedAt,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    closed_at: c.closedAt,
    version: c.version,
  };
}

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

export function fromRow(r: Record<string, unknown>): Change {
  return {
    id: r.id as string,
    number: r.number as string,
    title: r.title as string,
    description: r.description as string,
    justification: r.justification as string,
    type: r.type as ChangeType,
    category: (r.category as string | null) ?? null,
    ciIds: (r.ci_ids as string[]) ?? [],
    requestedBy: r.requested_by as string,
    requestedByName: (r.requested_by_name as string | null) ?? null,
    owner: (r.owner as string | null) ?? null,
    assignmentGroup: (r.assignment_group as string | null) ?? null,
    impact: r.impact as Level,
    risk: (r.risk as Level | null) ?? null,
    riskReasons: (r.risk_reasons as string[]) ?? [],
    implementationPlan: (r.implementation_plan as string | null) ?? null,
    backoutPlan: (r.backout_plan as string | null) ?? null,
    testPlan: (r.test_plan as string | null) ?? null,
    plannedStart: date(r.planned_start),
    plannedEnd: date(r.planned_end),
    actualStart: date(r.actual_start),
    actualEnd: date(r.actual_end),
    problemIds: (r.problem_ids as string[]) ?? [],
    incidentIds: (r.incident_ids as string[]) ?? [],
    revision: r.revision as number,
    state: r.state as State,
    approvalStatus: r.approval_status as Change['approvalStatus'],
    approvedRevision: (r.approved_revision as number | null) ?? null,
    approvalRound: (r.approval_round as number | null) ?? null,
    cabGroup: (r.cab_group as string | null) ?? null,
    templateId: (r.template_id as string | null) ?? null,
    outcome: (r.outcome as Outcome | null) ?? null,
    outcomeNotes: (r.outcome_notes as string | null) ?? null,
    pir: (r.pir as string | null) ?? null,
    scheduledConflicts: (r.scheduled_conflicts as Conflict[]) ?? [],
    rejectionReason: (r.rejection_reason as string | null) ?? null,
    cancelReason: (r.cancel_reason as string | null) ?? null,
    sourceKey: (r.source_key as string | null) ?? null,
    submittedAt: date(r.submitted_at),
    createdAt: new Date(r.created_at as string),
    updatedAt: new Date(r.updated_at as string),
    closedAt: date(r.closed_at),
    version: r.version as number,
  };
}

export async function nextNumber(trx: Db): Promise<string> {
  const { rows } = await trx.raw<{ rows: Array<{ n: number }> }>("SELECT nextval('change_number_seq') AS n");
  return formatNumber('CHG', rows[0].n);
}

export async function insertChange(trx: Knex.Transaction, c: Change): Promise<void> {
  await trx(TABLE).insert(toRow(c));
}

export async function updateChangeRow(trx: Knex.Transaction, c: Change): Promise<void> {
  const { id: _id, number: _n, created_at: _c, ...rest } = toRow(c);
  await trx(TABLE).where({ id: c.id }).update(rest);
}

/** By number (CHG0000001) or id; `lock` takes the row lock for a write. */
export async function findChange(db: Db, ref: string, lock = false): Promise<Change | undefined> {
  const q = db(TABLE).select('*');
  if (UUID.test(ref)) q.where('id', ref);
  else q.where('number', ref.toUpperCase());
  if (lock) q.forUpdate();
  const row = await q.first();
  return row ? fromRow(row) : undefined;
}

/** Several changes by id or number (release events), locked, in number order. */
export async function findChangesByRefs(trx: Knex.Transaction, refs: string[]): Promise<Change[]> {
  if (refs.length === 0) return [];
  const ids = refs.filter((r) => UUID.test(r));
  const numbers = refs.filter((r) => !UUID.test(r)).map((r) => r.toUpperCase());
  const rows = await trx(TABLE)
    .select('*')
    .where((w) => {
      if (ids.length) w.whereIn('id', ids);
      if (numbers.length) w.orWhereIn('number', numbers);
    })
    .orderBy('number')
    .forUpdate();
  return rows.map(fromRow);
}

export async function findBySourceKey(db: Db, key: string): Promise<Change | undefined> {
  const row = await db(TABLE).select('*').where({ source_key: key }).first();
  return row ? fromRow(row) : undefined;
}

/** Open changes that list a problem (by id or number). */
export async function openChangesForProblem(db: Db, problemRefs: string[]): Promise<Change[]> {
  const rows = await db(TABLE)
    .select('*')
    .whereRaw(`problem_ids && ${textArray(problemRefs)}`, problemRefs)
    .whereIn('state', ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review']);
  return rows.map(fromRow);
}

/** Scheduled or implementing changes on any of the CIs whose window overlaps [start, end). */
export async function scheduledOverlapping(db: Db, ciIds: string[], start: Date, end: Date): Promise<PlannedChange[]> {
  if (ciIds.length === 0) return [];
  const rows = await db(TABLE)
    .select('number', 'ci_ids', 'planned_start', 'planned_end')
    .whereIn('state', ['scheduled', 'implement'])
    .whereRaw(`ci_ids && ${textArray(ciIds)}`, ciIds)
    .where('planned_start', '<', end)
    .where('planned_end', '>', start);
  return rows.map((r) => ({ number: r.number, ciIds: r.ci_ids, start: new Date(r.planned_start), end: new Date(r.planned_end) }));
}

/** Earlier changes on any of the CIs that failed or were backed out. */
export async function earlierFailures(db: Db, ciIds: string[], exceptId: string): Promise<number> {
  if (ciIds.length === 0) return 0;
  const row = await db(TABLE)
    .count<{ n: number }[]>({ n: '*' })
    .whereRaw(`ci_ids && ${textArray(ciIds)}`, ciIds)
    .whereIn('outcome', ['failed', 'backed_out'])
    .whereNot('id', exceptId)
    .first();
  return Number(row?.n ?? 0);
}

export interface ChangeFilter {
  state?: State[];
  type?: ChangeType[];
  approvalStatus?: string[];
  ciId?: string;
  problemId?: string;
  requestedBy?: string;
  owner?: string;
  assignmentGroup?: string;
  risk?: Level[];
  q?: string;
  plannedFrom?: Date;
  plannedTo?: Date;
}

export async function listChanges(db: Db, f: ChangeFilter, page: { sort: SortField[]; cursor?: string; limit: number }): Promise<Page<Change>> {
  const q = db(TABLE).select('*');
  if (f.state?.length) q.whereIn('state', f.state);
  if (f.type?.length) q.whereIn('type', f.type);
  if (f.approvalStatus?.length) q.whereIn('approval_status', f.approvalStatus);
  if (f.risk?.length) q.whereIn('risk', f.risk);
  if (f.ciId) q.whereRaw('? = ANY(ci_ids)', [f.ciId]);
  if (f.problemId) q.whereRaw('? = ANY(problem_ids)', [f.problemId]);
  if (f.requestedBy) q.where('requested_by', f.requestedBy);
  if (f.owner) q.where('owner', f.owner);
  if (f.assignmentGroup) q.where('assignment_group', f.assignmentGroup);
  if (f.q) q.where((w) => w.whereILike('title', `%${escapeLike(f.q!)}%`).orWhereILike('description', `%${escapeLike(f.q!)}%`).orWhere('number', f.q!.toUpperCase()));
  if (f.plannedFrom) q.where('planned_end', '>', f.plannedFrom);
  if (f.plannedTo) q.where('planned_start', '<', f.plannedTo);
  const nullable = new Set(['planned_start', 'risk']);
  const res = await keysetPage<Record<string, unknown>>(q, {
    sort: page.sort.map((s) => ({ column: s.column, direction: s.direction, nullable: nullable.has(s.column) })),
    cursor: page.cursor,
    limit: page.limit,
  });
  return { items: res.items.map(fromRow), nextCursor: res.nextCursor };
}

/** Changes scheduled, implementing or planned in [from, to) for the calendar. */
export async function calendarChanges(db: Db, from: Date, to: Date, ciId?: string): Promise<Change[]> {
  const q = db(TABLE)
    .select('*')
    .whereIn('state', ['scheduled', 'implement', 'review', 'closed'])
    .whereNotNull('planned_start')
    .where('planned_start', '<', to)
    .where('planned_end', '>', from)
    .orderBy('planned_start');
  if (ciId) q.whereRaw('? = ANY(ci_ids)', [ciId]);
  return (await q).map(fromRow);
}

/** `ARRAY[?, ?]::text[]` with one placeholder per value (bind the values themselves). */
function textArray(values: string[]): string {
  return `ARRAY[${values.map(() => '?').join(', ')}]::text[]`;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}
