/**
 * Incident create: through the API (autocannon at a fixed concurrency) and the
 * same work straight through pg in a scratch database: the two statements
 * services/incident sends for a create without an Idempotency-Key (the number
 * and the settings in one query; the incident row, its history row, its
 * outbox row and the notification in one statement).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { commonConfigSchema, loadConfig } from '@itsm/core';
import { createKnex, dropDatabase, ensureDatabase, migrateLatest } from '@itsm/db';
import { messagingMigrations, OUTBOX_CHANNEL } from '@itsm/events';
import { idempotencyMigration } from '@itsm/http';
import { incidentMigrations } from '@itsm/incident-service';
import { percentile } from './stats';

export interface Throughput {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

export const CREATE_BODY = { title: 'Bench: printer on floor 3 does not print', description: 'Paper jam light stays on after clearing the tray.', impact: 2, urgency: 2, category: 'Hardware' };

/** Incident creates through the API with autocannon; the first `warmupSeconds` (same load) are not counted. */
export async function createViaApi(o: { url: string; token: string; connections: number; seconds: number; warmupSeconds?: number; onTick?: (s: number) => void }): Promise<Throughput> {
  const load = (duration: number) =>
    autocannon({
      url: `${o.url}/api/v1/incidents`,
      method: 'POST',
      connections: o.connections,
      duration,
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(CREATE_BODY),
    });
  if (o.warmupSeconds) await load(o.warmupSeconds);
  const timer = setInterval(() => o.onTick?.(1), 1000);
  try {
    const r = await load(o.seconds);
    const ok = r['2xx'];
    return { requests: ok, errors: r.errors + r.timeouts + r.non2xx, seconds: o.seconds, perSecond: ok / o.seconds, p50: r.latency.p50, p99: r.latency.p99 };
  } finally {
    clearInterval(timer);
  }
}

