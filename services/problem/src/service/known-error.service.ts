import { NotFoundError } from '@itsm/core';
import type { Page } from '@itsm/http';
import type { Problem } from '../domain/types';
import { findIncident, type IncidentCopy } from '../repository/incident-copy.repository';
import { searchKnownErrors, suggestKnownErrors, type ProblemFilter } from '../repository/problem.repository';
import type { ServiceDeps } from './write-path';

/** Words of a free text as safe tsquery lexemes (letters and digits only). */
export function queryWords(text: string, max = 12): string[] {
  const stop = new Set(['the', 'and', 'for', 'not', 'with', 'from', 'this', 'that', 'are', 'was', 'has', 'have', 'can', 'cannot']);
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .map((w) => w.replace(/[^a-z0-9]/g, ''))
    .filter((w) => w.length >= 3 && !stop.has(w));
  return [...new Set(words)].slice(0, max);
}

/** The known error database: search, and suggestions for the incident an agent is working. */
export class KnownErrorService {
  constructor(private readonly deps: ServiceDeps) {}

  search(f: ProblemFilter & { includeRetired?: boolean }, page: { cursor?: string; limit: number }): Promise<Page<Problem & { rank: number | null }>> {
    return searchKnownErrors(this.deps.knex, f, page);
  }

  async suggestFor(incidentRef: string, limit: number) {
    const incident: IncidentCopy | undefined = await findIncident(this.deps.knex, incidentRef);
    if (!incident) throw new NotFoundError('Incident', incidentRef);
    const items = await suggestKnownErrors(this.deps.knex, {
      ciId: incident.ciId,
      category: incident.category,
      symptom: incident.symptom,
      words: queryWords([incident.title, incident.symptom ?? ''].join(' ')),
      limit,
    });
    return { incident, items };
  }
}
