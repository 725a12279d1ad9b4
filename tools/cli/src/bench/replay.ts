/**
 * Replay rate: the dataset imported into a fresh Incident service (its own
 * process, scratch database and topic prefix; API and outbox relay), through
 * the same replay function as `itsm replay`.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { commonConfigSchema, loadConfig } from '@itsm/core';
import { dropDatabase } from '@itsm/db';
import { repoRoot } from '../platform';
import { replay, type Progress } from '../replay/run';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

export interface ReplayRate {
  incidents: number;
  events: number;
  seconds: number;
  perSecond: number;
}

export async function replayRate(o: { csv: string; concurrency: number; progress?: Progress }): Promise<ReplayRate> {
  const cfg = loadConfig(commonConfigSchema);
  const port = await freePort();
  const database = `itsm_bench_replay_${process.pid}`;
  const child = spawn(process.execPath, [`${repoRoot}/services/incident/dist/main.js`], {
    env: { ...process.env, PORT: String(port), DATABASE_NAME: database, ITSM_INSTANCE: `bench${process.pid}-`, ITSM_ROLES: 'api,relay', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the incident service stopped at start (exit ${child.exitCode})`);
      const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 120) throw new Error('the incident service did not get ready in 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    const r = await replay({ input: { path: o.csv }, incidentUrl: url, slaUrl: null, concurrency: o.concurrency, progress: o.progress });
    return { incidents: r.imported, events: r.eventsImported, seconds: r.importMs / 1000, perSecond: r.rate };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await dropDatabase(cfg.POSTGRES_URL, database).catch(() => {});
  }
}
