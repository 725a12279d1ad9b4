import { changeEvents } from '@itsm/events';
import { createIncidentService } from '@itsm/incident-service';
import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { randomUUID } from 'node:crypto';
import { createProblemService } from '../src';
import { client, EventProducer, token, unique, type Client } from './helpers';

/**
 * The issue's "Done when" chain, end to end through the services' APIs and
 * Kafka: the Incident and Problem services run with one instance prefix.
 * The Change service does not exist yet: the test plays its part by producing
 * a proper `itsm.change.implemented.v1` envelope on the instance's change topic.
 */
const instance = newInstance();
let incidents: RunningService;
let problems: RunningService;
let events: EventProducer;
let agent: Client;
let deskAgent: Client;
let pm: Client;

beforeAll(async () => {
  [incidents, problems] = await Promise.all([
    startTestService(createIncidentService(), { instance }),
    startTestService(createProblemService({ detection: { enabled: true, threshold: 3, windowMs: 24 * 3600_000 } }), { instance }),
  ]);
  events = new EventProducer(instance);
  agent = client(incidents, await token('ag1', ['agent']));
  deskAgent = client(problems, await token('ag1', ['agent']));
  pm = client(problems, await token('pm1', ['problem_manager']));
}, 120_000);
afterAll(async () => {
  await events?.close();
  await Promise.all([incidents?.stop(), problems?.stop()]);
});

/** PATCH an incident at its current version (the services change it concurrently, so a 412 is retried). */
async function patchIncident(number: string, body: Record<string, unknown>) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const cur = await agent.get(`/api/v1/incidents/${number}`);
    const r = await agent.patch(`/api/v1/incidents/${number}`, body, { 'if-match': cur.headers.get('etag')! });
    if (r.status !== 412) return r;
  }
  throw new Error(`could not update ${number}`);
}

