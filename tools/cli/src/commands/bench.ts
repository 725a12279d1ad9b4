/** `itsm bench`: measure the running platform and print a table of figures (no pass/fail). */
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { createViaApi, createViaPg, type Throughput } from '../bench/create';
import { withFreshIncidentService } from '../bench/fresh-service';
import { eventLatency } from '../bench/events';
import { listLatency } from '../bench/list';
import { replayRate } from '../bench/replay';
import { ms, perSecond, type Figure } from '../bench/stats';
import { SERVICES, repoRoot } from '../platform';
import { localToken } from '../replay/http';
import { table } from '../replay/table';
import { count, progressBar } from './replay';

export const BENCHES = ['create', 'events', 'replay', 'list'] as const;
export type Bench = (typeof BENCHES)[number];

export interface BenchOptions {
  only?: string[];
  incidentUrl?: string;
  slaUrl?: string;
  connections: string;
  seconds: string;
  rate: string;
  eventSeconds: string;
  warmup: string;
  csv: string;
  concurrency: string;
  listRows: string;
  listRuns: string;
  instance?: string;
}

function bar(label: string, total: number, unit = '') {
  const b = new SingleBar({ format: `${label.padEnd(22)} [{bar}] {value}/{total}${unit}`, hideCursor: true, stream: process.stderr, noTTYOutput: !process.stderr.isTTY, notTTYSchedule: 5000 }, Presets.shades_classic);
  b.start(total, 0);
  return b;
}

const throughputFigures = (name: string, t: Throughput): Figure[] => [
  { bench: name, what: 'throughput', value: perSecond(t.perSecond) },
  { bench: '', what: 'latency p50 / p99', value: `${ms(t.p50)} / ${ms(t.p99)}` },
  { bench: '', what: 'requests (errors)', value: `${t.requests} (${t.errors})` },
];

