import type { Clock, Logger } from '@itsm/core';
import type { Knex } from '@itsm/db';
import { appendOutbox, releaseEvents, type NewEvent } from '@itsm/events';
import type { Actor, Decision, DomainEvent, Release } from '../domain/types';
import { recordHistory } from '../repository/audit.repository';
import { insertRelease, updateRelease } from '../repository/release.repository';

/** What the use cases need. */
export interface ServiceDeps {
  knex: Knex;
  /** CloudEvents source of this service's events */
  source: string;
  clock: Clock;
  logger: Logger;
}

/** The release as other services see it in events. */
export function snapshot(r: Release) {
  return {
    id: r.id,
    number: r.number,
    name: r.name,
    version: r.version,
    type: r.type,
    state: r.state,
    changeIds: r.changes.map((c) => c.id),
    changeNumbers: r.changes.map((c) => c.number),
    stages: r.stages.map((s) => s.name),
    currentStage: r.currentStage,
    rolledBackStages: r.rolledBackStages,
    workflowId: r.workflowId,
  };
}

export const by = (a: Actor | null | undefined) => (a ? { id: a.id, ...(a.name ? { name: a.name } : {}) } : null);

export interface EventContext {
  actor: Actor;
  /** who the events name as `by` (default: the actor) */
  by?: Actor | null;
  occurredAt?: Date | string;
  correlationId?: string;
  causationId?: string;
}

function eventOf(e: DomainEvent, base: { release: ReturnType<typeof snapshot>; by: ReturnType<typeof by> }, common: Omit<NewEvent, 'event' | 'data'>): NewEvent {
  switch (e.kind) {
    case 'created':
      return { ...common, event: releaseEvents.created, data: base };
    case 'deploymentStarted':
      return { ...common, event: releaseEvents.deploymentStarted, data: base };
    case 'stageStarted':
      return { ...common, event: releaseEvents.stageStarted, data: { ...base, stage: e.stage } };
    case 'gateApproved':
      return { ...common, event: releaseEvents.gateApproved, data: { ...base, stage: e.stage, approver: e.approver } };
    case 'stageCompleted':
      return { ...common, event: releaseEvents.stageCompleted, data: { ...base, stage: e.stage } };
    case 'deployed':
      return { ...common, event: releaseEvents.deployed, data: base };
    case 'failed':
      return { ...common, event: releaseEvents.failed, data: { ...base, stage: e.stage, reason: e.reason, code: e.code, stagesToRollBack: e.stagesToRollBack } };
    case 'rolledBack':
      return { ...common, event: releaseEvents.rolledBack, data: { ...base, stages: e.stages } };
  }
}

export async function toOutbox(trx: Knex.Transaction, deps: ServiceDeps, d: Decision, ec: EventContext): Promise<void> {
  const r = d.next;
  const base = { release: snapshot(r), by: by(ec.by === undefined ? ec.actor : ec.by) };
  const common = { subject: r.number, version: r.recordVersion, occurredAt: ec.occurredAt, correlationId: ec.correlationId, causationId: ec.causationId };
  await appendOutbox(trx, deps.source, d.events.map((e) => eventOf(e, base, common)));
}

/**
 * Writes a decision on a release read under lock: the next record version,
 * the history rows and the events, in the caller's transaction. A decision
 * without changes or events writes nothing.
 */
export async function commitDecision(trx: Knex.Transaction, deps: ServiceDeps, before: Release, d: Decision, action: string, ec: EventContext): Promise<Release> {
  if (d.changes.length === 0 && d.events.length === 0) return before;
  const now = deps.clock.now();
  const next: Release = { ...d.next, recordVersion: before.recordVersion + 1, updatedAt: now };
  await updateRelease(trx, next);
  await recordHistory(trx, next, ec.actor, now, action, d.changes);
  await toOutbox(trx, deps, { ...d, next }, ec);
  return next;
}

export async function commitNew(trx: Knex.Transaction, deps: ServiceDeps, d: Decision, ec: EventContext): Promise<Release> {
  await insertRelease(trx, d.next);
  await recordHistory(trx, d.next, ec.actor, d.next.createdAt, 'created', []);
  await toOutbox(trx, deps, d, ec);
  return d.next;
}
