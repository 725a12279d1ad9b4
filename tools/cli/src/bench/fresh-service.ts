/**
 * A fresh Incident service in its own process (scratch database, its own topic
 * prefix, roles api and relay): the service measured on its own, on the same
 * machine as the running platform, with nothing subscribed to its events.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { commonConfigSchema, loadConfig } from '@itsm/core';
import { dropDatabase } from '@itsm/db';
import { repoRoot } from '../platform';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** Runs `fn` with the URL of a fresh Incident service; stops it and drops its database afterwards. */
export async function withFreshIncidentService<T>(name: string, fn: (url: string) => Promise<T>): Promise<T> {
  const cfg = loadConfig(commonConfigSchema);
  const port = await freePort();
  const database = `itsm_bench_${name}_${process.pid}`;
  const child = spawn(process.execPath, [`${repoRoot}/services/incident/dist/main.js`], {
    env: { ...process.env, PORT: String(port), DATABASE_NAME: database, ITSM_INSTANCE: `bench${name}${process.pid}-`, ITSM_ROLES: 'api,relay', LOG_LEVEL: 'warn' },
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
    return await fn(url);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await dropDatabase(cfg.POSTGRES_URL, database).catch(() => {});
  }
}
