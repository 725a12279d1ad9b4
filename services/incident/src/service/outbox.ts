import type { Knex } from '@itsm/db';
import { appendOutbox, incidentEvents, type IncidentSnapshot, type NewEvent } from '@itsm/events';
import type { Actor, Decision, DomainEvent, Incident } from '../domain/types';
import * as repo from '../repository/incident.repository';

export function snapshot(inc: Incident): IncidentSnapshot {
  return {
    id: inc.id,
    number: inc.number,
    title: inc.title,
    state: inc.state,
    holdReason: inc.holdReason,
    impact: inc.impact,
    urgency: inc.urgency,
    priority: inc.priority,
    category: inc.category,
    subcategory: inc.subcategory,
    symptom: inc.symptom,
    ciId: inc.ciId,
    assignmentGroup: inc.assignmentGroup,
    assignee: inc.assignee,
    callerId: inc.callerId,
    major: inc.major,
    problemId: inc.problemId,
    openedAt: inc.openedAt.toISOString(),
    resolvedAt: inc.resolvedAt?.toISOString() ?? null,
    closedAt: inc.closedAt?.toISOString() ?? null,
    firstResponseAt: inc.firstResponseAt?.toISOString() ?? null,
    contactType: inc.contactType,
    parentId: inc.parentId,
    reassignmentCount: inc.reassignmentCount,
    reopenCount: inc.reopenCount,
    escalationLevel: inc.escalationLevel,
  };
}

function toEvent(e: DomainEvent, base: { incident: IncidentSnapshot; by: { id: string; name?: string } }): Pick<NewEvent, 'event' | 'data'> {
  switch (e.kind) {
    case 'created':
      return { event: incidentEvents.created, data: base };
    case 'stateChanged':
      return { event: incidentEvents.stateChanged, data: { ...base, from: e.from, to: e.to, holdReason: e.holdReason } };
    case 'assigned':
      return { event: incidentEvents.assigned, data: { ...base, fromGroup: e.fromGroup, toGroup: e.toGroup, fromAssignee: e.fromAssignee, toAssignee: e.toAssignee } };
    case 'priorityChanged':
      return { event: incidentEvents.priorityChanged, data: { ...base, from: e.from, to: e.to, override: e.override } };
    case 'resolved':
      return { event: incidentEvents.resolved, data: { ...base, resolutionCode: e.resolutionCode, resolutionNotes: e.resolutionNotes } };
    case 'closed':
      return { event: incidentEvents.closed, data: base };
    case 'cancelled':
      return { event: incidentEvents.cancelled, data: { ...base, ...(e.reason ? { reason: e.reason } : {}) } };
    case 'reopened':
      return { event: incidentEvents.reopened, data: { ...base, ...(e.reason ? { reason: e.reason } : {}) } };
    case 'escalated':
      return { event: incidentEvents.escalated, data: { ...base, kind: e.escalation, level: e.level, reason: e.reason, toGroup: e.toGroup, toUser: e.toUser } };
    case 'majorDeclared':
      return { event: incidentEvents.majorDeclared, data: base };
    case 'problemLinked':
      return { event: incidentEvents.problemLinked, data: { ...base, problemId: e.problemId } };
    case 'commented':
      return { event: incidentEvents.commented, data: { ...base, commentId: e.commentId, visibility: e.visibility, firstResponse: e.firstResponse } };
  }
}

export interface CommitOptions {
  actor: Actor;
  /** business time of the change (now, or the historical time of an import) */
  at: Date;
  source: string;
  correlationId?: string;
}

/**
 * Writes one decision: the record (insert when `prev` is null, else update
 * with version + 1), its history rows and its events in the outbox, in one
 * statement of the caller's transaction (or, for a create, on its own: one
 * statement is atomic). Returns the stored record. A decision that
 * changes nothing and implies no event writes nothing.
 */
export async function commit(trx: Knex.Transaction | Knex, prev: Incident | null, d: Decision, o: CommitOptions): Promise<Incident> {
  if (prev && d.changes.length === 0 && d.events.length === 0) return prev;
  const next: Incident = prev ? { ...d.next, version: prev.version + 1, updatedAt: o.at } : d.next;
  const record = prev ? repo.updateIncident(trx, next) : repo.insertIncident(trx, next);
  const history = repo.insertHistory(trx, next, o.actor, o.at, prev ? d.changes : [{ field: 'created', from: null, to: next.number }]);
  const base = { incident: snapshot(next), by: { id: o.actor.id, ...(o.actor.name ? { name: o.actor.name } : {}) } };
  const events: NewEvent[] = [];
  const common = { subject: next.number, occurredAt: o.at, version: next.version, ...(o.correlationId ? { correlationId: o.correlationId } : {}) };
  const visible = d.changes.filter((c) => c.field !== 'slaNotice');
  if (prev && visible.length > 0) events.push({ ...common, event: incidentEvents.updated, data: { ...base, changes: visible } });
  for (const e of d.events) events.push({ ...common, ...toEvent(e, base) });
  // the record, its history and its events: one statement
  await appendOutbox(trx, o.source, events, history ? [record, history] : [record]);
  return next;
}
