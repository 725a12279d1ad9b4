import { startTestService, type TestServiceOptions } from '@itsm/runtime';
import { clientsFor, type Client, type TestUser } from '@itsm/testing/service';
import { createIncidentService } from '../src/definition';
import type { IncidentConfig } from '../src/config';

export { clientFor, outboxTypes, tokenFor, type Client } from '@itsm/testing/service';

export const USERS = {
  admin: { id: 'admin1', roles: ['admin'] },
  agent: { id: 'ag1', roles: ['agent'] },
  agent2: { id: 'ag2', roles: ['agent'] },
  basic: { id: 'agent-basic', roles: ['agent'] },
  lead: { id: 'agent-lead', roles: ['agent'], permissions: ['priority_override'] },
  ra1: { id: 'ra1', roles: ['requester'] },
  ra2: { id: 'ra2', roles: ['requester'] },
  rb1: { id: 'rb1', roles: ['requester'] },
} satisfies Record<string, TestUser>;

export async function startIncident(overrides: Partial<IncidentConfig> = {}, opts: TestServiceOptions = {}) {
  const svc = await startTestService(createIncidentService({ INCIDENT_AUTO_CLOSE_INTERVAL_MS: 3_600_000, ...overrides }), opts);
  return { svc, as: await clientsFor(svc, USERS) };
}

/** Creates an incident as `c` and returns its body. */
export async function createIncident(c: Client, body: Record<string, unknown> = {}) {
  const res = await c.post('/api/v1/incidents').send({ title: 'Printer down', ...body });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { number: string; version: number; id: string } & Record<string, unknown>;
}

/** PATCH with the current version as If-Match. */
export function patchFresh(c: Client, number: string, body: Record<string, unknown>) {
  const p = (async () => {
    const cur = await c.get(`/api/v1/incidents/${number}`);
    return c.patch(`/api/v1/incidents/${number}`).set('If-Match', cur.headers.etag).send(body);
  })();
  return Object.assign(p, {
    /** resolves to the response when it has `status`, else fails with its body */
    expect: async (status: number) => {
      const r = await p;
      if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
      return r;
    },
  });
}
