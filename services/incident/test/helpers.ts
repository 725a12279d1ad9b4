import { commonConfigSchema, loadConfig } from '@itsm/core';
import { signToken, type Role } from '@itsm/http';
import { startTestService, type RunningService, type TestServiceOptions } from '@itsm/runtime';
import request from 'supertest';
import { createIncidentService } from '../src/definition';
import type { IncidentConfig } from '../src/config';

const cfg = loadConfig(commonConfigSchema);

export interface TestUser {
  id: string;
  roles: Role[];
  permissions?: string[];
}

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

export function tokenFor(u: TestUser): Promise<string> {
  return signToken(
    { sub: u.id, name: `User ${u.id}`, roles: u.roles, permissions: u.permissions ?? [] },
    { secret: cfg.JWT_SECRET, issuer: cfg.JWT_ISSUER, audience: cfg.JWT_AUDIENCE, expiresIn: '1h' },
  );
}

export type Client = ReturnType<typeof clientFor>;

/** supertest bound to one user: `as.get(path)`, `as.post(path).send(body)`... */
export function clientFor(svc: RunningService, token: string) {
  const agent = request(svc.api.app);
  const auth = (t: request.Test) => t.set('Authorization', `Bearer ${token}`);
  return {
    get: (p: string) => auth(agent.get(p)),
    post: (p: string) => auth(agent.post(p)),
    patch: (p: string) => auth(agent.patch(p)),
    put: (p: string) => auth(agent.put(p)),
    delete: (p: string) => auth(agent.delete(p)),
  };
}

export async function startIncident(overrides: Partial<IncidentConfig> = {}, opts: TestServiceOptions = {}) {
  const svc = await startTestService(createIncidentService({ INCIDENT_AUTO_CLOSE_INTERVAL_MS: 3_600_000, ...overrides }), opts);
  const clients = {} as Record<keyof typeof USERS, Client>;
  for (const [k, u] of Object.entries(USERS)) clients[k as keyof typeof USERS] = clientFor(svc, await tokenFor(u));
  return { svc, as: clients };
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

export async function outboxTypes(svc: RunningService, number: string): Promise<string[]> {
  const rows = await svc.ctx.knex('outbox').where({ partition_key: number }).orderBy('seq').select('type');
  return rows.map((r) => r.type as string);
}
