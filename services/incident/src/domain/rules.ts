import { ConflictError, ForbiddenError, ValidationError } from '@itsm/core';
import { decide } from './diff';
import { applyUpdate, type RuleContext } from './incident';
import { isActive } from './lifecycle';
import type { Actor, Decision, EscalationKind, Incident, SlaNotice } from './types';

/** A comment (public) or work note (internal). The first public comment of desk staff is the first response. */
export function addComment(inc: Incident, c: { id: string; visibility: 'public' | 'internal' }, actor: Actor, now: Date): Decision {
  if (!actor.agent && c.visibility === 'internal') throw new ForbiddenError('Only desk staff write work notes');
  const next = { ...inc };
  const firstResponse = actor.agent && c.visibility === 'public' && inc.firstResponseAt === null && actor.id !== 'system';
  if (firstResponse) next.firstResponseAt = now;
  return decide(inc, next, [{ kind: 'commented', commentId: c.id, visibility: c.visibility, firstResponse }]);
}

export interface EscalationRequest {
  kind: EscalationKind;
  level?: number;
  toGroup?: string | null;
  toUser?: string | null;
  reason: string;
}

/**
 * Functional (to another group) or hierarchical (to a manager / duty manager)
 * escalation. Each level of each kind fires once, and never for an inactive incident.
 * `fired` lists the levels of this kind that already fired.
 */
export function escalate(inc: Incident, req: EscalationRequest, fired: number[], ctx: RuleContext): Decision {
  if (!isActive(inc.state)) {
    throw new ConflictError(`Incident ${inc.number} is ${inc.state}: inactive incidents are not escalated`, 'INCIDENT_INACTIVE', { number: inc.number, state: inc.state });
  }
  const current = req.kind === 'hierarchical' ? inc.escalationLevel : inc.functionalEscalationLevel;
  const level = req.level ?? current + 1;
  if (fired.includes(level) || level <= current) {
    throw new ConflictError(`Incident ${inc.number} was already escalated (${req.kind}) to level ${level}`, 'ALREADY_ESCALATED', { number: inc.number, kind: req.kind, level });
  }
  let base: Decision;
  if (req.kind === 'functional') {
    if (!req.toGroup) throw new ValidationError('A functional escalation names the group it goes to', [{ field: 'toGroup', message: 'is required for a functional escalation' }]);
    if (req.toGroup === inc.assignmentGroup) throw new ValidationError('The incident is already with that group', [{ field: 'toGroup', message: 'is the current assignment group' }]);
    base = applyUpdate(inc, { assignmentGroup: req.toGroup, assignee: null }, { ...ctx, actor: { ...ctx.actor, agent: true } });
    base.next.functionalEscalationLevel = level;
  } else {
    base = applyUpdate(inc, {}, ctx);
    base.next.escalationLevel = level;
  }
  const extra = { kind: 'escalated' as const, escalation: req.kind, level, reason: req.reason, toGroup: req.toGroup ?? null, toUser: req.toUser ?? null };
  return decide(inc, base.next, [extra]);
}

export function declareMajor(inc: Incident): Decision {
  if (!isActive(inc.state)) throw new ConflictError(`Incident ${inc.number} is ${inc.state}: only active incidents become major`, 'INCIDENT_INACTIVE');
  if (inc.parentId) throw new ConflictError(`Incident ${inc.number} is a child of another incident`, 'IS_CHILD');
  return decide(inc, { ...inc, major: true });
}

export function linkChild(parent: Incident, child: Incident): Decision {
  if (!parent.major) throw new ConflictError(`Incident ${parent.number} is not a major incident`, 'NOT_MAJOR');
  if (child.id === parent.id) throw new ValidationError('An incident cannot be its own child', [{ field: 'child', message: 'is the parent itself' }]);
  if (child.major) throw new ConflictError(`Incident ${child.number} is a major incident itself`, 'IS_MAJOR');
  if (child.parentId && child.parentId !== parent.id) throw new ConflictError(`Incident ${child.number} already has a parent`, 'HAS_PARENT');
  return decide(child, { ...child, parentId: parent.id });
}

/**
 * The children a resolved major incident resolves: active ones only, with the
 * parent's resolution. Resolved, closed and cancelled children stay as they are.
 */
export function cascadeResolve(parent: Incident, child: Incident, ctx: RuleContext): Decision | null {
  if (!isActive(child.state)) return null;
  return applyUpdate(
    child,
    { state: 'resolved', resolutionCode: parent.resolutionCode, resolutionNotes: parent.resolutionNotes },
    { ...ctx, actor: { ...ctx.actor, agent: true } },
  );
}

/** The requester (or desk) confirms the resolution: resolved → closed. */
export function confirmResolution(inc: Incident, ctx: RuleContext): Decision {
  return applyUpdate(inc, { state: 'closed' }, ctx);
}

/**
 * The requester reopens a resolved incident within the reopen window; desk
 * staff may reopen at any time (also from closed, see the transition table).
 */
export function reopen(inc: Incident, reason: string, windowMs: number, ctx: RuleContext): Decision {
  if (!ctx.actor.agent) {
    if (inc.state !== 'resolved') {
      throw new ConflictError(`Incident ${inc.number} is ${inc.state}: only a resolved incident can be reopened by its requester`, 'NOT_RESOLVED');
    }
    const since = inc.resolvedAt ? ctx.now.getTime() - inc.resolvedAt.getTime() : 0;
    if (since > windowMs) {
      throw new ConflictError(`The reopen window of incident ${inc.number} has passed`, 'REOPEN_WINDOW_PASSED', { resolvedAt: inc.resolvedAt?.toISOString() });
    }
  }
  return applyUpdate(inc, { state: 'in_progress', reason }, ctx);
}

/** True when a resolved incident is due for auto-close. */
export const dueForAutoClose = (inc: Pick<Incident, 'state' | 'resolvedAt'>, now: Date, afterMs: number): boolean =>
  inc.state === 'resolved' && inc.resolvedAt !== null && now.getTime() - inc.resolvedAt.getTime() >= afterMs;

export function autoClose(inc: Incident, ctx: RuleContext): Decision {
  return applyUpdate(inc, { state: 'closed' }, ctx);
}

/** Records an SLA warning or breach on the incident. */
export function recordSlaNotice(inc: Incident, notice: SlaNotice): Decision {
  const next = { ...inc, slaNotices: [...inc.slaNotices, notice], slaBreached: inc.slaBreached || notice.kind === 'breached' };
  const d = decide(inc, next);
  d.changes.push({ field: 'slaNotice', from: null, to: notice });
  return d;
}

/** Links a problem; optionally puts an in-progress incident on hold awaiting the problem. */
export function linkProblem(inc: Incident, problemId: string, hold: boolean, ctx: RuleContext): Decision {
  if (inc.state === 'closed' || inc.state === 'cancelled') return decide(inc, inc);
  const patch = hold && inc.state === 'in_progress' ? { problemId, state: 'on_hold' as const, holdReason: 'awaiting_problem' as const } : { problemId };
  return applyUpdate(inc, patch, ctx);
}
