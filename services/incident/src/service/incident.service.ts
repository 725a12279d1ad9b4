import { ConflictError, NotFoundError, ValidationError, newId, type Clock, type Logger } from '@itsm/core';
import { withTransaction, type Knex } from '@itsm/db';
import { assertVersion } from '@itsm/http';
import { applyUpdate, assignmentTarget, createIncident, type IncidentFields, type IncidentPatch, type NewIncident, type RuleContext } from '../domain/incident';
import { addComment, autoClose, cascadeResolve, confirmResolution, declareMajor, escalate, linkChild, reopen, type EscalationRequest } from '../domain/rules';
import { settingsFrom, type Settings } from '../domain/settings';
import type { Actor, Decision, Incident } from '../domain/types';
import * as repo from '../repository/incident.repository';
import * as misc from '../repository/misc.repository';
import { commit } from './outbox';

export interface ServiceDeps {
  knex: Knex;
  clock: Clock;
  source: string;
  logger: Logger;
}

/** The incident use cases: each is one transaction (domain → repository → outbox). */
export class IncidentService {
  constructor(readonly deps: ServiceDeps) {}

  get knex(): Knex {
    return this.deps.knex;
  }

  now(): Date {
    return this.deps.clock.now();
  }

  async settings(db: Knex | Knex.Transaction = this.knex): Promise<Settings> {
    return settingsFrom(await misc.getSettingValues(db));
  }

  async ruleContext(trx: Knex.Transaction | Knex, actor: Actor, inc: Incident | null, patch: IncidentFields, read?: Settings): Promise<RuleContext> {
    const settings = read ?? (await this.settings(trx));
    const t = assignmentTarget(inc, patch);
    const facts = { groupExists: true, assigneeInGroup: true };
    if (t.changed && t.group !== null) {
      facts.groupExists = await misc.groupExists(trx, t.group);
      if (t.assignee !== null) facts.assigneeInGroup = await misc.isMember(trx, t.group, t.assignee);
    }
    return { actor, now: this.now(), matrix: settings.matrix, facts };
  }

  /** Commits a decision, and when it resolves a major incident, resolves its active children too. */
  async commit(trx: Knex.Transaction, prev: Incident | null, d: Decision, actor: Actor, ctx?: RuleContext): Promise<Incident> {
    const at = ctx?.now ?? this.now();
    const stored = await commit(trx, prev, d, { actor, at, source: this.deps.source });
    if (prev && stored.major && stored.state === 'resolved' && prev.state !== 'resolved') {
      const rc = ctx ?? { actor, now: at, matrix: (await this.settings(trx)).matrix };
      for (const child of await repo.childrenForUpdate(trx, stored.id)) {
        const cd = cascadeResolve(stored, child, rc);
        if (cd) await commit(trx, child, cd, { actor, at, source: this.deps.source });
      }
    }
    return stored;
  }

  async get(number: string): Promise<Incident> {
    const inc = await repo.findByNumber(this.knex, number);
    if (!inc) throw new NotFoundError('Incident', number);
    return inc;
  }

  async lock(trx: Knex.Transaction, number: string): Promise<Incident> {
    const inc = await repo.findForUpdate(trx, number);
    if (!inc) throw new NotFoundError('Incident', number);
    return inc;
  }

  /**
   * Creates an incident: a number and the settings in one query, the rules,
   * then the record, its history and its event in one statement. `db` is a
   * transaction when the create is part of more (an Idempotency-Key claim, a
   * mail); the knex instance otherwise: the one writing statement is atomic
   * by itself, and a create locks nothing (its number comes from a sequence).
   */
  async createIn(db: Knex.Transaction | Knex, input: NewIncident, actor: Actor): Promise<Incident> {
    const { number, settings } = await repo.nextNumberWithSettings(db);
    const ctx = await this.ruleContext(db, actor, null, input, settingsFrom(settings));
    const d = createIncident(input, { id: newId(), number }, ctx);
    return commit(db, null, d, { actor, at: ctx.now, source: this.deps.source });
  }

  async update(number: string, patch: IncidentPatch, expectedVersion: number, actor: Actor): Promise<Incident> {
    return withTransaction(this.knex, async (trx) => {
      const inc = await this.lock(trx, number);
      assertVersion(inc.version, expectedVersion);
      const ctx = await this.ruleContext(trx, actor, inc, patch);
      return this.commit(trx, inc, applyUpdate(inc, patch, ctx), actor, ctx);
    });
  }

  /**
   * Applies one patch to several incidents, all or nothing: the first refusal
   * (an illegal transition, a stale version, ...) rolls every change back.
   */
  async bulkUpdate(items: Array<{ number: string; version?: number }>, patch: IncidentPatch, actor: Actor): Promise<Incident[]> {
    return withTransaction(this.knex, async (trx) => {
      const out: Incident[] = [];
      for (const item of [...items].sort((a, b) => a.number.localeCompare(b.number))) {
        const inc = await this.lock(trx, item.number);
        if (item.version !== undefined) assertVersion(inc.version, item.version);
        const ctx = await this.ruleContext(trx, actor, inc, patch);
        out.push(await this.commit(trx, inc, applyUpdate(inc, patch, ctx), actor, ctx));
      }
      const order = new Map(items.map((i, n) => [i.number, n]));
      return out.sort((a, b) => (order.get(a.number) ?? 0) - (order.get(b.number) ?? 0));
    });
  }

