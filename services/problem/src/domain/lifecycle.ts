import { InvalidTransitionError } from '@itsm/core';
import { OPEN_STATES, type State } from './types';

/**
 * THE transition table: every entry point (PATCH, the fix request, the
 * change-implemented consumer, detection) checks a state change here and
 * nowhere else.
 *
 *   new → assessment → root_cause_analysis → fix_in_progress → resolved → closed
 *   root_cause_analysis → resolved      (resolved without a change: risk accepted, workaround accepted, ...)
 *   fix_in_progress → root_cause_analysis  (the fix did not address the cause)
 *   resolved → root_cause_analysis      (re-analysis: the incidents came back)
 *   any open state → cancelled          (duplicate, not a problem)
 * Acceptance case C09 step 5: new → closed is refused.
 */
export const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  new: ['assessment', 'cancelled'],
  assessment: ['root_cause_analysis', 'cancelled'],
  root_cause_analysis: ['fix_in_progress', 'resolved', 'cancelled'],
  fix_in_progress: ['resolved', 'root_cause_analysis', 'cancelled'],
  resolved: ['closed', 'root_cause_analysis'],
  closed: [],
  cancelled: [],
};

export const isOpen = (s: State): boolean => OPEN_STATES.includes(s);

export function canTransition(from: State, to: State): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws 409 INVALID_TRANSITION naming `from → to` unless the table allows it. */
export function assertTransition(number: string, from: State, to: State): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(`Problem ${number}`, from, to, { number, allowed: TRANSITIONS[from] });
  }
}
