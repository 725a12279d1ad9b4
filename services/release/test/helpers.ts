import { commonConfigSchema, loadConfig } from '@itsm/core';
import { toKafkaHeaders, topicForType } from '@itsm/events';
import { signToken, type Role } from '@itsm/http';
import type { RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';

const cfg = loadConfig(commonConfigSchema);

export interface TestUser {
  id: string;
  roles: Role[];
}

export const USERS = {
  admin: { id: 'admin1', roles: ['admin'] },
  rm: { id: 'rm1', roles: ['release_manager'] },
  rm2: { id: 'rm2', roles: ['release_manager'] },
  agent: { id: 'ag1', roles: ['agent'] },
  requester: { id: 'rq1', roles: ['requester'] },
  cm: { id: 'cm1', roles: ['change_manager'] },
  cd: { id: 'cd-system', roles: ['release_manager'] },
} satisfies Record<string, TestUser>;

export type UserKey = keyof typeof USERS;

export function tokenFor(u: TestUser): Promise<string> {
  return signToken(
    { sub: u.id, name: `User ${u.id}`, roles: u.roles },
    { secret: cfg.JWT_SECRET, issuer: cfg.JWT_ISSUER, audience: cfg.JWT_AUDIENCE, expiresIn: '1h' },
  );
}

export type Client = ReturnType<typeof clientFor>;

/** supertest bound to one user. */
export function clientFor(svc: RunningService, token: string) {
  const agent = request(svc.api.app);
  const auth = (t: request.Test) => t.set('Authorization', `Bearer ${token}`);
  return {
    get: (p: string) => auth(agent.get(p)),
    post: (p: string) => auth(agent.post(p)),
    patch: (p: string) => auth(agent.patch(p)),
  };
}

export async function clientsFor(svc: RunningService): Promise<Record<UserKey, Client>> {
  const as = {} as Record<UserKey, Client>;
  for (const [k, u] of Object.entries(USERS)) as[k as UserKey] = clientFor(svc, await tokenFor(u));
  return as;
}

export interface ChangeFixture {
  id: string;
  number: string;
  state: string;
  approvalStatus?: string;
  revision?: number;
  approvedRevision?: number | null;
}

let changeSeq = 0;
/** A change snapshot as the change service publishes it. */
export function changeSnapshot(c: Partial<ChangeFixture> & { state: string }) {
  changeSeq += 1;
  const n = String(9_000_000 + changeSeq + Math.floor(Math.random() * 900_000)).padStart(7, '0');
  return {
    id: c.id ?? randomUUID(),
    number: c.number ?? `CHG${n}`,
    title: 'Patch the payment gateway',
    type: 'normal' as const,
    state: c.state,
    revision: c.revision ?? 1,
    approvalStatus: c.approvalStatus ?? (c.state === 'scheduled' ? 'approved' : 'none'),
    approvedRevision: c.approvedRevision ?? (c.state === 'scheduled' ? 1 : null),
    problemIds: [],
    ciIds: ['ci-payments'],
  };
}

/** Publishes a change event on the platform instance's change topic, as the change service's relay would. */
export async function publishChangeEvent(svc: RunningService, type: string, change: ReturnType<typeof changeSnapshot>, opts: { id?: string; version?: number } = {}): Promise<string> {
  const id = opts.id ?? randomUUID();
  const now = new Date().toISOString();
  const headers = toKafkaHeaders({
    specversion: '1.0',
    id,
    source: 'change-service',
    type,
    subject: change.number,
    time: now,
    occurredat: now,
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    datacontenttype: 'application/json',
    partitionkey: change.number,
    correlationid: id,
  });
  const producer = svc.ctx.kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: svc.ctx.instance.prefix + topicForType(type),
      messages: [{ key: change.number, value: JSON.stringify({ change, by: null }), headers }],
    });
  } finally {
    await producer.disconnect();
  }
  return id;
}

/** Publishes the change and waits until the release service's read copy has it in that state. */
export async function knownChange(svc: RunningService, type: string, change: ReturnType<typeof changeSnapshot>, version?: number) {
  await publishChangeEvent(svc, type, change, { version });
  await waitFor(async () => (await svc.ctx.knex('change_copy').where({ id: change.id, state: change.state }).first()) ?? undefined, {
    what: `the read copy of ${change.number} (${change.state})`,
    timeoutMs: 30_000,
  });
  return change;
}

export async function outboxTypes(svc: RunningService, number: string): Promise<string[]> {
  const rows = await svc.ctx.knex('outbox').where({ partition_key: number }).orderBy('seq').select('type');
  return rows.map((r) => (r.type as string).replace(/^itsm\.release\.|\.v1$/g, ''));
}

export const manualStages = (names: string[], gateOn: string[] = []) =>
  names.map((name) => ({ name, ...(gateOn.includes(name) ? { gate: {} } : {}), deploy: { kind: 'manual', instructions: `deploy to ${name}` } }));
