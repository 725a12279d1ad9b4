import { InvalidTransitionError } from '@itsm/core';
import type { State } from './types';

/**
 * THE transition table: every entry point (PATCH `state`, the action
 * endpoints, the bulk endpoint, the workflow activities and the consumers)
 * checks a state change here and nowhere else.
 *
 *   new → assess (submitted) → authorize (approval requested; standard: approved) → scheduled → implement → review → closed
 *   assess | authorize → rejected (decision)        rejected → assess (material edit: a new revision is resubmitted)
 *   authorize | scheduled → assess (material edit)  scheduled → implement also directly from the release events
 *   any open state before implement → cancelled
 * Acceptance case C09 steps 3–4: new → implement and authorize → implement are refused.
 */
export const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  new: ['assess', 'cancelled'],
  assess: ['authorize', 'rejected', 'cancelled'],
  authorize: ['scheduled', 'rejected', 'assess', 'cancelled'],
  scheduled: ['implement', 'assess', 'cancelled'],
  implement: ['review'],
  review: ['closed'],
  closed: [],
  rejected: ['assess', 'cancelled'],
  cancelled: [],
};

/** Targets only the approval workflow sets (the API answers 409 when asked for them). */
export const WORKFLOW_TARGETS: readonly State[] = ['authorize', 'rejected'];

export function canTransition(from: State, to: State): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws 409 INVALID_TRANSITION naming `from → to` unless the table allows it. */
export function assertTransition(number: string, from: State, to: State): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(`Change ${number}`, from, to, { number, allowed: TRANSITIONS[from] });
  }
}

/** States whose RfC may still be edited materially (a new revision). */
export const REVISABLE_STATES: readonly State[] = ['new', 'assess', 'authorize', 'scheduled', 'rejected'];
