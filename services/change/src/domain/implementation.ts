import { AppError, ValidationError } from '@itsm/core';
import { assertApproved } from './approval';
import { describeConflict } from './conflicts';
import { decision } from './decision';
import { assertTransition } from './lifecycle';
import type { Change, Conflict, Decision, FieldChange, Outcome } from './types';

/** From the approval to the end: schedule, implement, review, close, and what releases report. */

/**
 * authorize → scheduled: needs the approval of the current revision and a
 * planned window. A normal or standard change with conflicts is refused (409
 * listing them); an emergency change is scheduled with them, flagged.
 */
export function schedule(c: Change, conflicts: Conflict[]): Decision {
  assertTransition(c.number, c.state, 'scheduled');
  assertApproved(c, 'scheduled');
  if (!c.plannedStart || !c.plannedEnd) {
    throw new ValidationError(`Change ${c.number} needs a planned window to be scheduled`, [
      ...(!c.plannedStart ? [{ field: 'plannedStart', message: 'is required to schedule' }] : []),
      ...(!c.plannedEnd ? [{ field: 'plannedEnd', message: 'is required to schedule' }] : []),
    ]);
  }
  if (conflicts.length > 0 && c.type !== 'emergency') {
    throw new AppError(409, 'SCHEDULE_CONFLICT', `Change ${c.number} conflicts: ${conflicts.map(describeConflict).join('; ')}`, { conflicts });
  }
  const next: Change = { ...c, state: 'scheduled', scheduledConflicts: conflicts };
  const changes: FieldChange[] = [{ field: 'state', from: c.state, to: 'scheduled' }];
  if (conflicts.length) changes.push({ field: 'scheduledConflicts', from: [], to: conflicts });
  return decision(next, changes, [{ kind: 'scheduled', conflicts }]);
}

/** scheduled → implement (needs the approval of the current revision). */
export function startImplementation(c: Change, now: Date): Decision {
  assertTransition(c.number, c.state, 'implement');
  assertApproved(c, 'implement');
  return decision(
    { ...c, state: 'implement', actualStart: now },
    [
      { field: 'state', from: c.state, to: 'implement' },
      { field: 'actualStart', from: c.actualStart, to: now },
    ],
    [{ kind: 'implementationStarted' }],
  );
}

export const SUCCESSFUL: readonly Outcome[] = ['successful', 'successful_with_issues'];

/** implement → review with the implementation outcome. */
export function complete(c: Change, outcome: Outcome, notes: string | null, now: Date): Decision {
  assertTransition(c.number, c.state, 'review');
  return decision(
    { ...c, state: 'review', outcome, outcomeNotes: notes, actualEnd: now },
    [
      { field: 'state', from: c.state, to: 'review' },
      { field: 'outcome', from: c.outcome, to: outcome },
      { field: 'actualEnd', from: c.actualEnd, to: now },
    ],
    [SUCCESSFUL.includes(outcome) ? { kind: 'implemented', outcome } : { kind: 'failed', outcome }],
  );
}

/** review → closed with the post-implementation review. */
export function close(c: Change, pir: string | undefined, now: Date): Decision {
  assertTransition(c.number, c.state, 'closed');
  const review = pir ?? c.pir;
  if (!review) throw new ValidationError(`Change ${c.number} needs a post-implementation review to close`, [{ field: 'pir', message: 'is required to close' }]);
  return decision(
    { ...c, state: 'closed', pir: review, closedAt: now },
    [{ field: 'state', from: c.state, to: 'closed' }, ...(review !== c.pir ? [{ field: 'pir', from: c.pir, to: review }] : [])],
    [{ kind: 'closed' }],
  );
}

/**
 * A release deployed or failed with this change: scheduled → implement →
 * review with the outcome; a rollback after a failure turns failed into
 * backed out. Null when the change is in no state to take it.
 */
export function implementByRelease(c: Change, outcome: Outcome, now: Date): Decision | null {
  if (c.state === 'review' && c.outcome === 'failed' && outcome === 'backed_out') {
    // the failed deployment was rolled back afterwards
    return decision({ ...c, outcome }, [{ field: 'outcome', from: c.outcome, to: outcome }], [{ kind: 'failed', outcome }]);
  }
  if (c.state !== 'scheduled' && c.state !== 'implement') return null;
  const started = c.state === 'scheduled' ? startImplementation(c, now) : decision(c);
  const done = complete(started.next, outcome, null, now);
  return decision(done.next, [...started.changes, ...done.changes], [...started.events, ...done.events]);
}
