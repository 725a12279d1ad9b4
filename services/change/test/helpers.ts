import type { RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { clientFor, clientsFor as clientsOf, tokenFor, type Client, type TestUser } from '@itsm/testing/service';

export { outboxTypes, publishEvent, type Client } from '@itsm/testing/service';

export const USERS = {
  admin: { id: 'admin1', roles: ['admin'] },
  cm: { id: 'cm1', roles: ['change_manager'] },
  agent: { id: 'ag1', roles: ['agent'] },
  agent2: { id: 'ag2', roles: ['agent'] },
  ra1: { id: 'ra1', roles: ['requester'] },
  ra2: { id: 'ra2', roles: ['requester'] },
  cab1: { id: 'cab1', roles: ['cab_member'] },
  cab2: { id: 'cab2', roles: ['cab_member'] },
  cab3: { id: 'cab3', roles: ['cab_member'] },
  cab4: { id: 'cab4', roles: ['cab_member'] },
  outsider: { id: 'cab9', roles: ['cab_member'] },
  ecab1: { id: 'ecab1', roles: ['cab_member'] },
} satisfies Record<string, TestUser>;

export type UserKey = keyof typeof USERS;

/** A client per test user, any id as a CAB member on demand. */
export async function clientsFor(svc: RunningService) {
  const as = await clientsOf(svc, USERS);
  const voter = async (id: string) => clientFor(svc, await tokenFor({ id, roles: ['cab_member'] }));
  return { as, voter };
}

/** The approver groups every test platform needs: change managers, the default CAB and the ECAB. */
export async function configureApprovers(admin: Client): Promise<void> {
  const put = async (name: string, body: Record<string, unknown>) => {
    const r = await admin.put(`/api/v1/changes/cab-groups/${name}`).send(body);
    if (r.status !== 201) throw new Error(`group ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await put('Change managers', { purpose: 'change_managers', members: ['cm1'], policy: { mode: 'ANY' }, isDefault: true });
  await put('CAB', { purpose: 'cab', members: ['cab1', 'cab2', 'cab3'], policy: { mode: 'ALL' }, isDefault: true });
  await put('ECAB', { purpose: 'ecab', members: ['ecab1', 'cm1'], policy: { mode: 'ANY' }, isDefault: true });
}

let ci = 0;
/** A CI id unique to the test run, so that windows of one test never meet another's. */
export const uniqueCi = (label = 'ci'): string => `${label}-${process.pid}-${Date.now().toString(36)}-${++ci}`;

export const NORMAL = {
  title: 'Upgrade the core switch firmware',
  description: 'Firmware 9.3 fixes the memory leak',
  justification: 'Vendor end of support',
  implementationPlan: 'Upload image, reboot in window',
  backoutPlan: 'Boot the previous image',
  testPlan: 'Ping sweep and routing table check',
  impact: 'medium',
};

/** Creates an RfC as `c` and returns its body. */
export async function createChange(c: Client, body: Record<string, unknown> = {}) {
  const res = await c.post('/api/v1/changes').send({ ...NORMAL, ...body });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as ChangeBody;
}

export type ChangeBody = { number: string; version: number; id: string; state: string; revision: number } & Record<string, any>;

export async function submitChange(c: Client, number: string) {
  const res = await c.post(`/api/v1/changes/${number}/submit`).send({});
  if (res.status !== 200) throw new Error(`submit failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as ChangeBody;
}

/** Waits until the change satisfies `probe` (read through the API as `c`). */
export async function waitForChange(c: Client, number: string, probe: (b: ChangeBody) => boolean, what = 'the change'): Promise<ChangeBody> {
  return waitFor(
    async () => {
      const r = await c.get(`/api/v1/changes/${number}`);
      return r.status === 200 && probe(r.body) ? (r.body as ChangeBody) : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250, what: `${what} (${number})` },
  );
}

/** Waits until the approval workflow has an open round for the change's current revision. */
export async function waitForOpenRound(c: Client, number: string, round?: number): Promise<ChangeBody> {
  return waitForChange(
    c,
    number,
    (b) =>
      b.state === 'authorize' &&
      b.approval?.live?.phase === 'awaiting-votes' &&
      b.approval.live.current?.revision === b.revision &&
      (round === undefined || b.approval.live.current?.round === round),
    `an open voting round${round ? ` ${round}` : ''}`,
  );
}

/** PATCH with the current version as If-Match. */
export async function patchFresh(c: Client, number: string, body: Record<string, unknown>) {
  const cur = await c.get(`/api/v1/changes/${number}`);
  return c.patch(`/api/v1/changes/${number}`).set('If-Match', cur.headers.etag).send(body);
}

export function hoursFrom(base: Date, h: number): string {
  return new Date(base.getTime() + h * 3600_000).toISOString();
}
