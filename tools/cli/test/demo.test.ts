/**
 * `itsm demo` against the five services started in-process on one platform
 * instance (their own databases, topics, task queues and workflow ids), on the
 * real Postgres, Kafka and Temporal.
 */
import { createChangeService } from '@itsm/change-service';
import { commonConfigSchema, loadConfig } from '@itsm/core';
import { createIncidentService } from '@itsm/incident-service';
import { createProblemService } from '@itsm/problem-service';
import { createReleaseService } from '@itsm/release-service';
import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import { slaService } from '@itsm/sla-service';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { castOf } from '../src/demo/cast';
import { DemoCdTarget } from '../src/demo/cd-target';
import { DemoError, ServiceApi, waitFor } from '../src/demo/http';
import { setUp, type Apis } from '../src/demo/setup';
import { runDemo, type DemoOptions, type DemoResult } from '../src/demo/story';

const cfg = loadConfig(commonConfigSchema, process.env);
const jwt = { secret: cfg.JWT_SECRET, issuer: cfg.JWT_ISSUER, audience: cfg.JWT_AUDIENCE };
const instance = newInstance();
let services: Record<'incident' | 'problem' | 'change' | 'release' | 'sla', RunningService>;
let options: DemoOptions;
const lines: string[] = [];

beforeAll(async () => {
  const started = Date.now();
  const [incident, problem, change, release, sla] = await Promise.all([
    startTestService(createIncidentService(), { instance }),
    startTestService(createProblemService(), { instance }),
    startTestService(createChangeService(), { instance }),
    startTestService(createReleaseService(), { instance }),
    startTestService(slaService, { instance }),
  ]);
  services = { incident, problem, change, release, sla };
  options = {
    urls: { incident: incident.url, problem: problem.url, change: change.url, release: release.url, sla: sla.url },
    instancePrefix: instance,
    temporalUiUrl: 'http://127.0.0.1:8233',
    temporalNamespace: cfg.TEMPORAL_NAMESPACE,
    jwt,
    timeoutMs: 45_000,
    print: (l) => lines.push(l),
  };
  console.log(`five services started in ${Date.now() - started} ms`);
}, 180_000);

afterAll(async () => {
  if (services) await Promise.all(Object.values(services).map((s) => s.stop()));
});

describe('itsm demo', () => {
  let result: DemoResult;

  it('runs the chain from recurring incidents to resolved incidents with their SLA clocks', async () => {
    const t0 = Date.now();
    try {
      result = await runDemo({ ...options, runId: 'test1' });
    } finally {
      console.log(`demo took ${Date.now() - t0} ms\n${lines.join('\n')}`);
    }

    expect(result.incidents).toHaveLength(3);
    for (const i of result.incidents) expect(i).toMatchObject({ state: 'resolved', resolutionCode: 'solved_by_problem', problemId: result.problem.number });
    expect(result.problem).toMatchObject({ state: 'resolved', candidate: true, knownError: true, resolutionCode: 'fix_applied', fix: { changeNumber: result.change.number } });
    expect(result.change).toMatchObject({ state: 'review', outcome: 'successful', problemIds: [result.problem.id] });
    expect(result.release.state).toBe('deployed');
    expect(result.release.stages.map((s) => [s.name, s.status])).toEqual([
      ['test', 'completed'],
      ['staging', 'completed'],
      ['production', 'completed'],
    ]);
    const sla = result.clocks.filter((c) => c.kind === 'sla');
    expect(sla.map((c) => `${c.ticket.number}:${c.target}`).sort()).toEqual(result.incidents.flatMap((i) => [`${i.number}:resolution`, `${i.number}:response`]).sort());
    for (const c of sla) {
      expect(c.status).toBe('met');
      expect(c.workflowId.startsWith(instance)).toBe(true);
    }
    expect(result.workflows.approval).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`${instance}rfc-approval:${result.change.number}`)}`);
    expect(result.workflows.deployment).toContain(encodeURIComponent(`${instance}release-deployment:${result.release.number}`));

    // the printed story names the records and the workflows it started
    const out = lines.join('\n');
    for (const n of [...result.incidents.map((i) => i.number), result.problem.number, result.change.number, result.release.number]) expect(out).toContain(n);
    expect(out).toContain(result.workflows.approval);
    expect(out).toMatch(/approves → 2 approve \/ 0 reject of 3: approved/);
    expect(out).toContain('production gate approved by Ines Duarte');
  }, 300_000);

  it('sets the platform up idempotently: a second setup changes nothing', async () => {
    const apis = Object.fromEntries(Object.entries(options.urls).map(([k, u]) => [k, new ServiceApi(k, u)])) as unknown as Apis;
    const said: string[] = [];
    await setUp(apis, await castOf(jwt), 'vpn-gw-01-again', (l) => said.push(l));
    expect(said.filter((l) => /created|added|reset|set up/.test(l))).toEqual([]);
  });

  it('stops at once, naming the services, when the platform is not reachable', async () => {
    const down = 'http://127.0.0.1:9';
    const p = runDemo({ ...options, urls: { ...options.urls, problem: down, sla: down }, print: () => undefined });
    await expect(p).rejects.toThrow(DemoError);
    await expect(p).rejects.toThrow(/Not reachable: .*problem \(http:\/\/127\.0\.0\.1:9\).*sla/);
  });

  it('has a CD system that accepts a deploy webhook and reports the outcome to the callback with its own token', async () => {
    const received: Array<{ auth?: string; body: unknown }> = [];
    const release = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(202).end('{}');
      });
    });
    await new Promise<void>((r) => release.listen(0, '127.0.0.1', r));
    const callback = `http://127.0.0.1:${(release.address() as AddressInfo).port}/api/v1/releases/REL0000009/callback`;
    const events: string[] = [];
    const cd = await new DemoCdTarget('cd-token', (l) => events.push(l), 10).start();
    try {
      const hook = await fetch(cd.hookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'deploy', release: { releaseNumber: 'REL0000009' }, stage: 'staging', callback: { url: callback, stage: 'staging' } }),
      });
      expect(hook.status).toBe(202);
      await waitFor(async () => cd.reports.length === 1, { what: 'the callback', timeoutMs: 5000 });
    } finally {
      await cd.stop();
      release.close();
    }
    expect(received).toEqual([{ auth: 'Bearer cd-token', body: { stage: 'staging', outcome: 'succeeded', detail: 'pipeline green' } }]);
    expect(cd.reports).toEqual([{ release: 'REL0000009', stage: 'staging', status: 202 }]);
  });

  it('names what did not happen when a wait times out', async () => {
    await expect(waitFor(async () => false, { what: 'problem service: no candidate problem opened for CI x', hint: 'detection', timeoutMs: 300, intervalMs: 50 })).rejects.toThrow(
      'Timed out after 0.3 s: problem service: no candidate problem opened for CI x (detection)',
    );
  });
});
