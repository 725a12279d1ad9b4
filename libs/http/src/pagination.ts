import { z } from 'zod';
import type { SortDirection } from '@itsm/db';

export { decodeCursor, encodeCursor, keysetPage } from '@itsm/db';
export type { Page, SortColumn, SortDirection } from '@itsm/db';

/** `?limit=1..200 (default 50)&cursor=<opaque>`; extend it with a list's filters. */
export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2000).optional(),
});

export interface SortField {
  field: string;
  column: string;
  direction: SortDirection;
}

/**
 * Query schema for `sort=-priority,opened_at` (`-` = descending). `allowed` lists
 * the sortable API fields, or maps them to columns (`{ openedAt: 'opened_at' }`).
 * An unknown or repeated field -> 422 naming `sort`. Output: SortField[], which
 * `keysetPage` takes as its `sort`.
 */
export function sortQuery(allowed: readonly string[] | Record<string, string>, defaultSort?: string) {
  const columns: Record<string, string> = Array.isArray(allowed)
    ? Object.fromEntries(allowed.map((f) => [f, f]))
    : (allowed as Record<string, string>);
  const names = Object.keys(columns);
  const base = z
    .string()
    .max(500)
    .describe(`Comma-separated fields, "-" prefix for descending. Fields: ${names.join(', ')}`);
  return (defaultSort !== undefined ? base.default(defaultSort) : base.optional()).transform((s, ctx): SortField[] => {
    const out: SortField[] = [];
    for (const part of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
      const desc = part.startsWith('-');
      const field = part.replace(/^[-+]/, '');
      if (!Object.hasOwn(columns, field)) {
        ctx.addIssue({ code: 'custom', message: `cannot sort by "${field}"; allowed: ${names.join(', ')}` });
      } else if (out.some((o) => o.field === field)) {
        ctx.addIssue({ code: 'custom', message: `"${field}" appears twice` });
      } else {
        out.push({ field, column: columns[field], direction: desc ? 'desc' : 'asc' });
      }
    }
    return out;
  });
}
