import { randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/** `INC` + 7 digits: the human number of a record, from a sequence value. */
export function formatNumber(prefix: string, n: number | bigint | string, width = 7): string {
  return `${prefix}${String(n).padStart(width, '0')}`;
}
