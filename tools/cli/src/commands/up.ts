import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICES, infra, isReady, logDir, runningPid, startService, stopService } from '../platform';

const temporalUi = process.env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${process.env.TEMPORAL_UI_PORT ?? 8233}`;

export async function up(opts: { only?: string[] }): Promise<number> {
  if (infra('up') !== 0) return 1;
  const wanted = SERVICES.filter((s) => !opts.only?.length || opts.only.includes(s.name));
  const started: string[] = [];
  for (const s of wanted) {
    if (!existsSync(s.entry)) {
      console.log(`  ${s.name.padEnd(9)} not built yet (${s.entry} missing): skipped`);
      continue;
    }
    if (runningPid(s.name) && (await isReady(s.url))) continue;
    startService(s);
    started.push(s.name);
  }
  let failed = 0;
  for (const s of wanted.filter((x) => existsSync(x.entry))) {
    let ready = false;
    for (let i = 0; i < 120 && !ready; i++) {
      ready = await isReady(s.url);
      if (!ready) {
        if (!runningPid(s.name)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    if (ready) {
      console.log(`  ${s.name.padEnd(9)} ${s.url}/api/v1  docs ${s.url}/docs${started.includes(s.name) ? '' : '  (was running)'}`);
    } else {
      failed++;
      console.log(`  ${s.name.padEnd(9)} FAILED to become ready: see ${join(logDir, `${s.name}.log`)}`);
    }
  }
  console.log(`\nTemporal UI   ${temporalUi}`);
  console.log(`Logs          ${logDir}`);
  console.log('Get a token:  npm run itsm -- token --sub alice --roles agent --groups service-desk');
  return failed ? 1 : 0;
}

export async function down(opts: { keepInfra?: boolean }): Promise<number> {
  // all at once: each drains its consumers, relay and workers before it exits
  await Promise.all(SERVICES.map(async (s) => (await stopService(s.name)) && console.log(`  ${s.name} stopped`)));
  return opts.keepInfra ? 0 : infra('down');
}

export async function status(): Promise<number> {
  const code = infra('status');
  for (const s of SERVICES) {
    const pid = runningPid(s.name);
    const ready = pid ? await isReady(s.url) : false;
    console.log(`  ${s.name.padEnd(9)} ${pid ? `pid ${pid}` : 'stopped'}${pid ? (ready ? `, ready at ${s.url}` : ', not ready') : ''}`);
  }
  return code;
}