it(
  'recurring incidents → candidate problem → workaround on the incidents → fix change implemented (change service simulated by a change.implemented envelope on Kafka) → problem resolved → waiting incidents resolved',
  async () => {
    const ci = unique('MAIL-RELAY');
    // 1. Three incidents on one CI through the Incident API; they wait on the problem.
    const numbers: string[] = [];
    for (let n = 0; n < 3; n++) {
      const r = await agent.post('/api/v1/incidents', { title: `Outgoing mail stuck in queue (${n})`, ciId: ci, category: 'Email', symptom: 'Queue stuck', impact: 2, urgency: 2 });
      expect(r.status).toBe(201);
      numbers.push(r.body.number);
    }
    for (const n of numbers) {
      expect((await patchIncident(n, { state: 'in_progress' })).status).toBe(200);
      expect((await patchIncident(n, { state: 'on_hold', holdReason: 'awaiting_problem' })).status).toBe(200);
    }

    // 2. Detection opens one candidate problem that links them; the incidents learn their problem.
    const candidate = await waitFor(async () => (await pm.get(`/api/v1/problems?candidate=true&ci=${ci}`)).body.items[0], { what: 'the candidate problem' });
    expect(candidate).toMatchObject({ state: 'new', candidate: true, ciIds: [ci] });
    const linked = await waitFor(async () => {
      const r = await deskAgent.get(`/api/v1/problems/${candidate.number}/incidents`);
      return r.body.items.length === 3 ? r.body.items : null;
    }, { what: '3 linked incidents' });
    expect(linked.map((i: { number: string }) => i.number).sort()).toEqual([...numbers].sort());
    for (const n of numbers) {
      await waitFor(async () => (await agent.get(`/api/v1/incidents/${n}`)).body.problemId === candidate.number, { what: `${n} linked to ${candidate.number}` });
    }

    // A fourth incident of the cluster is linked to the same candidate, then closed: it must stay untouched.
    const fourth = (await agent.post('/api/v1/incidents', { title: 'Mail queue stuck again', ciId: ci, impact: 3, urgency: 3 })).body.number as string;
    await waitFor(async () => (await agent.get(`/api/v1/incidents/${fourth}`)).body.problemId === candidate.number, { what: 'the 4th incident linked' });
    expect((await patchIncident(fourth, { state: 'resolved', resolutionCode: 'solved', resolutionNotes: 'queue flushed by hand' })).status).toBe(200);
    expect((await patchIncident(fourth, { state: 'closed' })).status).toBe(200);
    expect((await pm.get(`/api/v1/problems?candidate=true&ci=${ci}`)).body.items).toHaveLength(1);

    // 3. The problem manager publishes a workaround: it appears as a work note on the incidents.
    let p = await pm.get(`/api/v1/problems/${candidate.number}`);
    p = await pm.post(`/api/v1/problems/${candidate.number}/workaround`, { workaround: 'Restart the relay queue runner' }, { 'if-match': p.headers.get('etag')! });
    expect(p.status).toBe(200);
    expect(p.body.knownError).toBe(true);
    for (const n of numbers) {
      await waitFor(async () => {
        const notes = await agent.get(`/api/v1/incidents/${n}/comments`);
        return notes.body.items.some((c: { body: string; visibility: string }) => c.visibility === 'internal' && c.body.includes('Restart the relay queue runner'));
      }, { what: `the workaround note on ${n}` });
    }

    // 4. Root cause, fix request (RfC draft for the Change service).
    for (const body of [{ state: 'assessment' }, { state: 'root_cause_analysis', rootCause: 'Relay queue runner deadlocks on oversized messages' }]) {
      const cur = await pm.get(`/api/v1/problems/${candidate.number}`);
      expect((await pm.patch(`/api/v1/problems/${candidate.number}`, body, { 'if-match': cur.headers.get('etag')! })).status).toBe(200);
    }
    const cur = await pm.get(`/api/v1/problems/${candidate.number}`);
    const fix = await pm.post(`/api/v1/problems/${candidate.number}/fix-request`, { justification: 'Recurring mail outages' }, { 'if-match': cur.headers.get('etag')! });
    expect(fix.status).toBe(200);
    expect(fix.body.state).toBe('fix_in_progress');

    // 5. The fix change is implemented (as the Change service will announce it).
    const changeId = randomUUID();
    await events.send(changeEvents.implemented, 'CHG0000042', {
      change: { id: changeId, number: 'CHG0000042', title: fix.body.fix.request.title, type: 'normal', state: 'implemented', revision: 1, problemIds: [candidate.id], ciIds: [ci] },
      by: { id: 'cm1' },
      outcome: 'successful',
    });

    // 6. The problem is resolved with the change as its fix…
    const resolved = await waitFor(async () => {
      const r = await pm.get(`/api/v1/problems/${candidate.number}`);
      return r.body.state === 'resolved' ? r.body : null;
    }, { what: 'the problem resolved' });
    expect(resolved).toMatchObject({ resolutionCode: 'fix_applied', fix: { changeId, changeNumber: 'CHG0000042' } });

    // 7. …and the incidents waiting on it are resolved; the closed one is untouched.
    for (const n of numbers) {
      await waitFor(async () => (await agent.get(`/api/v1/incidents/${n}`)).body.state === 'resolved', { what: `${n} resolved` });
    }
    const closed = await agent.get(`/api/v1/incidents/${fourth}`);
    expect(closed.body).toMatchObject({ state: 'closed', resolutionNotes: 'queue flushed by hand' });

    // 8. With no open incident left (the read copy follows the incident events), the problem closes.
    await waitFor(async () => (await deskAgent.get(`/api/v1/problems/${candidate.number}/incidents?open=true`)).body.items.length === 0, { what: 'no open linked incident' });
    const last = await pm.get(`/api/v1/problems/${candidate.number}`);
    const close = await pm.patch(`/api/v1/problems/${candidate.number}`, { state: 'closed' }, { 'if-match': last.headers.get('etag')! });
    expect(close.status).toBe(200);
  },
  120_000,
);
