import type { Change, Decision, DomainEvent, FieldChange } from './types';

/** A rule's result: the next record, its field changes and its events. */
export const decision = (next: Change, changes: FieldChange[] = [], events: DomainEvent[] = []): Decision => ({ next, changes, events });

/** Value equality for field values (dates by instant, arrays and objects by content). */
export function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return (a as Date | null)?.getTime?.() === (b as Date | null)?.getTime?.();
  return JSON.stringify(a) === JSON.stringify(b);
}
