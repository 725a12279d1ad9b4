import { commonConfigSchema, loadConfig } from '@itsm/core';
import { toKafkaHeaders, topicForType } from '@itsm/events';
import { signToken, type Role } from '@itsm/http';
import type { RunningService } from '@itsm/runtime';
import { randomUUID } from 'node:crypto';
import request from 'supertest';

export interface TestUser {
  id: string;
  roles: Role[];
  permissions?: string[];
}

/** A bearer token for `u` (named `User <id>`), signed as the services' test config expects. */
export function tokenFor(u: TestUser): Promise<string> {
  const cfg = loadConfig(commonConfigSchema);
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

/** A client per test user, under the same keys. */
export async function clientsFor<K extends string>(svc: RunningService, users: Record<K, TestUser>): Promise<Record<K, Client>> {
  const as = {} as Record<K, Client>;
  for (const [k, u] of Object.entries<TestUser>(users)) as[k as K] = clientFor(svc, await tokenFor(u));
  return as;
}

/** The types of the outbox events with this partition key (a record's number), in order. */
export async function outboxTypes(svc: RunningService, key: string): Promise<string[]> {
  const rows = await svc.ctx.knex('outbox').where({ partition_key: key }).orderBy('seq').select('type');
  return rows.map((r) => r.type as string);
}

/** Publishes an event envelope to the platform instance's topic, as another service's relay would; returns its id. */
export async function publishEvent(
  svc: RunningService,
  env: { type: string; subject: string; data: unknown; id?: string; source?: string; version?: number },
): Promise<string> {
  const id = env.id ?? randomUUID();
  const now = new Date().toISOString();
  const headers = toKafkaHeaders({
    specversion: '1.0',
    id,
    source: env.source ?? 'test',
    type: env.type,
    subject: env.subject,
    time: now,
    occurredat: now,
    ...(env.version !== undefined ? { version: env.version } : {}),
    datacontenttype: 'application/json',
    partitionkey: env.subject,
    correlationid: id,
  });
  const producer = svc.ctx.kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: svc.ctx.instance.prefix + topicForType(env.type),
      messages: [{ key: env.subject, value: JSON.stringify(env.data), headers }],
    });
  } finally {
    await producer.disconnect();
  }
  return id;
}
