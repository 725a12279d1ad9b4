/**
 * Reading an incident event log (the ServiceNow "incident management process
 * enriched event log" shape): one row per audited update of an incident.
 * Streaming parse; rows are grouped by incident number. A row that cannot be
 * read is rejected with its reason, never dropped.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';

/** Columns the mapping reads; a file without one of them is refused as a whole. */
export const REQUIRED_COLUMNS = [
  'number',
  'incident_state',
  'sys_mod_count',
  'made_sla',
  'caller_id',
  'opened_by',
  'opened_at',
  'sys_updated_by',
  'sys_updated_at',
  'contact_type',
  'location',
  'category',
  'subcategory',
  'u_symptom',
  'cmdb_ci',
  'impact',
  'urgency',
  'priority',
  'assignment_group',
  'assigned_to',
  'knowledge',
  'problem_id',
  'rfc',
  'caused_by',
  'closed_code',
  'resolved_by',
  'resolved_at',
  'closed_at',
] as const;
export type Column = (typeof REQUIRED_COLUMNS)[number];
export type RawRow = Record<Column, string> & Record<string, string>;

/** One row of the file with its line number (1 = the header). */
export interface LogRow {
  line: number;
  raw: RawRow;
}

export interface Rejection {
  line: number;
  number: string | null;
  reason: string;
}

export class EventLogFormatError extends Error {}

/** `?` (and the empty string) mean "no value" in the log. */
export const value = (s: string | undefined): string | null => {
  const t = (s ?? '').trim();
  return t === '' || t === '?' ? null : t;
};

const DATE = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2})$/;

/**
 * Parses `DD-MM-YYYY HH:MM` as UTC (the log carries no zone). Returns
 * undefined for anything else, including impossible dates (31-02-2016).
 */
export function parseLogDate(s: string): Date | undefined {
  const m = DATE.exec(s.trim());
  if (!m) return undefined;
  const [d, mo, y, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59) return undefined;
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi));
  if (t.getUTCDate() !== d || t.getUTCMonth() !== mo - 1) return undefined;
  return t;
}

export interface ParsedLog {
  /** rows per incident number, in file order */
  incidents: Map<string, LogRow[]>;
  rows: number;
  rejected: Rejection[];
}

/** Reads a log from a path, a string of CSV text or a stream. */
export async function readEventLog(input: { path: string } | { text: string } | { stream: Readable }): Promise<ParsedLog> {
  const source = 'path' in input ? createReadStream(input.path) : 'text' in input ? Readable.from([input.text]) : input.stream;
  const parser = source.pipe(
    parse({ columns: (header: string[]) => checkHeader(header), skip_empty_lines: true, relax_column_count: true, trim: false, bom: true, info: true }),
  );
  const incidents = new Map<string, LogRow[]>();
  const rejected: Rejection[] = [];
  let rows = 0;
  try {
    for await (const rec of parser as AsyncIterable<{ record: RawRow; info: { lines: number; invalid_field_length: number } }>) {
      rows++;
      const line = rec.info.lines;
      const number = value(rec.record.number);
      const missing = REQUIRED_COLUMNS.filter((c) => rec.record[c] === undefined);
      if (missing.length) {
        rejected.push({ line, number, reason: `row has fewer fields than the header (missing ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})` });
        continue;
      }
      if (!number) {
        rejected.push({ line, number: null, reason: 'number is empty' });
        continue;
      }
      const list = incidents.get(number);
      if (list) list.push({ line, raw: rec.record });
      else incidents.set(number, [{ line, raw: rec.record }]);
    }
  } catch (e) {
    if (e instanceof EventLogFormatError) throw e;
    throw new EventLogFormatError(`The file is not readable CSV: ${(e as Error).message}`);
  }
  return { incidents, rows, rejected };
}

function checkHeader(header: string[]): string[] {
  const cols = header.map((h) => h.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !cols.includes(c));
  if (missing.length) {
    throw new EventLogFormatError(`The file lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (an incident event log needs: ${REQUIRED_COLUMNS.join(', ')})`);
  }
  return cols;
}
