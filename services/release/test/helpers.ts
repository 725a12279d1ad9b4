import type { RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { clientsFor as clientsOf, outboxTypes as outboxTypesOf, publishEvent, type Client, type TestUser } from '@itsm/testing/service';
import { randomUUID } from 'node:crypto';

export { tokenFor, type Client, type TestUser } from '@itsm/testing/service';

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

export const clientsFor = (svc: RunningService): Promise<Record<UserKey, Client>> => clientsOf(svc, USERS);

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
export function publishChangeEvent(svc: RunningService, type: string, change: ReturnType<typeof changeSnapshot>, opts: { id?: string; version?: number } = {}): Promise<string> {
  return publishEvent(svc, { type, subject: change.number, data: { change, by: null }, source: 'change-service', ...opts });
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
  return (await outboxTypesOf(svc, number)).map((t) => t.replace(/^itsm\.release\.|\.v1$/g, ''));
}

export const manualStages = (names: string[], gateOn: string[] = []) =>
  names.map((name) => ({ name, ...(gateOn.includes(name) ? { gate: {} } : {}), deploy: { kind: 'manual', instructions: `deploy to ${name}` } }));
