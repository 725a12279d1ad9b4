import { ForbiddenError, ValidationError } from '@itsm/core';

/** impact (1..3) × urgency (1..3) → priority (1 Critical .. 5 Planning). Row = impact, column = urgency. */
export type PriorityMatrix = number[][];

/** The matrix the historical data follows (datasets/README.md): 1 = High. */
export const DEFAULT_MATRIX: PriorityMatrix = [
  [1, 2, 3],
  [2, 3, 4],
  [3, 4, 4],
];

export const PRIORITY_LABELS: Record<number, string> = { 1: 'Critical', 2: 'High', 3: 'Moderate', 4: 'Low', 5: 'Planning' };

export function validateMatrix(m: unknown): PriorityMatrix {
  const ok =
    Array.isArray(m) &&
    m.length === 3 &&
    m.every((row) => Array.isArray(row) && row.length === 3 && row.every((p) => Number.isInteger(p) && p >= 1 && p <= 5));
  if (!ok) throw new ValidationError('The matrix must be 3 rows (impact 1..3) of 3 priorities (urgency 1..3), each 1..5', [{ field: 'matrix', message: 'must be 3×3 integers 1..5' }]);
  return m as PriorityMatrix;
}

export function matrixPriority(m: PriorityMatrix, impact: number, urgency: number): number {
  return m[impact - 1][urgency - 1];
}

export interface PriorityInput {
  current: { impact: number; urgency: number; priority: number; priorityOverride: boolean };
  /** the fields the caller sent (undefined = not sent) */
  patch: { impact?: number; urgency?: number; priority?: number };
  canOverride: boolean;
  matrix: PriorityMatrix;
}

export interface PriorityOutcome {
  impact: number;
  urgency: number;
  priority: number;
  priorityOverride: boolean;
}

/**
 * The priority rule (acceptance case C07, GLPI #21946 with its review):
 * - A priority value equal to the current, computed (not overridden) priority
 *   is an echo of what the client read: it does not block recalculation.
 * - Any other priority value is a manual override: it needs the
 *   `priority_override` permission (403 otherwise, nothing changes), and it
 *   is kept and marked as an override when it differs from the matrix.
 *   Sending the current value of an override is also an override (it asks to keep it).
 * - Otherwise, when impact or urgency changes (either one alone is enough),
 *   the priority is recomputed from the matrix and a former override ends.
 */
export function decidePriority({ current, patch, canOverride, matrix }: PriorityInput): PriorityOutcome {
  const impact = patch.impact ?? current.impact;
  const urgency = patch.urgency ?? current.urgency;
  const computed = matrixPriority(matrix, impact, urgency);
  const echo = patch.priority === undefined || (patch.priority === current.priority && !current.priorityOverride);
  if (!echo) {
    if (!canOverride) {
      throw new ForbiddenError('Setting the priority by hand needs the priority_override permission', {
        field: 'priority',
        permission: 'priority_override',
      });
    }
    const priority = patch.priority as number;
    return { impact, urgency, priority, priorityOverride: priority !== computed };
  }
  const matrixChanged = impact !== current.impact || urgency !== current.urgency;
  if (matrixChanged) return { impact, urgency, priority: computed, priorityOverride: false };
  return { impact, urgency, priority: current.priority, priorityOverride: current.priorityOverride };
}
