/** `itsm replay <csv>`: import an incident event log through the public APIs and report on it. */
import { existsSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { SERVICES } from '../platform';
import { EventLogFormatError } from '../replay/csv';
import { replay, type Progress, type ReplayResult } from '../replay/run';
import type { ComplianceRow } from '../replay/sla';
import { int, pct, seconds, table } from '../replay/table';

export interface ReplayCommandOptions {
  incidentUrl?: string;
  slaUrl?: string;
  sla: boolean;
  concurrency: string;
  limit?: string;
  source: string;
  slaTimeout: string;
  showRejected: string;
}

export function progressBar(): Progress {
  let bar: SingleBar | null = null;
  return {
    start(label, total) {
      bar = new SingleBar(
        { format: `${label.padEnd(11)} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} | eta {eta_formatted}`, hideCursor: true, noTTYOutput: !process.stderr.isTTY, notTTYSchedule: 5000, stream: process.stderr },
        Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    update(done) {
      bar?.update(done);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

const url = (name: string) => SERVICES.find((s) => s.name === name)!.url;

/** A whole number ≥ min from an option, or an error naming the option. */
export function count(name: string, v: string | undefined, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min} (got ${v})`);
  return n;
}

export async function replayCommand(file: string, o: ReplayCommandOptions): Promise<number> {
  const concurrency = count('concurrency', o.concurrency);
  const limit = o.limit === undefined ? undefined : count('limit', o.limit);
  const slaTimeoutMs = count('sla-timeout', o.slaTimeout, 0) * 1000;
  const showRejected = count('show-rejected', o.showRejected, 0);
  if (!existsSync(file)) {
    console.error(`No such file: ${file}`);
    return 2;
  }
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    console.error('\nstopping after the imports in flight; run the same command again to resume');
  };
  process.on('SIGINT', onSigint);
  let r: ReplayResult;
  try {
    r = await replay({
      input: { path: file },
      incidentUrl: o.incidentUrl ?? url('incident'),
      slaUrl: o.sla ? (o.slaUrl ?? url('sla')) : null,
      concurrency,
      limit,
      source: o.source,
      slaTimeoutMs,
      progress: progressBar(),
      log: (l) => console.log(l),
      stopped: () => stop,
    });
  } catch (e) {
    if (e instanceof EventLogFormatError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
  console.log(summary(r, showRejected));
  const clocksMissing = (r.sla?.withoutClocks.length ?? 0) > 0;
  if (clocksMissing) console.error(`${r.sla!.withoutClocks.length} imported incidents have no SLA clocks yet: the report does not cover them`);
  return r.interrupted || r.refused.length > 0 || r.priority.agree !== r.priority.compared || clocksMissing ? 1 : 0;
}

export function summary(r: ReplayResult, showRejected = 20): string {
  const out: string[] = [];
  out.push('', `Replay${r.interrupted ? ' (interrupted: run again to resume)' : ''}`);
  out.push(
    table(
      ['', 'count'],
      [
        ['rows read', int(r.rows)],
        ['incidents in the file', int(r.incidentsInFile)],
        ['incidents sent', int(r.attempted)],
        ['imported now', int(r.imported)],
        ['events imported (opening + timeline)', int(r.eventsImported)],
        ['already present (not imported again)', int(r.alreadyPresent)],
        ['refused by the API', int(r.refused.length)],
        ['rows rejected', int(r.rejected.length)],
        ['import time', seconds(r.importMs)],
        ['rate', `${r.rate.toFixed(1)} incidents/s`],
      ],
    ),
  );
  if (r.rejected.length) {
    out.push('', 'Rejected rows by reason');
    out.push(table(['reason', 'rows'], [...r.rejectedByReason].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v])));
    out.push('', `Rejected rows${r.rejected.length > showRejected ? ` (first ${showRejected} of ${r.rejected.length})` : ''}`);
    out.push(table(['line', 'incident', 'reason'], r.rejected.slice(0, showRejected).map((x) => [x.line, x.number ?? '', x.reason]), ['r', 'l', 'l']));
  }
  const p = r.priority;
  out.push('', `Priority agreement with the log: ${p.agree}/${p.compared} (${pct(p.agree, p.compared)})`);
  if (p.disagreements.length) {
    out.push(table(['log number', 'our number', 'ours', 'log'], p.disagreements.map((d) => [d.sourceNumber, d.number, `P${d.ours}`, `P${d.log}`])));
  }
  if (r.sla) {
    const s = r.sla;
    if (s.skipped) out.push('', `SLA report skipped: ${s.skipped}`);
    else {
      out.push('', `SLA clocks: ${s.withClocks}/${s.withClocks + s.withoutClocks.length} incidents after ${seconds(s.waitedMs)}${s.withoutClocks.length ? ` (without clocks: ${s.withoutClocks.slice(0, 10).join(', ')}${s.withoutClocks.length > 10 ? ', …' : ''})` : ''}`);
      out.push('', 'SLA compliance per priority (response and resolution clocks)', complianceTable(s.byPriority));
      out.push('', 'SLA compliance per assignment group', complianceTable(s.byGroup));
      if (s.madeSla) {
        const m = s.madeSla;
        out.push('', "Our verdict vs the log's made_sla (per incident; breached = any SLA clock breached)");
        out.push(
          table(
            ['made_sla \\ ours', 'met', 'breached', 'open'],
            (['TRUE', 'FALSE'] as const).map((k) => [k, m.table[k].met, m.table[k].breached, m.table[k].open]),
          ),
        );
        out.push(`agreement: ${m.agree}/${m.compared} (${pct(m.agree, m.compared)}); on the resolution clock alone: ${m.resolution.agree}/${m.resolution.compared} (${pct(m.resolution.agree, m.resolution.compared)})`);
      }
    }
  }
  out.push('', `Total time ${seconds(r.totalMs)}`);
  return out.join('\n');
}

function complianceTable(rows: ComplianceRow[]): string {
  const tot = rows.reduce(
    (a, r) => ({ total: a.total + r.clocks.total, met: a.met + r.clocks.met, breached: a.breached + r.clocks.breached, open: a.open + r.clocks.running + r.clocks.paused, cancelled: a.cancelled + r.clocks.cancelled }),
    { total: 0, met: 0, breached: 0, open: 0, cancelled: 0 },
  );
  const line = (key: string, c: { total: number; met: number; breached: number; open: number; cancelled: number }) => [
    key,
    c.total,
    c.met,
    c.breached,
    c.open,
    c.cancelled,
    pct(c.met, c.total - c.cancelled),
  ];
  return table(
    ['key', 'clocks', 'met', 'breached', 'open', 'cancelled', 'met %'],
    [...rows.map((r) => line(r.key, { ...r.clocks, open: r.clocks.running + r.clocks.paused })), line('all', tot)],
  );
}
