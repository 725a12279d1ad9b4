import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (tools/cli/dist → ../../..). */
export const repoRoot = resolve(__dirname, '../../..');
export const cacheDir = process.env.ITSM_CACHE ?? join(homedir(), '.cache', 'itsm');
export const runDir = join(cacheDir, 'run');
export const logDir = join(cacheDir, 'logs');

/** The platform's services, their default ports and the env variable that overrides each. */
export const SERVICES = [
  { name: 'incident', port: 3001 },
  { name: 'problem', port: 3002 },
  { name: 'change', port: 3003 },
  { name: 'release', port: 3004 },
  { name: 'sla', port: 3005 },
].map((s) => {
  const envName = `${s.name.toUpperCase()}_PORT`;
  const port = Number(process.env[envName] ?? s.port);
  return {
    ...s,
    envName,
    port,
    url: process.env[`${s.name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${port}`,
    entry: join(repoRoot, 'services', s.name, 'dist', 'main.js'),
  };
});
export type ServiceInfo = (typeof SERVICES)[number];

export function infra(action: 'up' | 'down' | 'status'): number {
  const r = spawnSync('bash', [join(repoRoot, 'infra/local/infra.sh'), action], { stdio: 'inherit' });
  return r.status ?? 1;
}

const pidFile = (name: string) => join(runDir, `${name}.pid`);

export function runningPid(name: string): number | undefined {
  if (!existsSync(pidFile(name))) return undefined;
  const pid = Number(readFileSync(pidFile(name), 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export function startService(s: ServiceInfo): number {
  mkdirSync(runDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const out = openSync(join(logDir, `${s.name}.log`), 'a');
  const child = spawn(process.execPath, [s.entry], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, PORT: String(s.port), NODE_ENV: process.env.NODE_ENV ?? 'production' },
  });
  child.unref();
  writeFileSync(pidFile(s.name), String(child.pid));
  return child.pid!;
}

export async function stopService(name: string): Promise<boolean> {
  const pid = runningPid(name);
  rmSync(pidFile(name), { force: true });
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
  }
  process.kill(pid, 'SIGKILL');
  return true;
}

export async function isReady(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
    return r.ok;
  } catch {
    return false;
  }
}
