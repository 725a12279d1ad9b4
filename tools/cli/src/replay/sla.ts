/**
 * The SLA side of a replay: make sure the documented default configuration is
 * there, wait until the SLA service has clocks for every imported incident,
 * then read its compliance report and compare our verdicts with the log's.
 */
import { ApiError, pool, type ApiClient } from './http';

/** The default configuration the replay reports with (the SLA service seeds the same; see REPLAY.md). */
const day = [{ start: '09:00', end: '17:00' }];
export const DEFAULT_SLA = {
  calendars: [
    { id: '24x7', name: '24x7', description: 'Real elapsed time, every day, all day', timeZone: 'UTC', mode: '24x7', week: {}, holidays: [] },
    {
      id: 'business-hours',
      name: 'Business hours',
      description: 'Monday to Friday 09:00-17:00 London time',
      timeZone: 'Europe/London',
      mode: 'business',
      week: { mon: day, tue: day, wed: day, thu: day, fri: day },
      holidays: [],
    },
  ],
  definitions: [
    {
      id: 'incident-urgent',
      name: 'Incident SLA: P1 critical and P2 high (24x7)',
      kind: 'sla',
      calendarId: '24x7',
      targets: [
        { priority: 1, response: 'PT15M', resolution: 'PT4H' },
        { priority: 2, response: 'PT30M', resolution: 'PT8H' },
      ],
    },
    {
      id: 'incident-standard',
      name: 'Incident SLA: P3 to P5 (business hours)',
      kind: 'sla',
      calendarId: 'business-hours',
      targets: [
        { priority: 3, response: 'PT4H', resolution: 'PT16H' },
        { priority: 4, response: 'PT8H', resolution: 'PT40H' },
        { priority: 5, response: 'PT16H', resolution: 'PT80H' },
      ],
    },
  ],
};

/** Creates the default calendars and definitions that are missing (never changes existing ones). Returns what it created. */
export async function ensureDefaultSla(api: ApiClient, slaUrl: string): Promise<string[]> {
  const created: string[] = [];
  const exists = async (path: string) => {
    try {
      await api.request('GET', `${slaUrl}${path}`);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return false;
      throw e;
    }
  };
  for (const c of DEFAULT_SLA.calendars) {
    if (!(await exists(`/api/v1/sla/calendars/${c.id}`))) {
      await api.request('POST', `${slaUrl}/api/v1/sla/calendars`, c);
      created.push(`calendar ${c.id}`);
    }
  }
  for (const d of DEFAULT_SLA.definitions) {
    if (!(await exists(`/api/v1/sla/definitions/${d.id}`))) {
      await api.request('POST', `${slaUrl}/api/v1/sla/definitions`, d);
      created.push(`definition ${d.id}`);
    }
  }
  return created;
}

export interface ClockView {
  id: string;
  kind: 'sla' | 'ola';
  target: 'response' | 'resolution';
  status: string;
  priority: number | null;
  group: string | null;
  definition: { id: string };
}

export interface ComplianceRow {
  key: string;
  clocks: { total: number; met: number; breached: number; running: number; paused: number; cancelled: number };
  share: { met: number; breached: number; running: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DONE = new Set(['met', 'breached', 'cancelled', 'running', 'paused']);

/**
 * Polls the SLA service until every incident has at least one clock and none
 * of its clocks is still waiting, or until the timeout. Returns the clocks per
 * incident number (missing numbers are absent).
 */
export async function waitForClocks(
  api: ApiClient,
  slaUrl: string,
  numbers: readonly string[],
  opts: { timeoutMs: number; concurrency: number; onProgress?: (done: number) => void },
): Promise<Map<string, ClockView[]>> {
  const found = new Map<string, ClockView[]>();
  let pending = [...numbers];
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const still: string[] = [];
    await pool(pending, opts.concurrency, async (n) => {
      const r = await api.request<{ items: ClockView[] }>('GET', `${slaUrl}/api/v1/sla/clocks?ticket=${encodeURIComponent(n)}`);
      const sla = r.body.items;
      if (sla.length > 0 && sla.every((c) => DONE.has(c.status))) found.set(n, sla);
      else still.push(n);
    });
    pending = still;
    opts.onProgress?.(found.size);
    if (!pending.length || Date.now() >= deadline) return found;
    await sleep(1000);
  }
}

export type Verdict = 'met' | 'breached' | 'open';

/** Our verdict for one incident: breached when any SLA clock breached, met when every SLA clock is met. */
export function verdictOf(clocks: readonly ClockView[]): Verdict {
  const sla = clocks.filter((c) => c.kind === 'sla' && c.status !== 'cancelled');
  if (sla.some((c) => c.status === 'breached')) return 'breached';
  if (sla.length && sla.every((c) => c.status === 'met')) return 'met';
  return 'open';
}

export interface MadeSlaAgreement {
  /** rows: the log's made_sla; columns: our verdict */
  table: Record<'TRUE' | 'FALSE', Record<Verdict, number>>;
  compared: number;
  agree: number;
  /** the same on the resolution clock alone */
  resolution: { compared: number; agree: number };
}

export function madeSlaAgreement(items: { logMadeSla: boolean; clocks: readonly ClockView[] }[]): MadeSlaAgreement {
  const table = { TRUE: { met: 0, breached: 0, open: 0 }, FALSE: { met: 0, breached: 0, open: 0 } };
  let compared = 0;
  let agree = 0;
  const resolution = { compared: 0, agree: 0 };
  for (const it of items) {
    const v = verdictOf(it.clocks);
    table[it.logMadeSla ? 'TRUE' : 'FALSE'][v]++;
    if (v !== 'open') {
      compared++;
      if ((v === 'met') === it.logMadeSla) agree++;
    }
    const res = verdictOf(it.clocks.filter((c) => c.target === 'resolution'));
    if (res !== 'open') {
      resolution.compared++;
      if ((res === 'met') === it.logMadeSla) resolution.agree++;
    }
  }
  return { table, compared, agree, resolution };
}

export async function complianceReport(api: ApiClient, slaUrl: string, groupBy: 'priority' | 'group', from: string, to: string): Promise<ComplianceRow[]> {
  const q = new URLSearchParams({ groupBy, from, to, kind: 'sla' });
  const r = await api.request<{ rows: ComplianceRow[] }>('GET', `${slaUrl}/api/v1/sla/reports/compliance?${q}`);
  return r.body.rows;
}
