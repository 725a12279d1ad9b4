import { ValidationError } from '@itsm/core';

/** impact (1..3) × urgency (1..3) → priority (1 Critical .. 5 Planning). Row = impact, column = urgency. */
export type PriorityMatrix = number[][];

/** The same matrix as incidents (the historical data's, datasets/README.md): 1 = High. */
export const DEFAULT_MATRIX: PriorityMatrix = [
  [1, 2, 3],
  [2, 3, 4],
  [3, 4, 4],
];

export function validateMatrix(m: unknown): PriorityMatrix {
  const ok =
    Array.isArray(m) &&
    m.length === 3 &&
    m.every((row) => Array.isArray(row) && row.length === 3 && row.every((p) => Number.isInteger(p) && p >= 1 && p <= 5));
  if (!ok) {
    throw new ValidationError('The matrix must be 3 rows (impact 1..3) of 3 priorities (urgency 1..3), each 1..5', [
      { field: 'matrix', message: 'must be 3×3 integers 1..5' },
    ]);
  }
  return m as PriorityMatrix;
}

export function matrixPriority(m: PriorityMatrix, impact: number, urgency: number): number {
  return m[impact - 1][urgency - 1];
}
