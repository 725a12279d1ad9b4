/**
 * Maps one incident's rows of the event log onto the Incident service's import
 * body: the final record and its timeline at the historical times. Pure; the
 * mapping is documented in tools/cli/REPLAY.md.
 */
import { parseLogDate, value, type LogRow, type Rejection } from './csv';

export type State = 'new' | 'in_progress' | 'on_hold' | 'resolved' | 'closed';
export type HoldReason = 'awaiting_caller' | 'awaiting_vendor' | 'awaiting_problem' | 'awaiting_change' | 'awaiting_evidence';
export type ContactType = 'phone' | 'email' | 'portal' | 'walk_in' | 'monitoring';

export const STATE_MAP: Record<string, { state: State; holdReason: HoldReason | null }> = {
  new: { state: 'new', holdReason: null },
  active: { state: 'in_progress', holdReason: null },
  'awaiting user info': { state: 'on_hold', holdReason: 'awaiting_caller' },
  'awaiting evidence': { state: 'on_hold', holdReason: 'awaiting_evidence' },
  'awaiting vendor': { state: 'on_hold', holdReason: 'awaiting_vendor' },
  'awaiting problem': { state: 'on_hold', holdReason: 'awaiting_problem' },
  resolved: { state: 'resolved', holdReason: null },
  closed: { state: 'closed', holdReason: null },
};

export const CONTACT_MAP: Record<string, ContactType> = {
  phone: 'phone',
  ivr: 'phone',
  email: 'email',
  'self service': 'portal',
  'walk in': 'walk_in',
  'direct opening': 'walk_in',
  monitoring: 'monitoring',
};

/** The record fields whose changes over time go in `fields` entries (log column → our field). */
export const FIELD_COLUMNS = { category: 'category', subcategory: 'subcategory', symptom: 'u_symptom', location: 'location' } as const;
export type TimelineField = keyof typeof FIELD_COLUMNS;

export interface TimelineEntry extends Partial<Record<TimelineField, string | null>> {
  at: string;
  kind: 'state' | 'assignment' | 'priority' | 'problem' | 'fields';
  state?: State;
  holdReason?: HoldReason | null;
  assignmentGroup?: string | null;
  assignee?: string | null;
  priority?: number;
  /** kind `problem`: the problem linked from `at` on; null unlinks */
  problemId?: string | null;
  by?: string;
}

/** The body of POST /api/v1/incidents/import. */
export interface ImportBody {
  source: string;
  sourceNumber: string;
  title: string;
  description: string;
  callerId: string;
  openedBy?: string;
  contactType: ContactType;
  location: string | null;
  category: string | null;
  subcategory: string | null;
  symptom: string | null;
  ciId: string | null;
  impact: number;
  urgency: number;
  problemId: string | null;
  causedByChange: string | null;
  resolutionCode: string | null;
  resolutionNotes: string | null;
  knowledge: boolean;
  madeSla: boolean;
  openedAt: string;
  timeline: TimelineEntry[];
}

/** Rows: impact 1..3; columns: urgency 1..3; values: priority. */
export type PriorityMatrix = number[][];
export const DATASET_MATRIX: PriorityMatrix = [
  [1, 2, 3],
  [2, 3, 4],
  [3, 4, 4],
];

export interface MappedIncident {
  sourceNumber: string;
  body: ImportBody;
  /** the log's own final priority and SLA verdict, to compare with ours */
  logPriority: number;
  logMadeSla: boolean;
  /** lines of the rows that went into the record */
  lines: number[];
}

export interface MapResult {
  incident: MappedIncident | null;
  rejected: Rejection[];
}

/** "2 - Medium" → 2 (the level must be within 1..max). */
export function level(s: string, max: number): number | undefined {
  const m = /^\s*(\d)\s*-/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && n <= max ? n : undefined;
}

const bool = (s: string): boolean | undefined => {
  const t = s.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : undefined;
};

/** One row read into typed values, or the reason it cannot be. */
interface Row {
  line: number;
  mod: number;
  updatedAt: Date;
  openedAt: Date;
  state: State;
  holdReason: HoldReason | null;
  impact: number;
  urgency: number;
  priority: number;
  madeSla: boolean;
  knowledge: boolean;
  contactType: ContactType;
  resolvedAt: Date | null;
  closedAt: Date | null;
  raw: LogRow['raw'];
}