  /** Comments and work notes need no version precondition: they never conflict with field edits (C17). */
  async comment(number: string, body: string, visibility: 'public' | 'internal', actor: Actor, canSee: (inc: Incident) => boolean) {
    return withTransaction(this.knex, async (trx) => {
      const inc = await this.lock(trx, number);
      if (!canSee(inc)) throw new NotFoundError('Incident', number);
      const now = this.now();
      const id = newId();
      const d = addComment(inc, { id, visibility }, actor, now);
      await misc.insertComment(trx, { id, incidentId: inc.id, visibility, body, authorId: actor.id, authorName: actor.name ?? null, createdAt: now });
      const stored = await this.commit(trx, inc, d, actor);
      return { incident: stored, comment: { id, visibility, body, authorId: actor.id, authorName: actor.name ?? null, createdAt: now } };
    });
  }

  async escalate(number: string, req: EscalationRequest, actor: Actor): Promise<Incident> {
    return withTransaction(this.knex, async (trx) => {
      const inc = await this.lock(trx, number);
      return this.escalateLocked(trx, inc, req, actor);
    });
  }

  async escalateLocked(trx: Knex.Transaction, inc: Incident, req: EscalationRequest, actor: Actor): Promise<Incident> {
    if (req.kind === 'functional' && req.toGroup && !(await misc.groupExists(trx, req.toGroup))) {
      throw new ValidationError(`"${req.toGroup}" is not a known assignment group`, [{ field: 'toGroup', message: 'is not a known assignment group' }]);
    }
    const fired = await misc.firedEscalationLevels(trx, inc.id, req.kind);
    const ctx = await this.ruleContext(trx, actor, inc, {});
    const d = escalate(inc, req, fired, ctx);
    const e = d.events.find((x) => x.kind === 'escalated');
    if (!e || e.kind !== 'escalated') throw new Error('escalation without event');
    await misc.insertEscalation(trx, { incidentId: inc.id, kind: req.kind, level: e.level, at: ctx.now, reason: req.reason, actorId: actor.id, toGroup: e.toGroup, toUser: e.toUser });
    return this.commit(trx, inc, d, actor, ctx);
  }

  async declareMajor(number: string, actor: Actor): Promise<Incident> {
    return withTransaction(this.knex, async (trx) => {
      const inc = await this.lock(trx, number);
      if (inc.major) return inc;
      return this.commit(trx, inc, declareMajor(inc), actor);
    });
  }

  async linkChild(parentNumber: string, childNumber: string, actor: Actor): Promise<Incident> {
    return withTransaction(this.knex, async (trx) => {
      const [first, second] = [parentNumber, childNumber].sort();
      const a = await this.lock(trx, first);
      const b = first === second ? a : await this.lock(trx, second);
      const parent = a.number === parentNumber ? a : b;
      const child = a.number === parentNumber ? b : a;
      return this.commit(trx, child, linkChild(parent, child), actor);
    });
  }

  async children(number: string): Promise<Incident[]> {
    const inc = await this.get(number);
    return repo.children(this.knex, inc.id);
  }

  async confirm(number: string, actor: Actor, canSee: (inc: Incident) => boolean): Promise<Incident> {
    return withTransaction(this.knex, async (trx) => {
      const inc = await this.lock(trx, number);
      if (!canSee(inc)) throw new NotFoundError('Incident', number);
      if (inc.state !== 'resolved') throw new ConflictError(`Incident ${number} is ${inc.state}, not resolved`, 'NOT_RESOLVED');
      const ctx = await this.ruleContext(trx, actor, inc, {});
      return this.commit(trx, inc, confirmResolution(inc, ctx), actor, ctx);
    });
  }

  async reopen(number: string, reason: string, actor: Actor, canSee: (inc: Incident) => boolean): Promise<Incident> {
    return withTransaction(this.knex, async (trx) => {
      const inc = await this.lock(trx, number);
      if (!canSee(inc)) throw new NotFoundError('Incident', number);
      const ctx = await this.ruleContext(trx, actor, inc, {});
      const settings = await this.settings(trx);
      return this.commit(trx, inc, reopen(inc, reason, settings.lifecycle.reopenWindowSeconds * 1000, ctx), actor, ctx);
    });
  }

  /**
   * Closes resolved incidents whose auto-close time has come, from the
   * database (so a restart forgets nothing). Several instances may run it:
   * rows another one holds are skipped. Returns the numbers closed.
   */
  async closeDue(actor: Actor, batch = 100): Promise<string[]> {
    const settings = await this.settings();
    const now = this.now();
    const before = new Date(now.getTime() - settings.lifecycle.autoCloseAfterSeconds * 1000);
    return withTransaction(this.knex, async (trx) => {
      const due = await repo.dueForCloseForUpdate(trx, before, batch);
      const ctx: RuleContext = { actor, now, matrix: settings.matrix };
      for (const inc of due) await this.commit(trx, inc, autoClose(inc, ctx), actor, ctx);
      return due.map((i) => i.number);
    });
  }
}
