/**
 * Event latency: incidents created through the API at a steady rate; the time
 * from the API's answer to the SLA service's `clock_started` event for the
 * incident, read from the SLA topic on Kafka.
 */
import { performance } from 'node:perf_hooks';
import { commonConfigSchema, loadConfig } from '@itsm/core';
import { createKafka, fromKafkaHeaders, TOPICS } from '@itsm/events';
import { CREATE_BODY } from './create';
import { percentile } from './stats';

export interface EventLatency {
  created: number;
  createErrors: number;
  /** failed creates by HTTP status (0 = no answer) */
  errorsByStatus: Record<string, number>;
  matched: number;
  p50: number;
  p99: number;
  max: number;
  /** the same latency split: answer → the SLA service wrote the clock (its event's `time`), written → received from Kafka */
  recorded: { p50: number; p99: number };
  delivered: { p50: number; p99: number };
  /** p99 of the incidents created in each fifth of the run: a rising row means a backlog builds up */
  p99ByFifth: number[];
}

const CLOCK_STARTED = 'itsm.sla.clock_started.v1';

export async function eventLatency(o: {
  url: string;
  token: string;
  rate: number;
  seconds: number;
  /** seconds at the same rate before the measured run (not counted): the services' code paths warmed up */
  warmupSeconds?: number;
  /** topic prefix of the platform instance (ITSM_INSTANCE) */
  instance: string;
  waitSeconds: number;
  onProgress?: (phase: 'create' | 'wait', done: number) => void;
}): Promise<EventLatency> {
  const cfg = loadConfig(commonConfigSchema);
  const kafka = createKafka({ clientId: `itsm-bench-${process.pid}`, brokers: cfg.KAFKA_BROKERS });
  const consumer = kafka.consumer({ groupId: `itsm-bench-${process.pid}-${Date.now()}` });
  const answered = new Map<string, number>();
  const started = new Map<string, number>();
  /** wall-clock time (ms since epoch) the SLA service wrote the clock_started event */
  const written = new Map<string, number>();
  /** performance.now() − Date.now(): converts event times to the bench's monotonic clock */
  const offset = performance.now() - Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic: `${o.instance}${TOPICS.sla}`, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const at = performance.now();
      try {
        const headers = fromKafkaHeaders(message.headers);
        if (headers.type !== CLOCK_STARTED) return;
        const n = (JSON.parse(message.value?.toString() ?? '{}') as { ticketNumber?: string }).ticketNumber;
        if (n && !started.has(n)) {
          started.set(n, at);
          const time = Date.parse(String(headers.time));
          if (Number.isFinite(time)) written.set(n, time + offset);
        }
      } catch {
        /* not an event of ours */
      }
    },
  });
  // the group joins asynchronously: give it a moment before the first create
  await new Promise((r) => setTimeout(r, 3000));
  let errors = 0;
  const errorsByStatus: Record<string, number> = {};
  const fail = (status: number) => {
    errors++;
    errorsByStatus[status] = (errorsByStatus[status] ?? 0) + 1;
  };
  const warm = Math.round(o.rate * (o.warmupSeconds ?? 0));
  const total = Math.round(o.rate * o.seconds);
  const start = performance.now();
  const t0 = start + (warm * 1000) / o.rate;
  const inflight: Promise<void>[] = [];
  for (let i = -warm; i < total; i++) {
    const due = t0 + (i * 1000) / o.rate;
    const counted = i >= 0;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      fetch(`${o.url}/api/v1/incidents`, { method: 'POST', headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' }, body: JSON.stringify(CREATE_BODY) })
        .then(async (r) => {
          const at = performance.now();
          const b = (await r.json()) as { number?: string };
          if (!counted) return;
          if (r.status === 201 && b.number) answered.set(b.number, at);
          else fail(r.status);
        })
        .catch(() => {
          if (counted) fail(0);
        }),
    );
    if (counted) o.onProgress?.('create', i + 1);
  }
  await Promise.all(inflight);
  const deadline = performance.now() + o.waitSeconds * 1000;
  const matchedCount = () => [...answered.keys()].filter((n) => started.has(n)).length;
  while (matchedCount() < answered.size && performance.now() < deadline) {
    o.onProgress?.('wait', matchedCount());
    await new Promise((r) => setTimeout(r, 250));
  }
  o.onProgress?.('wait', matchedCount());
  await consumer.disconnect();
  const seen = [...answered].filter(([n]) => started.has(n));
  const lat = seen.map(([n, t]) => Math.max(0, started.get(n)! - t));
  const rec = seen.filter(([n]) => written.has(n)).map(([n, t]) => Math.max(0, written.get(n)! - t));
  const del = seen.filter(([n]) => written.has(n)).map(([n]) => Math.max(0, started.get(n)! - written.get(n)!));
  const span = Math.max(1, o.seconds * 1000);
  const fifths: number[][] = [[], [], [], [], []];
  for (const [n, t] of seen) fifths[Math.min(4, Math.max(0, Math.floor(((t - t0) / span) * 5)))]!.push(Math.max(0, started.get(n)! - t));
  return {
    created: answered.size,
    createErrors: errors,
    errorsByStatus,
    matched: lat.length,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat.length ? Math.max(...lat) : NaN,
    recorded: { p50: percentile(rec, 50), p99: percentile(rec, 99) },
    delivered: { p50: percentile(del, 50), p99: percentile(del, 99) },
    p99ByFifth: fifths.map((f) => percentile(f, 99)),
  };
}
