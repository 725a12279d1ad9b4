/**
 * List and search benchmark: seeds 100,000 incidents straight into a scratch
 * database, starts the incident service on it and prints p50/p99 latencies of
 * typical list and search requests through the HTTP API.
 *
 *   npx tsc -p services/incident/bench && node services/incident/bench/dist/list.js
 *   (BENCH_ROWS=100000 BENCH_RUNS=200 to change the size and the repetitions)
 *
 * Needs the real Postgres, Kafka and Temporal (the service starts as a whole).
 */
import { performance } from 'node:perf_hooks';
import { commonConfigSchema, createLogger, loadConfig } from '@itsm/core';
import { createKnex, dropDatabase, ensureDatabase, migrateLatest } from '@itsm/db';
import { messagingMigrations } from '@itsm/events';
import { idempotencyMigration, signToken } from '@itsm/http';
import { incidentMigrations, incidentService } from '@itsm/incident-service';
import { startService } from '@itsm/runtime';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const cfg = loadConfig(commonConfigSchema);
const database = `itsm_bench_incident_${process.pid}`;

async function seed(): Promise<void> {
  await ensureDatabase(cfg.POSTGRES_URL, database);
  const knex = createKnex({ serverUrl: cfg.POSTGRES_URL, database });
  await migrateLatest(knex, [...messagingMigrations, idempotencyMigration, ...incidentMigrations]);
  const t0 = performance.now();
  await knex.raw(
    `INSERT INTO incident (id, number, title, description, caller_id, opened_by, contact_type, category, subcategory, ci_id,
       impact, urgency, priority, state, hold_reason, assignment_group, assignee, opened_at, updated_at, resolved_at, closed_at,
       resolution_code, resolution_notes, version)
     SELECT gen_random_uuid(), 'INC' || lpad(g::text, 7, '0'),
       (ARRAY['Printer','Laptop','Network','VPN','Email','Phone','Server','Database','Badge','Monitor'])[1 + g % 10] || ' ' ||
       (ARRAY['down','slow','broken','not responding','error','outage','jammed','offline','crashes','locked'])[1 + (g / 10) % 10] || ' in room ' || (g % 500),
       'Reported by caller ' || (g % 5000) || ': ' || (ARRAY['cannot print','no connection','timeout on login','blue screen','password expired'])[1 + g % 5],
       'Caller ' || (g % 5000), 'agent' || (g % 40),
       (ARRAY['phone','email','portal','walk_in','monitoring'])[1 + g % 5],
       'Category ' || (g % 40), 'Subcategory ' || (g % 200), 'CI ' || (g % 3000),
       1 + g % 3, 1 + (g / 3) % 3, 1 + (g % 4),
       s.state, CASE WHEN s.state = 'on_hold' THEN 'awaiting_caller' END,
       'Group ' || (g % 60), 'Resolver ' || (g % 300),
       o.at, o.at + interval '2 hours',
       CASE WHEN s.state IN ('resolved','closed') THEN o.at + interval '1 hour' END,
       CASE WHEN s.state = 'closed' THEN o.at + interval '5 days' END,
       CASE WHEN s.state IN ('resolved','closed') THEN 'fixed' END,
       CASE WHEN s.state IN ('resolved','closed') THEN 'done' END,
       1
     FROM generate_series(1, ?) g
     CROSS JOIN LATERAL (SELECT (ARRAY['new','in_progress','on_hold','resolved','closed','closed','closed','closed'])[1 + g % 8] AS state) s
     CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01' + (g * interval '5 minutes') AS at) o`,
    [ROWS],
  );
  await knex.raw(`SELECT setval('incident_number_seq', ?)`, [ROWS]);
  await knex.raw('ANALYZE incident');
  console.log(`seeded ${ROWS} incidents in ${Math.round(performance.now() - t0)} ms`);
  await knex.destroy();
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main(): Promise<void> {
  await seed();
  const svc = await startService(incidentService, {
    env: { ...process.env, PORT: '0', DATABASE_NAME: database, ITSM_ROLES: 'api', ITSM_INSTANCE: `bench${process.pid}-` },
    logger: createLogger('incident-service', 'silent'),
  });
  try {
    const sign = (sub: string, roles: ('agent' | 'requester')[]) =>
      signToken({ sub, roles }, { secret: cfg.JWT_SECRET, issuer: cfg.JWT_ISSUER, audience: cfg.JWT_AUDIENCE, expiresIn: '1h' });
    const agent = await sign('bench-agent', ['agent']);
    const requester = await sign('Caller 42', ['requester']);
    const first = await fetch(`${svc.url}/api/v1/incidents?limit=50`, { headers: { authorization: `Bearer ${agent}` } }).then((r) => r.json() as Promise<{ nextCursor: string }>);
    const cases: Array<[string, string, string]> = [
      ['newest 50', '/api/v1/incidents?limit=50', agent],
      ['next page (cursor)', `/api/v1/incidents?limit=50&cursor=${first.nextCursor}`, agent],
      ['state=in_progress', '/api/v1/incidents?state=in_progress&limit=50', agent],
      ['open states, priority 1', '/api/v1/incidents?state=new,in_progress,on_hold&priority=1&limit=50', agent],
      ['group', '/api/v1/incidents?group=Group%2012&limit=50', agent],
      ['assignee + state', '/api/v1/incidents?assignee=Resolver%2017&state=in_progress&limit=50', agent],
      ['ci', '/api/v1/incidents?ci=CI%20123&limit=50', agent],
      ['category, opened range', '/api/v1/incidents?category=Category%207&openedFrom=2025-03-01T00:00:00Z&openedTo=2025-06-01T00:00:00Z&limit=50', agent],
      ['sort -updatedAt', '/api/v1/incidents?sort=-updatedAt&limit=50', agent],
      ['sort -priority,openedAt', '/api/v1/incidents?sort=-priority,openedAt&limit=50', agent],
      ['text q=printer jammed', '/api/v1/incidents?q=printer%20jammed&limit=50', agent],
      ['search with total', '/api/v1/incidents/search?q=vpn%20locked&limit=50', agent],
      ['requester own list', '/api/v1/incidents?limit=50', requester],
      ['requester search', '/api/v1/incidents/search?q=printer', requester],
      ['similar (agent)', '/api/v1/incidents/INC0050000/similar', agent],
      ['get one', '/api/v1/incidents/INC0050000', agent],
    ];
    console.log(`\n${'case'.padEnd(28)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'rows'.padStart(5)}`);
    for (const [name, path, token] of cases) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < RUNS + 10; i++) {
        const t0 = performance.now();
        const res = await fetch(`${svc.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { items?: unknown[] };
        if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(body)}`);
        if (i >= 10) times.push(performance.now() - t0);
        rows = body.items?.length ?? 0;
      }
      console.log(`${name.padEnd(28)} ${pct(times, 50).toFixed(1).padStart(8)} ${pct(times, 99).toFixed(1).padStart(8)} ${String(rows).padStart(5)}`);
    }
  } finally {
    await svc.stop();
    await dropDatabase(cfg.POSTGRES_URL, database);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