function readRow(r: LogRow): Row | string {
  const raw = r.raw;
  const mod = Number(raw.sys_mod_count.trim());
  if (raw.sys_mod_count.trim() === '' || !Number.isInteger(mod) || mod < 0) return `sys_mod_count '${raw.sys_mod_count}' is not a whole number`;
  const st = STATE_MAP[raw.incident_state.trim().toLowerCase()];
  if (!st) return `incident_state '${raw.incident_state}' is not one of New, Active, Awaiting User Info, Awaiting Evidence, Awaiting Vendor, Awaiting Problem, Resolved, Closed`;
  const updatedAt = parseLogDate(raw.sys_updated_at);
  if (!updatedAt) return `sys_updated_at '${raw.sys_updated_at}' is not a DD-MM-YYYY HH:MM date`;
  const openedAt = parseLogDate(raw.opened_at);
  if (!openedAt) return `opened_at '${raw.opened_at}' is not a DD-MM-YYYY HH:MM date`;
  const optionalDate = (col: 'resolved_at' | 'closed_at'): Date | null | string => {
    if (value(raw[col]) === null) return null;
    return parseLogDate(raw[col]) ?? `${col} '${raw[col]}' is not a DD-MM-YYYY HH:MM date`;
  };
  const resolvedAt = optionalDate('resolved_at');
  if (typeof resolvedAt === 'string') return resolvedAt;
  const closedAt = optionalDate('closed_at');
  if (typeof closedAt === 'string') return closedAt;
  const impact = level(raw.impact, 3);
  if (impact === undefined) return `impact '${raw.impact}' is not '1 - High', '2 - Medium' or '3 - Low'`;
  const urgency = level(raw.urgency, 3);
  if (urgency === undefined) return `urgency '${raw.urgency}' is not '1 - High', '2 - Medium' or '3 - Low'`;
  const priority = level(raw.priority, 5);
  if (priority === undefined) return `priority '${raw.priority}' is not 'N - Label' with N in 1..5`;
  const madeSla = bool(raw.made_sla);
  if (madeSla === undefined) return `made_sla '${raw.made_sla}' is not TRUE or FALSE`;
  const knowledge = bool(raw.knowledge) ?? false;
  const contactType = value(raw.contact_type) === null ? 'phone' : CONTACT_MAP[raw.contact_type.trim().toLowerCase()];
  if (!contactType) return `contact_type '${raw.contact_type}' is not one of Phone, IVR, Email, Self service, Walk in, Direct opening, Monitoring`;
  if (updatedAt.getTime() < openedAt.getTime()) return `sys_updated_at ${raw.sys_updated_at} is before opened_at ${raw.opened_at}`;
  return { line: r.line, mod, updatedAt, openedAt, ...st, impact, urgency, priority, madeSla, knowledge, contactType, resolvedAt, closedAt, raw };
}

/**
 * Indices of a longest subsequence whose times never go back (rows whose
 * sys_updated_at is earlier than the update before them, in sys_mod_count
 * order, are the few audit rows the source wrote out of sequence).
 */
function inTimeOrder(rows: Row[]): Set<number> {
  const n = rows.length;
  const len = new Array<number>(n).fill(1);
  const prev = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (rows[j]!.updatedAt.getTime() <= rows[i]!.updatedAt.getTime() && len[j]! + 1 > len[i]!) {
        len[i] = len[j]! + 1;
        prev[i] = j;
      }
    }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (len[i]! >= len[best]!) best = i;
  const keep = new Set<number>();
  for (let i = n ? best : -1; i >= 0; i = prev[i]!) keep.add(i);
  return keep;
}

const iso = (d: Date) => d.toISOString();
const fmt = (d: Date) => iso(d).slice(0, 16).replace('T', ' ');

export interface MapOptions {
  source: string;
  matrix: PriorityMatrix;
}

/**
 * Maps the rows of one incident (any order; sorted here by sys_mod_count,
 * then file order) onto an import body.
 */
