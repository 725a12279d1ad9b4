import type { Knex } from '@itsm/db';
import { OPEN_INCIDENT_STATES, type IncidentRef } from '../domain/types';

type Db = Knex | Knex.Transaction;

export interface LinkedIncident extends IncidentRef {
  title: string | null;
  holdReason: string | null;
  ciId: string | null;
  category: string | null;
  symptom: string | null;
  priority: number | null;
  linkedAt: Date;
  linkedBy: string;
}

/** The problem an incident is linked to, if any (an incident belongs to one problem at a time). */
export async function problemOfIncident(db: Db, incidentId: string): Promise<string | undefined> {
  const row = await db('problem_incident').select('problem_id').where({ incident_id: incidentId }).first();
  return row?.problem_id as string | undefined;
}

export async function insertLink(trx: Knex.Transaction, problemId: string, incident: { id: string; number: string }, by: string, at: Date): Promise<void> {
  await trx('problem_incident').insert({ problem_id: problemId, incident_id: incident.id, incident_number: incident.number, linked_by: by, linked_at: at });
}

export async function deleteLink(trx: Knex.Transaction, problemId: string, incidentId: string): Promise<boolean> {
  return (await trx('problem_incident').where({ problem_id: problemId, incident_id: incidentId }).delete()) > 0;
}

/** Linked incidents with their state from the read copy (state `unknown` until its events arrive). */
export async function linkedIncidents(db: Db, problemId: string, onlyOpen = false): Promise<LinkedIncident[]> {
  const q = db('problem_incident as l')
    .leftJoin('incident_copy as c', 'c.id', 'l.incident_id')
    .select('l.incident_id', 'l.incident_number', 'l.linked_at', 'l.linked_by', 'c.title', 'c.state', 'c.hold_reason', 'c.ci_id', 'c.category', 'c.symptom', 'c.priority')
    .where('l.problem_id', problemId)
    .orderBy([{ column: 'l.linked_at' }, { column: 'l.incident_number' }]);
  if (onlyOpen) q.whereIn('c.state', OPEN_INCIDENT_STATES as string[]);
  const rows = (await q) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: r.incident_id as string,
    number: r.incident_number as string,
    state: (r.state as string | null) ?? 'unknown',
    title: (r.title as string | null) ?? null,
    holdReason: (r.hold_reason as string | null) ?? null,
    ciId: (r.ci_id as string | null) ?? null,
    category: (r.category as string | null) ?? null,
    symptom: (r.symptom as string | null) ?? null,
    priority: (r.priority as number | null) ?? null,
    linkedAt: new Date(r.linked_at as string),
    linkedBy: r.linked_by as string,
  }));
}