const COLUMNS = [
  'id', 'number', 'title', 'description', 'caller_id', 'opened_by', 'contact_type', 'location', 'category', 'subcategory', 'symptom', 'ci_id',
  'impact', 'urgency', 'priority', 'priority_override', 'state', 'hold_reason', 'assignment_group', 'assignee', 'reassignment_count', 'reopen_count',
  'parent_id', 'major', 'problem_id', 'caused_by_change', 'awaiting_change', 'resolution_code', 'resolution_notes', 'knowledge', 'escalation_level',
  'functional_escalation_level', 'sla_breached', 'sla_notices', 'source_message_id', 'source', 'source_number', 'opened_at', 'first_response_at',
  'resolved_at', 'closed_at', 'updated_at', 'version',
];
const INSERT_INCIDENT = `INSERT INTO incident (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;
const n = COLUMNS.length;
/** the record, its history and its outbox row with the notification, in one statement, as `appendOutbox` writes them */
const WRITE = `WITH w0 AS (${INSERT_INCIDENT}),
  w1 AS (INSERT INTO incident_history (incident_id, at, actor_id, actor_name, field, from_value, to_value, version) VALUES ($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8})),
  w2 AS (INSERT INTO outbox (id, topic, partition_key, type, envelope) VALUES ($${n + 9}, $${n + 10}, $${n + 11}, $${n + 12}, $${n + 13}))
  SELECT pg_notify($${n + 14}, $${n + 15})`;
const NUMBER_AND_SETTINGS = "SELECT nextval('incident_number_seq') AS n, coalesce((SELECT jsonb_object_agg(key, value) FROM incident_setting), '{}'::jsonb) AS settings";

/** The same create, straight through pg, in a scratch database that is dropped afterwards. */
export async function createViaPg(o: { connections: number; seconds: number; warmupSeconds?: number; onTick?: (s: number) => void }): Promise<Throughput> {
  const cfg = loadConfig(commonConfigSchema);
  const database = `itsm_bench_pg_${process.pid}`;
  await ensureDatabase(cfg.POSTGRES_URL, database);
  const knex = createKnex({ serverUrl: cfg.POSTGRES_URL, database });
  try {
    await migrateLatest(knex, [...messagingMigrations, idempotencyMigration, ...incidentMigrations]);
  } finally {
    await knex.destroy();
  }
  const url = new URL(cfg.POSTGRES_URL);
  url.pathname = `/${database}`;
  const pool = new Pool({ connectionString: url.toString(), max: o.connections });
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  const one = async () => {
    const c = await pool.connect();
    const t = performance.now();
    try {
      const { rows } = await c.query<{ n: string }>(NUMBER_AND_SETTINGS);
      const number = `INC${String(rows[0]!.n).padStart(7, '0')}`;
      const id = randomUUID();
      const now = new Date();
      const values: Record<string, unknown> = {
        id, number, title: CREATE_BODY.title, description: CREATE_BODY.description, caller_id: 'bench-agent', opened_by: 'bench-agent', contact_type: 'portal',
        location: null, category: CREATE_BODY.category, subcategory: null, symptom: null, ci_id: null, impact: 2, urgency: 2, priority: 3, priority_override: false,
        state: 'new', hold_reason: null, assignment_group: null, assignee: null, reassignment_count: 0, reopen_count: 0, parent_id: null, major: false,
        problem_id: null, caused_by_change: null, awaiting_change: null, resolution_code: null, resolution_notes: null, knowledge: false, escalation_level: 0,
        functional_escalation_level: 0, sla_breached: false, sla_notices: '[]', source_message_id: null, source: null, source_number: null, opened_at: now,
        first_response_at: null, resolved_at: null, closed_at: null, updated_at: now, version: 1,
      };
      const eventId = randomUUID();
      const envelope = {
        specversion: '1.0', id: eventId, source: 'incident-service', type: 'itsm.incident.created.v1', subject: number, time: now.toISOString(), occurredat: now.toISOString(),
        version: 1, datacontenttype: 'application/json', partitionkey: number, correlationid: eventId,
        data: {
          incident: {
            id, number, title: CREATE_BODY.title, state: 'new', holdReason: null, impact: 2, urgency: 2, priority: 3, category: CREATE_BODY.category, subcategory: null, symptom: null,
            ciId: null, assignmentGroup: null, assignee: null, callerId: 'bench-agent', major: false, problemId: null, openedAt: now.toISOString(), resolvedAt: null, closedAt: null,
            firstResponseAt: null, contactType: 'portal', parentId: null, reassignmentCount: 0, reopenCount: 0, escalationLevel: 0,
          },
          by: { id: 'bench-agent' },
        },
      };
      await c.query(WRITE, [
        ...COLUMNS.map((k) => values[k]),
        ...[id, now, 'bench-agent', null, 'created', 'null', JSON.stringify(number), 1],
        ...[eventId, 'itsm.incident.v1', number, envelope.type, envelope],
        OUTBOX_CHANNEL,
        '',
      ]);
      if (measuring) latencies.push(performance.now() - t);
    } catch {
      if (measuring) errors++;
    } finally {
      c.release();
    }
  };
  const loop = (until: number) =>
    Promise.all(
      Array.from({ length: o.connections }, async () => {
        while (performance.now() < until) await one();
      }),
    );
  let timer: NodeJS.Timeout | undefined;
  let t0 = performance.now();
  try {
    if (o.warmupSeconds) await loop(performance.now() + o.warmupSeconds * 1000);
    measuring = true;
    t0 = performance.now();
    timer = setInterval(() => o.onTick?.(1), 1000);
    await loop(t0 + o.seconds * 1000);
  } finally {
    clearInterval(timer);
    await pool.end();
    await dropDatabase(cfg.POSTGRES_URL, database).catch(() => {});
  }
  const seconds = (performance.now() - t0) / 1000;
  return { requests: latencies.length, errors, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
