/** Conversions between instants (epoch ms) and ISO 8601 strings. */
import { DateTime } from 'luxon';

const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * Parses an ISO 8601 date-time that carries `Z` or an offset
 * (`2025-06-13T16:30+01:00`). A string without an offset is ambiguous and
 * is rejected with a RangeError.
 */
export function parseInstant(iso: string): number {
  if (typeof iso !== 'string' || !iso.includes('T') || !HAS_OFFSET.test(iso)) {
    throw new RangeError(`Expected an ISO 8601 date-time with Z or an offset, got ${JSON.stringify(iso)}`);
  }
  const dt = DateTime.fromISO(iso, { setZone: true });
  if (!dt.isValid) throw new RangeError(`Invalid ISO 8601 date-time ${JSON.stringify(iso)}: ${dt.invalidExplanation ?? dt.invalidReason}`);
  return dt.toMillis();
}

/** UTC ISO string with milliseconds, e.g. `2025-06-16T11:30:00.000Z`. */
export function formatInstant(instant: number): string {
  return new Date(instant).toISOString();
}

/** Local ISO string with its offset in the zone, e.g. `2025-06-16T12:30:00+01:00`. */
export function formatLocal(instant: number, timeZone: string): string {
  const dt = DateTime.fromMillis(instant, { zone: timeZone });
  if (!dt.isValid) throw new RangeError(`Cannot format ${instant} in ${timeZone}: ${dt.invalidReason}`);
  return dt.toISO({ suppressMilliseconds: true })!;
}
