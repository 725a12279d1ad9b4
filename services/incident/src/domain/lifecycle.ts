import { InvalidTransitionError } from '@itsm/core';
import { ACTIVE_STATES, type Actor, type State } from './types';

/**
 * THE transition table: every entry point (single update, bulk update,
 * resolve, reopen, confirm, auto-close, consumers, import validation) checks
 * a state change here and nowhere else.
 *
 * Mapping of the ITIL/GLPI vocabulary of acceptance case C09:
 *   New → Assigned        = new → in_progress
 *   Assigned ↔ Pending    = in_progress ↔ on_hold
 *   Assigned → Resolved   = in_progress → resolved
 *   Resolved → Closed     = resolved → closed
 *   Resolved → Assigned   = resolved → in_progress (a reopen)
 *   Closed → Assigned     = closed → in_progress (a reopen, desk staff only)
 *   New → Pending, New → Closed, Closed → New: refused.
 */
export const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  new: ['in_progress', 'resolved', 'cancelled'],
  in_progress: ['on_hold', 'resolved', 'cancelled'],
  on_hold: ['in_progress', 'resolved', 'cancelled'],
  resolved: ['in_progress', 'closed'],
  closed: ['in_progress'],
  cancelled: [],
};

/** Transitions only desk staff (agents, admins, the service itself) may make. */
const AGENT_ONLY: ReadonlyArray<[State, State]> = [['closed', 'in_progress']];

export const isActive = (s: State): boolean => ACTIVE_STATES.includes(s);

/** A move back from resolved or closed into work counts as a reopen. */
export const isReopen = (from: State, to: State): boolean => !isActive(from) && isActive(to);

export function canTransition(from: State, to: State, actor?: Pick<Actor, 'agent'>): boolean {
  if (!TRANSITIONS[from].includes(to)) return false;
  if (actor && !actor.agent && AGENT_ONLY.some(([f, t]) => f === from && t === to)) return false;
  return true;
}

/** Throws 409 INVALID_TRANSITION naming `from → to` unless the table allows it. */
export function assertTransition(number: string, from: State, to: State, actor?: Pick<Actor, 'agent'>): void {
  if (!canTransition(from, to, actor)) {
    throw new InvalidTransitionError(`Incident ${number}`, from, to, { number, allowed: TRANSITIONS[from] });
  }
}