/** The SLA service's clock signals still waiting for Temporal and clock workflow tasks running (its /metrics), or undefined when it does not answer. */
async function slaBacklog(slaUrl: string): Promise<{ pending: number; running: number } | undefined> {
  const text = await fetch(`${slaUrl}/metrics`).then((r) => (r.ok ? r.text() : undefined), () => undefined);
  const value = (name: string) => Number(text?.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm'))?.[1] ?? 0);
  return text === undefined ? undefined : { pending: value('sla_pending_signals'), running: value('sla_clock_workflow_tasks_running') };
}

/**
 * Waits (progress bar) until the SLA service has sent every earlier clock
 * signal to Temporal and its worker has gone quiet (no workflow task for two
 * seconds), so that a run does not measure the backlog of the one before.
 */
async function settleSla(slaUrl: string, maxSeconds = 600): Promise<void> {
  const first = await slaBacklog(slaUrl);
  if (!first) return;
  const b = bar('events: earlier clocks', Math.max(1, first.pending));
  const deadline = Date.now() + maxSeconds * 1000;
  let quiet = 0;
  while (quiet < 4 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = (await slaBacklog(slaUrl)) ?? { pending: 0, running: 0 };
    b.update(Math.max(0, first.pending - now.pending));
    quiet = now.pending === 0 && now.running === 0 ? quiet + 1 : 0;
  }
  b.update(Math.max(1, first.pending));
  b.stop();
}

export async function benchCommand(o: BenchOptions): Promise<number> {
  const only = new Set((o.only?.length ? o.only : BENCHES) as Bench[]);
  const unknown = [...only].filter((b) => !BENCHES.includes(b));
  if (unknown.length) {
    console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Choose from ${BENCHES.join(', ')}`);
    return 2;
  }
  const incidentUrl = o.incidentUrl ?? SERVICES.find((s) => s.name === 'incident')!.url;
  const instance = o.instance ?? process.env.ITSM_INSTANCE ?? '';
  const figures: Figure[] = [];
  const agent = await localToken('bench-agent', ['agent']);
  const connections = count('connections', o.connections);
  const seconds = count('seconds', o.seconds);
  const rate = count('rate', o.rate);
  const eventSeconds = count('event-seconds', o.eventSeconds);
  const warmup = Number(o.warmup);
  if (!Number.isFinite(warmup) || warmup < 0) {
    console.error(`--warmup must be a number of seconds ≥ 0, got ${JSON.stringify(o.warmup)}`);
    return 2;
  }
  const concurrency = count('concurrency', o.concurrency);
  const listRows = count('list-rows', o.listRows);
  const listRuns = count('list-runs', o.listRuns);
  const needsPlatform = only.has('create') || only.has('events');
  if (needsPlatform && !(await fetch(`${incidentUrl}/readyz`).then((r) => r.ok, () => false))) {
    console.error(`The Incident service is not ready at ${incidentUrl} (start the platform with \`npm start\`, or pass --incident-url)`);
    return 1;
  }

  // events first: the create runs leave thousands of incidents for the SLA service to work through
  const slaUrl = o.slaUrl ?? SERVICES.find((s) => s.name === 'sla')!.url;
  if (only.has('events')) {
    await settleSla(slaUrl);
    const secs = eventSeconds;
    const total = Math.round(rate * secs);
    let b = bar(`events: create at ${rate}/s`, total);
    let phase = 'create';
    const r = await eventLatency({
      url: incidentUrl,
      token: agent,
      rate,
      seconds: secs,
      warmupSeconds: warmup,
      instance,
      waitSeconds: 30,
      onProgress: (p, done) => {
        if (p !== phase) {
          b.stop();
          b = bar('events: clocks started', total);
          phase = p;
        }
        b.update(done);
      },
    });
    b.stop();
    figures.push(
      { bench: `created → SLA clock started (${rate}/s, ${secs} s)`, what: 'latency p50 / p99', value: `${ms(r.p50)} / ${ms(r.p99)}` },
      { bench: '', what: 'max', value: ms(r.max) },
      { bench: '', what: 'answer → clock written p50 / p99', value: `${ms(r.recorded.p50)} / ${ms(r.recorded.p99)}` },
      { bench: '', what: 'written → on Kafka p50 / p99', value: `${ms(r.delivered.p50)} / ${ms(r.delivered.p99)}` },
      { bench: '', what: 'p99 by fifth of the run', value: r.p99ByFifth.map(ms).join(' · ') },
      { bench: '', what: 'clocks seen / created (errors)', value: `${r.matched} / ${r.created} (${r.createErrors})` },
      ...(r.createErrors ? [{ bench: '', what: 'failed creates by status', value: Object.entries(r.errorsByStatus).map(([k, v]) => `${k === '0' ? 'no answer' : k}: ${v}`).join(', ') }] : []),
    );
  }

  if (only.has('create')) {
    await settleSla(slaUrl);
    const run = async (label: string, fn: (onTick: () => void) => Promise<Throughput>) => {
      const b = bar(label, seconds, ' s');
      let s = 0;
      const r = await fn(() => b.update(Math.min(seconds, ++s)));
      b.stop();
      return r;
    };
    // the service on its own (nothing downstream reacts), the same transaction straight through pg, then the platform reacting to every create
    const own = await withFreshIncidentService('create', (url) => run('create via API (own service)', (onTick) => createViaApi({ url, token: agent, connections, seconds, warmupSeconds: warmup, onTick })));
    const pg = await run('create via pg', (onTick) => createViaPg({ connections, seconds, warmupSeconds: warmup, onTick }));
    const platform = await run('create via API (platform)', (onTick) => createViaApi({ url: incidentUrl, token: agent, connections, seconds, warmupSeconds: warmup, onTick }));
    figures.push(...throughputFigures(`incident create, API, own service (${connections} conn., ${seconds} s)`, own));
    figures.push(...throughputFigures(`same transaction, pg direct (${connections} conn.)`, pg));
    figures.push({ bench: 'API / pg', what: 'throughput ratio', value: (own.perSecond / pg.perSecond).toFixed(2) });
    figures.push(...throughputFigures(`incident create, API of the platform, every service reacting (${connections} conn.)`, platform));
  }

  if (only.has('replay')) {
    const r = await replayRate({ csv: o.csv, concurrency, progress: progressBar() });
    figures.push(
      { bench: `replay of ${o.csv.split('/').pop()} (fresh service, concurrency ${concurrency})`, what: 'rate', value: `${r.perSecond.toFixed(1)} incidents/s` },
      { bench: '', what: 'incidents / events / time', value: `${r.incidents} / ${r.events} / ${r.seconds.toFixed(1)} s` },
    );
  }

  if (only.has('list')) {
    const rows = listRows;
    console.error(`list: seeding ${rows.toLocaleString('en-GB')} incidents and timing ${listRuns} requests per case…`);
    const lines = await listLatency({ rows, runs: listRuns, onLine: (l) => l.startsWith('seeded') && console.error(l) });
    let first = true;
    for (const l of lines) {
      const m = /^(.+?)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$/.exec(l);
      if (!m) continue;
      figures.push({ bench: first ? `list / search over ${rows.toLocaleString('en-GB')} incidents` : '', what: `${m[1]!.trim()} p50 / p99`, value: `${ms(Number(m[2]))} / ${ms(Number(m[3]))}` });
      first = false;
    }
  }

  console.log('');
  console.log(table(['benchmark', 'figure', 'value'], figures.map((f) => [f.bench, f.what, f.value]), ['l', 'l', 'r']));
  return 0;
}

export const DEFAULT_CSV = join(repoRoot, '..', 'shared', 'datasets', 'servicenow-incident-event-log.csv');
