import { z } from 'zod';
import { ValidationError, type FieldIssue } from '@itsm/core';

export type InputLocation = 'params' | 'query' | 'body' | 'headers';

/** A field problem as 422 answers list it: `{ field: 'title', message, in: 'body' }`. */
export interface InputIssue extends FieldIssue {
  in: InputLocation;
}

/** zod issues -> one entry per offending field; unknown keys are named one by one. */
export function zodIssues(error: z.ZodError, where: InputLocation): InputIssue[] {
  const out: InputIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: [...path, key].join('.'), message: 'is not a known field', in: where });
      continue;
    }
    const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
    out.push({ field: path.join('.') || where, message: missing ? 'is required' : issue.message, in: where });
  }
  return out;
}

/** A lone UTF-16 surrogate: JSON can carry one (`"\ud800"`), UTF-8 and PostgreSQL cannot. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone UTF-16 surrogate (not a character)';
  return undefined;
}

/** Strings (and keys) PostgreSQL text cannot store as given: a NUL character, a lone surrogate. */
function unstorablePaths(value: unknown, path: string[] = [], out: Array<{ field: string; message: string }> = [], depth = 0) {
  if (typeof value === 'string') {
    const message = unstorable(value);
    if (message) out.push({ field: path.join('.'), message });
  } else if (value && typeof value === 'object' && depth < 32) {
    for (const [k, v] of Object.entries(value)) {
      const message = unstorable(k);
      if (message) out.push({ field: [...path, k].join('.'), message });
      unstorablePaths(v, [...path, k], out, depth + 1);
    }
  }
  return out;
}

/** Parses `input` or throws a 422 ValidationError naming every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: InputLocation): z.output<S> {
  const bad = unstorablePaths(input);
  if (bad.length) {
    const issues = bad.map(({ field, message }) => ({ field: field || where, message, in: where }));
    throw new ValidationError(`Invalid ${where}: ${issues.map((i) => i.field).join(', ')}`, issues);
  }
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = zodIssues(r.error, where);
  const names = [...new Set(issues.map((i) => i.field))].join(', ');
  throw new ValidationError(`Invalid ${where}: ${names}`, issues);
}

/**
 * Bodies and query strings are strict by default: a plain `z.object` (unknown
 * keys stripped) becomes `.strict()`, so unknown fields and parameters answer
 * 422 naming them. A route that
 * wants other keys passes `z.looseObject` (or `.catchall(...)`). Nested objects
 * keep their own mode: write them as `z.strictObject` to reject unknown keys there.
 */
export function strictBody<S extends z.ZodType>(schema: S): S {
  // catchall(never) is what .strict() does; through catchall the OpenAPI name (refId) is kept.
  if (schema instanceof z.ZodObject && schema.def.catchall === undefined) return schema.catchall(z.never()) as unknown as S;
  return schema;
}

/** Unwraps optional/default/nullable/... wrappers to the schema that decides the value's type. */
function baseOf(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (let i = 0; i < 10; i++) {
    const def = s.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else break;
  }
  return s;
}

function coerceScalar(schema: z.ZodType, v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const type = baseOf(schema).def.type;
  if (type === 'number' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  if (type === 'boolean') {
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
  }
  return v;
}

/**
 * Query strings only carry strings: coerce them to what the schema's fields
 * expect (numbers, booleans `true/false/1/0`, arrays from repeated or comma
 * separated values). Anything that does not convert is left for zod to reject.
 */
export function coerceQuery(schema: z.ZodType | undefined, raw: Record<string, unknown>): Record<string, unknown> {
  const base = schema ? baseOf(schema) : undefined;
  if (!(base instanceof z.ZodObject)) return raw;
  const shape = base.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = { ...raw };
  for (const [key, v] of Object.entries(raw)) {
    const field = shape[key];
    if (!field) continue;
    const fieldBase = baseOf(field);
    if (fieldBase instanceof z.ZodArray) {
      const items = Array.isArray(v) ? v : typeof v === 'string' ? (v === '' ? [] : v.split(',')) : v;
      out[key] = Array.isArray(items) ? items.map((x) => coerceScalar(fieldBase.element as z.ZodType, x)) : items;
    } else {
      out[key] = coerceScalar(field, v);
    }
  }
  return out;
}
