import { ConflictError, NotFoundError } from '@itsm/core';
import { withTransaction, type Knex } from '@itsm/db';
import { appendOutbox, problemEvents } from '@itsm/events';
import { assertLinkable } from '../domain/problem';
import type { Actor, Problem } from '../domain/types';
import { recordHistory } from '../repository/audit.repository';
import { findIncident, type IncidentCopy } from '../repository/incident-copy.repository';
import { deleteLink, insertLink, linkedIncidents, problemOfIncident, type LinkedIncident } from '../repository/link.repository';
import { findProblem } from '../repository/problem.repository';
import { by, snapshot, type EventContext, type ServiceDeps } from './write-path';

/**
 * Links between incidents and problems (many incidents to one problem). A link
 * is a sub-resource: it needs no If-Match and does not change the problem's
 * version, so that it never conflicts with someone editing the problem's fields.
 */
export class LinkService {
  constructor(private readonly deps: ServiceDeps) {}

  async link(ref: string, incidentRef: string, actor: Actor): Promise<{ created: boolean; incident: LinkedIncident }> {
    return withTransaction(this.deps.knex, async (trx) => {
      const p = await this.lockedProblem(trx, ref);
      const incident = await findIncident(trx, incidentRef);
      if (!incident) throw new NotFoundError('Incident', incidentRef);
      const created = await this.linkIn(trx, p, incident, { actor });
      const linked = (await linkedIncidents(trx, p.id)).find((i) => i.id === incident.id)!;
      return { created, incident: linked };
    });
  }

  /** Links in the caller's transaction; false when it was already linked to this problem. 409 when linked to another. */
  async linkIn(trx: Knex.Transaction, p: Problem, incident: Pick<IncidentCopy, 'id' | 'number'>, ec: EventContext): Promise<boolean> {
    assertLinkable(p);
    const current = await problemOfIncident(trx, incident.id);
    if (current === p.id) return false;
    if (current) {
      const other = await findProblem(trx, current);
      throw new ConflictError(`Incident ${incident.number} is already linked to problem ${other?.number ?? current}`, 'INCIDENT_ALREADY_LINKED', {
        incident: incident.number,
        problem: other?.number ?? current,
      });
    }
    const now = this.deps.clock.now();
    await insertLink(trx, p.id, incident, ec.actor.id, now);
    await recordHistory(trx, p, ec.actor, now, 'incident_linked', [{ field: 'incidents', from: null, to: incident.number }]);
    await appendOutbox(trx, this.deps.source, [
      {
        event: problemEvents.incidentLinked,
        subject: p.number,
        version: p.version,
        correlationId: ec.correlationId,
        causationId: ec.causationId,
        data: { problem: snapshot(p), by: by(ec.actor), incidentId: incident.id, incidentNumber: incident.number },
      },
    ]);
    return true;
  }

  async unlink(ref: string, incidentRef: string, actor: Actor): Promise<void> {
    await withTransaction(this.deps.knex, async (trx) => {
      const p = await this.lockedProblem(trx, ref);
      const linked = (await linkedIncidents(trx, p.id)).find((i) => i.number === incidentRef.toUpperCase() || i.id === incidentRef);
      if (!linked) throw new NotFoundError(`Link of problem ${p.number} to incident`, incidentRef);
      await this.unlinkIn(trx, p, linked, { actor });
    });
  }

  async unlinkIn(trx: Knex.Transaction, p: Problem, incident: { id: string; number: string }, ec: EventContext): Promise<boolean> {
    assertLinkable(p);
    if (!(await deleteLink(trx, p.id, incident.id))) return false;
    const now = this.deps.clock.now();
    await recordHistory(trx, p, ec.actor, now, 'incident_unlinked', [{ field: 'incidents', from: incident.number, to: null }]);
    await appendOutbox(trx, this.deps.source, [
      {
        event: problemEvents.incidentUnlinked,
        subject: p.number,
        version: p.version,
        correlationId: ec.correlationId,
        causationId: ec.causationId,
        data: { problem: snapshot(p), by: by(ec.actor), incidentId: incident.id, incidentNumber: incident.number },
      },
    ]);
    return true;
  }

  async linked(ref: string, onlyOpen: boolean): Promise<LinkedIncident[]> {
    const p = await findProblem(this.deps.knex, ref);
    if (!p) throw new NotFoundError('Problem', ref);
    return linkedIncidents(this.deps.knex, p.id, onlyOpen);
  }

  /** The problem row lock orders this problem's events (links included). */
  private async lockedProblem(trx: Knex.Transaction, ref: string): Promise<Problem> {
    const p = await findProblem(trx, ref, true);
    if (!p) throw new NotFoundError('Problem', ref);
    return p;
  }
}
