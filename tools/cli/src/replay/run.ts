/**
 * The replay: read the log, map every incident, import it through the
 * Incident service's import API (idempotent by source number), check priority
 * agreement, then report SLA compliance from the SLA service.
 */
import { performance } from 'node:perf_hooks';
import { readEventLog, type Rejection } from './csv';
import { ApiError, apiClient, localToken, pool, problemText, type ApiClient } from './http';
import { DATASET_MATRIX, eventsOf, mapIncident, type MappedIncident, type PriorityMatrix } from './mapping';
import { complianceReport, ensureDefaultSla, madeSlaAgreement, waitForClocks, type ComplianceRow, type MadeSlaAgreement } from './sla';

export interface Progress {
  start(label: string, total: number): void;
  update(done: number): void;
  stop(): void;
}

export interface ReplayOptions {
  /** a file path, or the CSV text itself */
  input: { path: string } | { text: string };
  incidentUrl: string;
  /** null: no SLA report */
  slaUrl: string | null;
  concurrency?: number;
  /** import at most this many incidents (the first ones of the file) */
  limit?: number;
  /** the source system name stored with each record (idempotency key with the number) */
  source?: string;
  /** admin token; signed locally when absent */
  token?: string;
  slaTimeoutMs?: number;
  progress?: Progress;
  log?: (line: string) => void;
  /** checked between imports: true stops the run early (an interrupted run resumes when run again) */
  stopped?: () => boolean;
}

export interface PriorityCheck {
  compared: number;
  agree: number;
  disagreements: { sourceNumber: string; number: string; ours: number; log: number }[];
}

export interface SlaOutcome {
  skipped?: string;
  createdConfig: string[];
  waitedMs: number;
  withClocks: number;
  withoutClocks: string[];
  byPriority: ComplianceRow[];
  byGroup: ComplianceRow[];
  madeSla: MadeSlaAgreement | null;
}

export interface ReplayResult {
  rows: number;
  incidentsInFile: number;
  attempted: number;
  imported: number;
  alreadyPresent: number;
  eventsImported: number;
  refused: { sourceNumber: string; reason: string }[];
  rejected: Rejection[];
  /** reason (without line-specific values) → count */
  rejectedByReason: Map<string, number>;
  importMs: number;
  rate: number;
  interrupted: boolean;
  /** source number → our number */
  numbers: Map<string, string>;
  priority: PriorityCheck;
  sla: SlaOutcome | null;
  totalMs: number;
}

/** Groups rejection reasons by their kind (quoted values and times replaced). */
export function reasonKind(reason: string): string {
  return reason
    .replace(/'[^']*'/g, "'…'")
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/g, '…')
    .replace(/\d{2}-\d{2}-\d{4} \d{2}:\d{2}/g, '…')
    .replace(/sys_mod_count \d+/g, 'sys_mod_count …');
}

