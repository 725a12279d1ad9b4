import type { Knex } from '@itsm/db';
import type { IncidentSnapshot } from '@itsm/events';
import { OPEN_INCIDENT_STATES, type IncidentRef } from '../domain/types';

type Db = Knex | Knex.Transaction;

/** The local read copy of incidents, kept from the Incident service's events. */
export interface IncidentCopy {
  id: string;
  number: string;
  title: string;
  state: string;
  holdReason: string | null;
  category: string | null;
  subcategory: string | null;
  symptom: string | null;
  ciId: string | null;
  impact: number | null;
  urgency: number | null;
  priority: number | null;
  problemRef: string | null;
  openedAt: Date;
  occurredAt: Date;
  version: number | null;
}

const TABLE = 'incident_copy';

function fromRow(r: Record<string, unknown>): IncidentCopy {
  return {
    id: r.id as string,
    number: r.number as string,
    title: r.title as string,
    state: r.state as string,
    holdReason: (r.hold_reason as string | null) ?? null,
    category: (r.category as string | null) ?? null,
    subcategory: (r.subcategory as string | null) ?? null,
    symptom: (r.symptom as string | null) ?? null,
    ciId: (r.ci_id as string | null) ?? null,
    impact: (r.impact as number | null) ?? null,
    urgency: (r.urgency as number | null) ?? null,
    priority: (r.priority as number | null) ?? null,
    problemRef: (r.problem_ref as string | null) ?? null,
    openedAt: new Date(r.opened_at as string),
    occurredAt: new Date(r.occurred_at as string),
    version: (r.version as number | null) ?? null,
  };
}

/**
 * Inserts or refreshes an incident from an event's snapshot. A snapshot older
 * than the stored one (by aggregate version) is ignored; `occurred_at` keeps
 * the business time of the first event seen. Returns the stored copy.
 */
export async function upsertIncident(trx: Knex.Transaction, s: IncidentSnapshot, occurredAt: Date, version?: number): Promise<IncidentCopy> {
  const row = {
    id: s.id,
    number: s.number,
    title: s.title,
    state: s.state,
    hold_reason: s.holdReason ?? null,
    category: s.category ?? null,
    subcategory: s.subcategory ?? null,
    symptom: s.symptom ?? null,
    ci_id: s.ciId ?? null,
    impact: s.impact,
    urgency: s.urgency,
    priority: s.priority,
    problem_ref: s.problemId ?? null,
    opened_at: new Date(s.openedAt),
    occurred_at: occurredAt,
    version: version ?? null,
    updated_at: new Date(),
  };
  const { rows } = await trx.raw(
    `INSERT INTO incident_copy AS c (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map(() => '?').join(', ')})
     ON CONFLICT (id) DO UPDATE SET
       number = EXCLUDED.number, title = EXCLUDED.title, state = EXCLUDED.state, hold_reason = EXCLUDED.hold_reason,
       category = EXCLUDED.category, subcategory = EXCLUDED.subcategory, symptom = EXCLUDED.symptom, ci_id = EXCLUDED.ci_id,
       impact = EXCLUDED.impact, urgency = EXCLUDED.urgency, priority = EXCLUDED.priority, problem_ref = EXCLUDED.problem_ref,
       opened_at = EXCLUDED.opened_at, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
     WHERE c.version IS NULL OR EXCLUDED.version IS NULL OR EXCLUDED.version >= c.version
     RETURNING *`,
    Object.values(row) as Knex.Value[],
  );
  if (rows.length) return fromRow(rows[0]);
  return (await findIncident(trx, s.id)) as IncidentCopy;
}

/** By incident number (INC0000001) or id. */
export async function findIncident(db: Db, ref: string): Promise<IncidentCopy | undefined> {
  const row = await db(TABLE).where('number', ref.toUpperCase()).orWhere('id', ref).first();
  return row ? fromRow(row) : undefined;
}

/** Occurrences of a detection cluster not yet linked to any problem, around `at`. */
export async function unlinkedOccurrences(
  trx: Knex.Transaction,
  cluster: { ciId?: string; category?: string; symptom?: string },
  from: Date,
  to: Date,
): Promise<IncidentCopy[]> {
  const q = trx(TABLE)
    .select('incident_copy.*')
    .leftJoin('problem_incident', 'problem_incident.incident_id', 'incident_copy.id')
    .whereNull('problem_incident.incident_id')
    .whereNot('incident_copy.state', 'cancelled')
    .whereBetween('incident_copy.occurred_at', [from, to]);
  if (cluster.ciId) q.whereRaw('lower(incident_copy.ci_id) = lower(?)', [cluster.ciId.trim()]);
  else q.whereRaw('lower(incident_copy.category) = lower(?) AND lower(incident_copy.symptom) = lower(?)', [cluster.category!.trim(), cluster.symptom!.trim()]);
  return (await q.orderBy('incident_copy.occurred_at')).map(fromRow);
}

export const toRef = (i: Pick<IncidentCopy, 'id' | 'number' | 'state'>): IncidentRef => ({ id: i.id, number: i.number, state: i.state });

export { OPEN_INCIDENT_STATES };
