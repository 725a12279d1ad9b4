/**
 * List and search latency over 100,000 incidents: runs the Incident service's
 * own benchmark (services/incident/bench/list.ts: seeds a scratch database,
 * starts the service on it, times typical list and search requests) and
 * collects its lines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoRoot } from '../platform';

export async function listLatency(o: { rows: number; runs: number; onLine?: (l: string) => void }): Promise<string[]> {
  const script = `${repoRoot}/services/incident/bench/dist/list.js`;
  if (!existsSync(script)) {
    const b = spawnSync(process.execPath, [`${repoRoot}/node_modules/typescript/bin/tsc`, '-p', `${repoRoot}/services/incident/bench`], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('could not build services/incident/bench');
  }
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, BENCH_ROWS: String(o.rows), BENCH_RUNS: String(o.runs) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(l);
        o.onLine?.(l);
      }
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the list benchmark exited with ${code}`))));
  });
  return lines;
}
