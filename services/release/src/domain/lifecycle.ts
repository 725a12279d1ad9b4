import { InvalidTransitionError } from '@itsm/core';
import type { State } from './types';

/**
 * THE transition table: the routes, the deployment activities and nothing
 * else change a release's state, and all of them check it here.
 *
 *   planned → scheduled (window set) → deploying (the workflow runs)
 *   deploying → deployed | failed | aborted
 *   failed → rolled_back (the rollback of the deployed stages finished)
 *   planned | scheduled → cancelled
 *
 * An aborted release stays aborted: its rollback is recorded in
 * `rolledBackStages`. A deployment runs once per release (a failed one
 * gets a new release).
 */
export const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  planned: ['scheduled', 'cancelled'],
  scheduled: ['deploying', 'cancelled'],
  deploying: ['deployed', 'failed', 'aborted'],
  failed: ['rolled_back'],
  deployed: [],
  rolled_back: [],
  aborted: [],
  cancelled: [],
};

/** States in which the record itself (name, changes, stages, window) may still be edited. */
export const EDITABLE_STATES: readonly State[] = ['planned', 'scheduled'];

/** States after which nothing happens to the release any more. */
export const FINAL_STATES: readonly State[] = ['deployed', 'rolled_back', 'aborted', 'cancelled'];

export function canTransition(from: State, to: State): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws 409 INVALID_TRANSITION naming `from → to` unless the table allows it. */
export function assertTransition(number: string, from: State, to: State): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(`Release ${number}`, from, to, { number, allowed: TRANSITIONS[from] });
  }
}
