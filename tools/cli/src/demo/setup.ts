import { ASSIGNMENT_GROUP, CAB_GROUP, CHANGE_MANAGERS_GROUP, type Cast } from './cast';
import { DemoError, describeProblem, type ServiceApi } from './http';
import type { SlaDefinitionView } from './types';

export interface Apis {
  incident: ServiceApi;
  problem: ServiceApi;
  change: ServiceApi;
  release: ServiceApi;
  sla: ServiceApi;
}

/** Every service answers /healthz, or the demo stops before it starts anything. */
export async function checkPlatform(apis: Apis): Promise<void> {
  const down: string[] = [];
  await Promise.all(
    Object.values(apis).map(async (a) => {
      const ok = await fetch(`${a.baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (!ok) down.push(`${a.service} (${a.baseUrl})`);
    }),
  );
  if (down.length) throw new DemoError(`Not reachable: ${down.join(', ')}. Start the platform (itsm up) or point the demo at it (INCIDENT_URL, PROBLEM_URL, CHANGE_URL, RELEASE_URL, SLA_URL).`);
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * What the story needs, set up by the admin idempotently (a second run changes
 * nothing): the assignment group and its members (incident), the Network CAB
 * with its policy and a default change manager group (change), an SLA
 * definition covering P2 incidents (SLA; the defaults have one). Returns what
 * the story should know about the platform's settings.
 */
export async function setUp(apis: Apis, cast: Cast, ci: string, say: (line: string) => void): Promise<{ holdOnProblemLink: boolean }> {
  const { admin } = cast;

  // incident: the assignment group of the network engineers
  const members = [cast.networkEngineer.id];
  const g = await apis.incident.call<{ members: string[] }>(admin, 'GET', `/api/v1/groups/${ASSIGNMENT_GROUP.id}`);
  if (g.status === 404) {
    await apis.incident.ok(admin, 'PUT', `/api/v1/groups/${ASSIGNMENT_GROUP.id}`, { name: ASSIGNMENT_GROUP.name, members });
    say(`incident: assignment group ${ASSIGNMENT_GROUP.id} created (members ${members.join(', ')})`);
  } else if (g.status === 200) {
    const missing = members.filter((m) => !g.body.members.includes(m));
    if (missing.length) {
      await apis.incident.ok(admin, 'PUT', `/api/v1/groups/${ASSIGNMENT_GROUP.id}/members`, { members: [...g.body.members, ...missing] });
      say(`incident: ${missing.join(', ')} added to group ${ASSIGNMENT_GROUP.id}`);
    } else say(`incident: assignment group ${ASSIGNMENT_GROUP.id} ready`);
  } else throw new DemoError(`incident service: cannot read group ${ASSIGNMENT_GROUP.id} (${g.status}): ${describeProblem(g.body)}`);
  const settings = await apis.incident.ok<{ holdOnProblemLink: boolean }>(admin, 'GET', '/api/v1/admin/settings');
  const holdOnProblemLink = settings.body.holdOnProblemLink === true;

  // change: the CAB that approves network changes, and a default change manager group
  const cabBody = {
    purpose: 'cab',
    description: 'Approves medium- and high-risk changes to network infrastructure',
    members: cast.cab.map((m) => m.id),
    policy: { mode: 'MAJORITY' },
  };
  const cab = await apis.change.call<{ purpose: string; members: string[]; policy: { mode: string } }>(admin, 'GET', `/api/v1/changes/cab-groups/${encodeURIComponent(CAB_GROUP)}`);
  if (cab.status === 404) {
    await apis.change.ok(admin, 'PUT', `/api/v1/changes/cab-groups/${encodeURIComponent(CAB_GROUP)}`, cabBody);
    say(`change: CAB group "${CAB_GROUP}" created (${cabBody.members.join(', ')}; policy MAJORITY)`);
  } else if (cab.status === 200) {
    if (cab.body.purpose !== 'cab' || !sameSet(cab.body.members, cabBody.members) || cab.body.policy?.mode !== 'MAJORITY') {
      await apis.change.ok(admin, 'PUT', `/api/v1/changes/cab-groups/${encodeURIComponent(CAB_GROUP)}`, cabBody, { 'if-match': cab.etag });
      say(`change: CAB group "${CAB_GROUP}" reset to ${cabBody.members.join(', ')}, policy MAJORITY`);
    } else say(`change: CAB group "${CAB_GROUP}" ready (${cabBody.members.join(', ')}; policy MAJORITY)`);
  } else throw new DemoError(`change service: cannot read CAB group ${CAB_GROUP} (${cab.status}): ${describeProblem(cab.body)}`);

  const groups = await apis.change.ok<{ items: Array<{ name: string; purpose: string; isDefault: boolean; members: string[] }> }>(admin, 'GET', '/api/v1/changes/cab-groups');
  const managers = groups.body.items.find((x) => x.purpose === 'change_managers' && x.isDefault && x.members.length > 0);
  if (managers) say(`change: default change manager group "${managers.name}" present`);
  else {
    const body = { purpose: 'change_managers', description: 'Approve low-risk changes; escalation target', members: [cast.changeManager.id], policy: { mode: 'ANY' }, isDefault: true };
    const existing = await apis.change.call(admin, 'GET', `/api/v1/changes/cab-groups/${encodeURIComponent(CHANGE_MANAGERS_GROUP)}`);
    await apis.change.ok(admin, 'PUT', `/api/v1/changes/cab-groups/${encodeURIComponent(CHANGE_MANAGERS_GROUP)}`, body, existing.status === 200 ? { 'if-match': existing.etag } : {});
    say(`change: default change manager group "${CHANGE_MANAGERS_GROUP}" set up (${cast.changeManager.id})`);
  }
  await apis.change.ok(cast.changeManager, 'PUT', `/api/v1/changes/cis/${encodeURIComponent(ci)}`, { name: `VPN gateway 01 (${ci})`, criticality: 'medium' });
  say(`change: CI ${ci} recorded with criticality medium`);

  // SLA: a definition with targets for P2 incidents (the default data has incident-urgent)
  const defs = await apis.sla.ok<{ items: SlaDefinitionView[] }>(admin, 'GET', '/api/v1/sla/definitions?kind=sla&active=true');
  const p2 = defs.body.items.find((d) => d.active && d.targets.some((t) => t.priority === 2 && t.resolution));
  if (p2) {
    const t = p2.targets.find((x) => x.priority === 2)!;
    say(`sla: definition ${p2.id} covers P2 (response ${t.response ?? '-'}, resolution ${t.resolution})`);
  } else {
    const cals = await apis.sla.ok<{ items: Array<{ id: string; mode: string }> }>(admin, 'GET', '/api/v1/sla/calendars');
    let cal = cals.body.items.find((c) => c.mode === '24x7')?.id;
    if (!cal) {
      cal = (await apis.sla.ok<{ id: string }>(admin, 'POST', '/api/v1/sla/calendars', { id: 'demo-24x7', name: 'Around the clock', timeZone: 'UTC', mode: '24x7' })).body.id;
      say(`sla: calendar ${cal} created (24x7)`);
    }
    const d = await apis.sla.ok<{ id: string }>(admin, 'POST', '/api/v1/sla/definitions', {
      id: 'demo-incident-p2',
      name: 'Incidents, high priority',
      targets: [{ priority: 2, response: 'PT30M', resolution: 'PT8H' }],
      calendarId: cal,
    });
    say(`sla: definition ${d.body.id} created for P2 (response PT30M, resolution PT8H, calendar ${cal})`);
  }
  return { holdOnProblemLink };
}