export function mapIncident(number: string, logRows: LogRow[], opts: MapOptions): MapResult {
  const rejected: Rejection[] = [];
  const read: Row[] = [];
  for (const r of logRows) {
    const row = readRow(r);
    if (typeof row === 'string') rejected.push({ line: r.line, number, reason: row });
    else read.push(row);
  }
  read.sort((a, b) => a.mod - b.mod || a.line - b.line);
  const keep = inTimeOrder(read);
  const rows: Row[] = [];
  read.forEach((r, i) => {
    if (keep.has(i)) rows.push(r);
    else rejected.push({ line: r.line, number, reason: `out of sequence: sys_updated_at ${fmt(r.updatedAt)} (sys_mod_count ${r.mod}) is earlier than the update before it` });
  });
  if (!rows.length) return { incident: null, rejected };

  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const openedAt = first.openedAt;
  const ours = (r: Row) => opts.matrix[r.impact - 1]![r.urgency - 1]!;
  const timeline: TimelineEntry[] = [];
  let state: State = 'new';
  let hold: HoldReason | null = null;
  let group: string | null = null;
  let assignee: string | null = null;
  // the record starts with the priority of its final impact and urgency; the
  // first row's priority applies from the first update when it differs
  let priority = ours(last);
  let problem: string | null = null;
  const fields: Record<TimelineField, string | null> = { category: null, subcategory: null, symptom: null, location: null };
  for (const r of rows) {
    const at = iso(r.updatedAt);
    const by = value(r.raw.sys_updated_by) ?? undefined;
    const g = value(r.raw.assignment_group);
    const a = value(r.raw.assigned_to);
    if (g !== group || a !== assignee) {
      timeline.push({ at, kind: 'assignment', assignmentGroup: g, assignee: a, ...(by ? { by } : {}) });
      group = g;
      assignee = a;
    }
    if (ours(r) !== priority) {
      priority = ours(r);
      timeline.push({ at, kind: 'priority', priority, ...(by ? { by } : {}) });
    }
    if (r.state !== state || r.holdReason !== hold) {
      timeline.push({ at, kind: 'state', state: r.state, ...(r.state === 'on_hold' ? { holdReason: r.holdReason } : {}), ...(by ? { by } : {}) });
      state = r.state;
      hold = r.holdReason;
    }
    const p = value(r.raw.problem_id);
    if (p !== problem) {
      timeline.push({ at, kind: 'problem', problemId: p, ...(by ? { by } : {}) });
      problem = p;
    }
    const changed: Partial<Record<TimelineField, string | null>> = {};
    for (const [f, col] of Object.entries(FIELD_COLUMNS) as [TimelineField, (typeof FIELD_COLUMNS)[TimelineField]][]) {
      const x = value(r.raw[col]);
      if (x !== fields[f]) changed[f] = fields[f] = x;
    }
    if (Object.keys(changed).length) timeline.push({ at, kind: 'fields', ...changed, ...(by ? { by } : {}) });
  }

  const v = (c: keyof LogRow['raw']) => value(last.raw[c]);
  const symptom = v('u_symptom');
  const category = v('category');
  const extra = [
    v('rfc') ? `RfC: ${v('rfc')}` : null,
    v('vendor') ? `Vendor: ${v('vendor')}` : null,
    `made_sla: ${last.madeSla ? 'TRUE' : 'FALSE'}`,
  ].filter(Boolean);
  const body: ImportBody = {
    source: opts.source,
    sourceNumber: number,
    title: `${number}: ${[category, v('subcategory'), symptom].filter(Boolean).join(' / ') || 'incident'}`,
    description: `Imported from ${opts.source} ${number}. ${extra.join('. ')}.`,
    callerId: v('caller_id') ?? 'unknown caller',
    ...(v('opened_by') ? { openedBy: v('opened_by')! } : {}),
    contactType: last.contactType,
    location: v('location'),
    category,
    subcategory: v('subcategory'),
    symptom,
    ciId: v('cmdb_ci'),
    impact: last.impact,
    urgency: last.urgency,
    problemId: v('problem_id'),
    causedByChange: v('caused_by'),
    resolutionCode: state === 'resolved' || state === 'closed' ? v('closed_code') : null,
    resolutionNotes: state === 'resolved' || state === 'closed' ? v('resolved_by') : null,
    knowledge: last.knowledge,
    madeSla: last.madeSla,
    openedAt: iso(openedAt),
    timeline,
  };
  return { incident: { sourceNumber: number, body, logPriority: last.priority, logMadeSla: last.madeSla, lines: rows.map((r) => r.line) }, rejected };
}

/** Timeline entries plus the opening: the history entries the import writes. */
export const eventsOf = (m: MappedIncident) => 1 + m.body.timeline.length;