const noProgress: Progress = { start() {}, update() {}, stop() {} };

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const t0 = performance.now();
  const progress = o.progress ?? noProgress;
  const log = o.log ?? (() => {});
  const source = o.source ?? 'servicenow';
  const api: ApiClient = apiClient(o.token ?? (await localToken('replay', ['admin'])));

  const parsed = await readEventLog(o.input);
  const matrix = await priorityMatrix(api, o.incidentUrl);
  const rejected: Rejection[] = [...parsed.rejected];
  const mapped: MappedIncident[] = [];
  let n = 0;
  for (const [number, rows] of parsed.incidents) {
    if (o.limit !== undefined && n >= o.limit) break;
    n++;
    const r = mapIncident(number, rows, { source, matrix });
    rejected.push(...r.rejected);
    if (r.incident) mapped.push(r.incident);
  }

  const numbers = new Map<string, string>();
  const refused: { sourceNumber: string; reason: string }[] = [];
  const priority: PriorityCheck = { compared: 0, agree: 0, disagreements: [] };
  let imported = 0;
  let alreadyPresent = 0;
  let eventsImported = 0;
  let done = 0;
  const ti = performance.now();
  progress.start('import', mapped.length);
  try {
    await pool(
      mapped,
      o.concurrency ?? 8,
      async (m) => {
        try {
          const r = await api.request<{ number: string; priority: number }>('POST', `${o.incidentUrl}/api/v1/incidents/import`, m.body);
          if (r.status === 201) {
            imported++;
            eventsImported += eventsOf(m);
          } else alreadyPresent++;
          numbers.set(m.sourceNumber, r.body.number);
          priority.compared++;
          if (r.body.priority === m.logPriority) priority.agree++;
          else priority.disagreements.push({ sourceNumber: m.sourceNumber, number: r.body.number, ours: r.body.priority, log: m.logPriority });
        } catch (e) {
          if (!(e instanceof ApiError) || e.status === 0 || e.status >= 500 || e.status === 401 || e.status === 403) throw e;
          const reason = `refused by the import API: ${problemText(e.status, e.body)}`;
          refused.push({ sourceNumber: m.sourceNumber, reason });
          for (const line of m.lines) rejected.push({ line, number: m.sourceNumber, reason });
        }
        progress.update(++done);
      },
      o.stopped,
    );
  } finally {
    progress.stop();
  }
  const importMs = performance.now() - ti;
  const interrupted = !!o.stopped?.() && done < mapped.length;

  const rejectedByReason = new Map<string, number>();
  for (const r of rejected) rejectedByReason.set(reasonKind(r.reason), (rejectedByReason.get(reasonKind(r.reason)) ?? 0) + 1);
  rejected.sort((a, b) => a.line - b.line);

  let sla: SlaOutcome | null = null;
  if (o.slaUrl && !interrupted && numbers.size > 0) {
    sla = await slaReport(api, o.slaUrl, mapped.filter((m) => numbers.has(m.sourceNumber)), numbers, o, progress, log);
  }

  return {
    rows: parsed.rows,
    incidentsInFile: parsed.incidents.size,
    attempted: mapped.length,
    imported,
    alreadyPresent,
    eventsImported,
    refused,
    rejected,
    rejectedByReason,
    importMs,
    rate: done / Math.max(importMs / 1000, 1e-3),
    interrupted,
    numbers,
    priority,
    sla,
    totalMs: performance.now() - t0,
  };
}

async function priorityMatrix(api: ApiClient, incidentUrl: string): Promise<PriorityMatrix> {
  try {
    const r = await api.request<{ matrix: PriorityMatrix }>('GET', `${incidentUrl}/api/v1/admin/priority-matrix`);
    return r.body.matrix;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return DATASET_MATRIX;
    throw e;
  }
}

async function slaReport(
  api: ApiClient,
  slaUrl: string,
  items: MappedIncident[],
  numbers: Map<string, string>,
  o: ReplayOptions,
  progress: Progress,
  log: (line: string) => void,
): Promise<SlaOutcome> {
  const empty: SlaOutcome = { createdConfig: [], waitedMs: 0, withClocks: 0, withoutClocks: [], byPriority: [], byGroup: [], madeSla: null };
  try {
    const h = await fetch(`${slaUrl}/healthz`, { signal: AbortSignal.timeout(3000) });
    if (!h.ok) return { ...empty, skipped: `the SLA service at ${slaUrl} answers ${h.status}` };
  } catch {
    return { ...empty, skipped: `the SLA service is not reachable at ${slaUrl}` };
  }
  const createdConfig = await ensureDefaultSla(api, slaUrl);
  if (createdConfig.length) log(`created the default SLA configuration: ${createdConfig.join(', ')}`);
  const ours = items.map((m) => numbers.get(m.sourceNumber)!);
  const t = performance.now();
  progress.start('SLA clocks', ours.length);
  let clocks;
  try {
    clocks = await waitForClocks(api, slaUrl, ours, { timeoutMs: o.slaTimeoutMs ?? 180_000, concurrency: o.concurrency ?? 8, onProgress: (d) => progress.update(d) });
  } finally {
    progress.stop();
  }
  const waitedMs = performance.now() - t;
  const opened = items.map((m) => Date.parse(m.body.openedAt));
  const from = new Date(Math.min(...opened)).toISOString();
  const to = new Date(Math.max(...opened) + 1).toISOString();
  const [byPriority, byGroup] = await Promise.all([complianceReport(api, slaUrl, 'priority', from, to), complianceReport(api, slaUrl, 'group', from, to)]);
  const madeSla = madeSlaAgreement(items.filter((m) => clocks.has(numbers.get(m.sourceNumber)!)).map((m) => ({ logMadeSla: m.logMadeSla, clocks: clocks.get(numbers.get(m.sourceNumber)!)! })));
  return {
    createdConfig,
    waitedMs,
    withClocks: clocks.size,
    withoutClocks: ours.filter((n) => !clocks.has(n)),
    byPriority,
    byGroup,
    madeSla,
  };
}
