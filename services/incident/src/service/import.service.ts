import { newId } from '@itsm/core';
import { isUniqueViolation, withTransaction } from '@itsm/db';
import { appendOutbox, incidentEvents } from '@itsm/events';
import { replayImport, timelineValues, type ImportInput } from '../domain/import';
import type { Actor, Incident } from '../domain/types';
import * as repo from '../repository/incident.repository';
import type { IncidentService } from './incident.service';
import { snapshot } from './outbox';

/**
 * Stores a historical incident as it happened: history rows at their
 * historical times, the final state, and one `imported` event whose
 * occurredAt is the historical opening time and whose data carries the
 * timeline (the SLA service computes from it). Idempotent by
 * (source, sourceNumber): a second import answers the stored record.
 */
export async function importIncident(svc: IncidentService, input: ImportInput, actor: Actor, madeSla?: boolean | null): Promise<{ incident: Incident; created: boolean }> {
  const existing = await repo.findBySource(svc.knex, input.source, input.sourceNumber);
  if (existing) return { incident: existing, created: false };
  try {
    return await withTransaction(svc.knex, async (trx) => {
      const settings = await svc.settings(trx);
      const number = await repo.nextNumber(trx);
      const { incident, history, timeline } = replayImport(input, { id: newId(), number }, settings.matrix, actor.id);
      await repo.insertIncident(trx, incident);
      for (const h of history) await repo.insertHistory(trx, incident, { id: h.by }, h.at, h.changes);
      await appendOutbox(trx, svc.deps.source, [
        {
          event: incidentEvents.imported,
          subject: incident.number,
          occurredAt: incident.openedAt,
          version: incident.version,
          data: {
            incident: snapshot(incident),
            by: { id: actor.id, ...(actor.name ? { name: actor.name } : {}) },
            source: input.source,
            sourceNumber: input.sourceNumber,
            timeline: timeline.map((e) => ({
              at: e.at.toISOString(),
              kind: e.kind,
              ...(e.state ? { state: e.state } : {}),
              ...(e.holdReason !== undefined ? { holdReason: e.holdReason } : {}),
              ...(e.priority !== undefined ? { priority: e.priority } : {}),
              ...(e.assignmentGroup !== undefined ? { assignmentGroup: e.assignmentGroup } : {}),
              ...(e.assignee !== undefined ? { assignee: e.assignee } : {}),
              ...timelineValues(e),
            })),
            madeSla: madeSla ?? null,
          },
        },
      ]);
      return { incident, created: true };
    });
  } catch (e) {
    if (!isUniqueViolation(e, 'incident_source_number')) throw e;
    const raced = await repo.findBySource(svc.knex, input.source, input.sourceNumber);
    if (!raced) throw e;
    return { incident: raced, created: false };
  }
}
