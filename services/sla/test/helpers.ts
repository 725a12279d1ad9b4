/** Test platform: the Incident and SLA services on one isolated instance (real Postgres, Kafka, Temporal). */
import type { Role } from '@itsm/http';
import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { clientFor, tokenFor, type Client } from '@itsm/testing/service';
import { incidentService } from '@itsm/incident-service';
import { slaService } from '../src/definition';

export const USERS = {
  admin: { id: 'admin1', roles: ['admin'] as Role[] },
  manager: { id: 'slam1', roles: ['sla_manager'] as Role[] },
  agent: { id: 'ag1', roles: ['agent'] as Role[] },
  ra1: { id: 'ra1', roles: ['requester'] as Role[] },
  ra2: { id: 'ra2', roles: ['requester'] as Role[] },
};
type UserKey = keyof typeof USERS;

export { clientFor, tokenFor, type Client } from '@itsm/testing/service';

export interface Platform {
  instance: string;
  incident: RunningService;
  sla: RunningService;
  inc: Record<UserKey, Client>;
  slaAs: Record<UserKey, Client>;
  stop(): Promise<void>;
}

export async function startPlatform(opts: { sla?: boolean } = {}): Promise<Platform> {
  const instance = newInstance();
  const [incident, sla] = await Promise.all([startTestService(incidentService, { instance }), opts.sla === false ? undefined : startTestService(slaService, { instance })]);
  const inc = {} as Record<UserKey, Client>;
  const slaAs = {} as Record<UserKey, Client>;
  for (const [k, u] of Object.entries(USERS)) {
    const t = await tokenFor(u);
    inc[k as UserKey] = clientFor(incident, t);
    if (sla) slaAs[k as UserKey] = clientFor(sla, t);
  }
  return {
    instance,
    incident,
    sla: sla!,
    inc,
    slaAs,
    async stop() {
      await Promise.all([sla?.stop(), incident.stop()]);
    },
  };
}

let seq = 0;
/** A unique name for this run (categories, calendars, definitions). */
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

export async function expectStatus(res: request.Response, status: number): Promise<request.Response> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

export const weekdays = (start: string, end: string) => {
  const d = [{ start, end }];
  return { mon: d, tue: d, wed: d, thu: d, fri: d };
};

/** Creates a calendar and a resolution-target definition for one category (all priorities the same target unless given). */
export async function calendarAndDefinition(
  p: Platform,
  calendar: Record<string, unknown>,
  def: { category: string; targets?: Array<{ priority: number; resolution?: string; response?: string }>; resolution?: string; pauseStates?: string[] },
) {
  const cal = await expectStatus(await p.slaAs.manager.post('/api/v1/sla/calendars').send({ name: unique('cal'), ...calendar }), 201);
  const targets = def.targets ?? [1, 2, 3, 4, 5].map((priority) => ({ priority, resolution: def.resolution ?? 'PT4H' }));
  const d = await expectStatus(
    await p.slaAs.manager.post('/api/v1/sla/definitions').send({
      name: unique('def'),
      match: { category: def.category },
      targets,
      calendarId: cal.body.id,
      ...(def.pauseStates ? { pauseStates: def.pauseStates } : {}),
    }),
    201,
  );
  return { calendar: cal.body, definition: d.body };
}

/** Imports an incident through the Incident service (admin) and returns its number. */
export async function importIncident(p: Platform, body: Record<string, unknown>): Promise<string> {
  const res = await p.inc.admin.post('/api/v1/incidents/import').send({
    sourceNumber: unique('OLD'),
    title: 'Imported incident',
    callerId: 'ra1',
    impact: 3,
    urgency: 3,
    ...body,
  });
  await expectStatus(res, 201);
  return res.body.number as string;
}

export type ClockBody = Record<string, any>;

/** Waits until the ticket has a clock for `target` (SLA) that satisfies `ok`, and returns it. */
export async function clockOf(p: Platform, ticket: string, target: 'response' | 'resolution', ok: (c: ClockBody) => boolean = () => true, timeoutMs = 60_000): Promise<ClockBody> {
  return waitFor(
    async () => {
      const res = await p.slaAs.agent.get(`/api/v1/sla/clocks?ticket=${ticket}`);
      const c = (res.body.items as ClockBody[] | undefined)?.find((x) => x.kind === 'sla' && x.target === target);
      return c && ok(c) ? c : undefined;
    },
    { timeoutMs, what: `the ${target} clock of ${ticket}` },
  );
}

export async function clockById(p: Platform, id: string, asOf?: string): Promise<ClockBody> {
  const res = await p.slaAs.agent.get(`/api/v1/sla/clocks/${encodeURIComponent(id)}${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ''}`);
  await expectStatus(res, 200);
  return res.body;
}
