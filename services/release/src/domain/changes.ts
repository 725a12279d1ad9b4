import { AppError, ValidationError } from '@itsm/core';
import type { ChangeCopy, ChangeRef } from './types';

/**
 * A release carries only approved or scheduled changes, as the change
 * service's events tell it: scheduled, or approved for its current revision
 * and not yet scheduled (authorize with approval status approved).
 */
export function isEligible(c: ChangeCopy): boolean {
  if (c.state === 'scheduled') return c.approvalStatus === null || c.approvalStatus === 'approved';
  if (c.state === 'authorize') {
    return c.approvalStatus === 'approved' && (c.approvedRevision === null || c.revision === null || c.approvedRevision === c.revision);
  }
  return false;
}

/** Why a change may not be carried, in words (undefined when it may). */
export function ineligibility(c: ChangeCopy): string | undefined {
  if (isEligible(c)) return undefined;
  if (c.state === 'authorize') return `${c.number} is awaiting approval (approval ${c.approvalStatus ?? 'unknown'})`;
  return `${c.number} is ${c.state}, not approved or scheduled`;
}

/**
 * Resolves the change references of a release (ids or numbers) against the
 * read copy: 422 naming unknown changes and duplicates, 409 naming changes
 * that are not approved or scheduled. Returns the refs in the order given.
 */
export function resolveChanges(refs: string[], found: ChangeCopy[], field = 'changes'): ChangeRef[] {
  const byRef = new Map<string, ChangeCopy>();
  for (const c of found) {
    byRef.set(c.id, c);
    byRef.set(c.number, c);
  }
  const unknown: string[] = [];
  const seen = new Set<string>();
  const out: ChangeRef[] = [];
  const issues: { field: string; message: string }[] = [];
  refs.forEach((ref, i) => {
    const c = byRef.get(ref);
    if (!c) {
      unknown.push(ref);
      issues.push({ field: `${field}.${i}`, message: `change ${ref} is not known (no change event received for it)` });
      return;
    }
    if (seen.has(c.id)) {
      issues.push({ field: `${field}.${i}`, message: `change ${c.number} is listed twice` });
      return;
    }
    seen.add(c.id);
    out.push({ id: c.id, number: c.number });
  });
  if (issues.length) throw new ValidationError(`Unknown or repeated changes: ${issues.map((i) => i.message).join('; ')}`, issues);
  const refused = out.map((r) => byRef.get(r.id)!).filter((c) => !isEligible(c));
  if (refused.length) {
    throw new AppError(409, 'CHANGE_NOT_APPROVED', `A release carries only approved or scheduled changes: ${refused.map((c) => ineligibility(c)).join('; ')}`, {
      changes: refused.map((c) => ({ id: c.id, number: c.number, state: c.state, approvalStatus: c.approvalStatus })),
    });
  }
  return out;
}
