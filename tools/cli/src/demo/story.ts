import { randomBytes } from 'node:crypto';
import { workflowUiUrl } from '@itsm/temporal';
import { ASSIGNMENT_GROUP, CAB_GROUP, castOf } from './cast';
import { DemoCdTarget } from './cd-target';
import { duration, instant, list, table } from './format';
import { DemoError, ServiceApi, describeProblem, waitFor, type Actor, type JwtSettings } from './http';
import { checkPlatform, setUp, type Apis } from './setup';
import type {
  ChangeView,
  ClockView,
  CommentView,
  DeploymentView,
  IncidentView,
  LinkedIncidentView,
  Page,
  ProblemView,
  ReleaseView,
  TallyView,
} from './types';

export interface DemoUrls {
  incident: string;
  problem: string;
  change: string;
  release: string;
  sla: string;
}

export interface DemoOptions {
  urls: DemoUrls;
  /** The platform instance's prefix of workflow ids (ITSM_INSTANCE; '' for none). */
  instancePrefix: string;
  temporalUiUrl: string;
  temporalNamespace: string;
  jwt: JwtSettings;
  /** Makes the run's records and CI unique; default: a fresh random id. */
  runId?: string;
  /** Longest wait for one thing to happen (default 60 s). */
  timeoutMs?: number;
  /**
   * How the release's stages deploy: manual steps the release manager confirms
   * through the API (default: works wherever the services run), or webhooks to a
   * small CD system the demo starts on 127.0.0.1 (the release service must reach it).
   */
  deploy?: 'webhook' | 'manual';
  /** Where the lines go (default: console.log). */
  print?: (line: string) => void;
}

export interface DemoResult {
  runId: string;
  ci: string;
  incidents: IncidentView[];
  problem: ProblemView;
  change: ChangeView;
  release: ReleaseView;
  clocks: ClockView[];
  workflows: { approval: string; deployment: string; slaClocks: string[] };
  elapsedMs: number;
}

const STAGES = ['test', 'staging', 'production'] as const;
const WORKAROUND = 'Switch the VPN client to the backup gateway profile (vpn-gw-02) until the fix is deployed';
const ROOT_CAUSE = 'The gateway firmware leaks IKE security associations; when the table is full (about every 10 minutes under load) it drops the oldest tunnels';

/**
 * Casts an approving vote and answers the round's tally. The change service
 * answers 503 when the approval workflow does not confirm in time ("vote
 * again"); the vote may still have been taken, so a later ALREADY_VOTED counts
 * as cast and the tally is read from the approval.
 */
async function castVote(change: ServiceApi, v: Actor, cPath: string, number: string, comment: string, say: (l: string) => void): Promise<TallyView> {
  let unanswered = 0;
  for (;;) {
    const r = await change.call<TallyView>(v, 'POST', `${cPath}/votes`, { decision: 'approve', comment });
    if (r.status === 201) return r.body;
    const code = (r.body as { code?: string } | undefined)?.code;
    if (r.status === 503 && unanswered < 5) {
      unanswered += 1;
      say(`the approval of ${number} did not confirm the vote of ${v.name} in time (503); voting again`);
      await new Promise((res) => setTimeout(res, 1000));
      continue;
    }
    if (r.status === 409 && code === 'ALREADY_VOTED' && unanswered > 0) {
      type Round = { approvers: string[]; policy: unknown; round: number; tally: Omit<TallyView, 'round' | 'policy'> | null };
      return waitFor(
        async () => {
          const rounds = (await change.ok<{ rounds: Round[] }>(v, 'GET', `${cPath}/approvals`)).body.rounds;
          const last = rounds[rounds.length - 1];
          return last?.tally && !last.tally.awaiting.includes(v.id) ? { ...last.tally, round: last.round, policy: last.policy } : undefined;
        },
        { what: `change service: the vote of ${v.id} on ${number} is taken (ALREADY_VOTED) but not in the round's tally`, timeoutMs: 30_000 },
      );
    }
    throw new DemoError(`change service refused the vote of ${v.id} on ${number} (${r.status}): ${describeProblem(r.body)}`);
  }
}

export const newRunId = (): string => randomBytes(3).toString('hex');

/**
 * The ITIL chain, end to end, through the services' public APIs: recurring
 * incidents on one CI → a candidate problem → root cause and workaround (a
 * note on the incidents, which wait On Hold) → the fix request → an RfC the
 * change service raises → CAB votes → scheduled → a release deploys through
 * test, staging and production → the change is implemented → the problem
 * resolves → the waiting incidents resolve → their SLA clocks.
 * Every wait has a timeout; a DemoError names the service and the record
 * that did not get where the story expected.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const t0 = Date.now();
  const print = o.print ?? ((line: string) => console.log(line));
  const say = (line: string) => print(`  [${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  const timeoutMs = o.timeoutMs ?? 60_000;
  const runId = o.runId ?? newRunId();
  const ci = `vpn-gw-01-${runId}`;
  const apis: Apis = {
    incident: new ServiceApi('incident', o.urls.incident.replace(/\/$/, '')),
    problem: new ServiceApi('problem', o.urls.problem.replace(/\/$/, '')),
    change: new ServiceApi('change', o.urls.change.replace(/\/$/, '')),
    release: new ServiceApi('release', o.urls.release.replace(/\/$/, '')),
    sla: new ServiceApi('sla', o.urls.sla.replace(/\/$/, '')),
  };
  const warned = new Set<string>();
  const link = (workflowId: string) => {
    if (o.instancePrefix && !workflowId.startsWith(o.instancePrefix) && !warned.has(workflowId)) {
      warned.add(workflowId);
      say(`note: workflow id ${workflowId} lacks the instance prefix "${o.instancePrefix}": is the demo pointed at the right platform instance?`);
    }
    return workflowUiUrl(o.temporalUiUrl, o.temporalNamespace, workflowId);
  };
  const cast = await castOf(o.jwt);
  const { incident, problem, change, release, sla } = apis;

  print(`ITSM demo, run ${runId}: recurring VPN drops on CI ${ci}`);
  print(`  services: ${Object.values(apis).map((a) => `${a.service} ${a.baseUrl}`).join(' · ')}`);

  // 1 ------------------------------------------------------------------------------------------
  print('1. Setup (admin, idempotent)');
  await checkPlatform(apis);
  const { holdOnProblemLink } = await setUp(apis, cast, ci, say);

  // 2 ------------------------------------------------------------------------------------------
  print(`2. Recurring incidents on ${ci}`);
  const reports = [
    { by: cast.requesters[0], title: 'VPN drops every 10 minutes', description: 'My VPN session disconnects roughly every ten minutes since this morning; I lose my remote desktop each time.' },
    { by: cast.requesters[1], title: 'VPN keeps disconnecting', description: 'The VPN drops every 10 minutes or so, the whole finance team is affected.' },
    { by: cast.deskAgent, caller: cast.requesters[2], title: 'VPN drops every 10 minutes (phone)', description: 'Caller reports the VPN tunnel dropping about every ten minutes; reconnecting works for a while.' },
  ];
  const numbers: string[] = [];
  for (const [i, r] of reports.entries()) {
    const body = {
      title: r.title,
      description: r.description,
      ciId: ci,
      category: 'Network',
      subcategory: 'VPN',
      impact: 2,
      urgency: 1,
      ...(r.caller ? { callerId: r.caller.id, contactType: 'phone' } : {}),
    };
    const created = await incident.ok<IncidentView>(r.by, 'POST', '/api/v1/incidents', body, { 'idempotency-key': `demo-${runId}-incident-${i + 1}` });
    numbers.push(created.body.number);
    say(`${created.body.number} logged by ${(r.caller ?? r.by).name}${r.caller ? ` (by phone, through ${r.by.name})` : ' (portal)'}: "${r.title}", P${created.body.priority}`);
  }
  for (const n of numbers) {
    const body = { assignmentGroup: ASSIGNMENT_GROUP.id, assignee: cast.networkEngineer.id, state: 'in_progress' };
    await incident.writeAtVersion<IncidentView>(cast.deskAgent, `/api/v1/incidents/${n}`, 'PATCH', `/api/v1/incidents/${n}`, body, (i) => i.state !== 'new');
  }
  say(`${cast.deskAgent.name} assigns them to ${ASSIGNMENT_GROUP.name} / ${cast.networkEngineer.name}: In Progress`);

  const candidate = await waitFor(
    async () => (await problem.ok<Page<ProblemView>>(cast.problemManager, 'GET', `/api/v1/problems?candidate=true&ci=${encodeURIComponent(ci)}`)).body.items[0],
    {
      what: `problem service: no candidate problem opened for CI ${ci} after ${numbers.length} incidents (${list(numbers)})`,
      hint: 'recurring-incident detection consumes itsm.incident.created.v1; check PROBLEM_DETECTION_ENABLED and PROBLEM_DETECTION_THRESHOLD',
      timeoutMs,
    },
  );
  say(`${candidate.number} opened by recurring-incident detection: "${candidate.title}" (${candidate.state})`);
  await waitFor(
    async () => {
      const r = await problem.ok<Page<LinkedIncidentView>>(cast.problemManager, 'GET', `/api/v1/problems/${candidate.number}/incidents`);
      return numbers.every((n) => r.body.items.some((i) => i.number === n));
    },
    { what: `problem service: ${candidate.number} does not link all of ${list(numbers)}`, timeoutMs },
  );
  for (const n of numbers) {
    await waitFor(async () => (await incident.ok<IncidentView>(cast.networkEngineer, 'GET', `/api/v1/incidents/${n}`)).body.problemId === candidate.number, {
      what: `incident service: ${n} does not show problem ${candidate.number}`,
      hint: 'the incident service links incidents from itsm.problem.incident_linked.v1',
      timeoutMs,
    });
  }
  say(`${list(numbers)} linked to ${candidate.number} (seen on both sides)`);

  // 3 ------------------------------------------------------------------------------------------
  print('3. Root cause and workaround');
  const pm = cast.problemManager;
  const pPath = `/api/v1/problems/${candidate.number}`;
  await problem.writeAtVersion<ProblemView>(pm, pPath, 'PATCH', pPath, { state: 'assessment', owner: pm.id, assignmentGroup: ASSIGNMENT_GROUP.id }, (p) => p.state !== 'new');
  await problem.writeAtVersion<ProblemView>(pm, pPath, 'PATCH', pPath, { state: 'root_cause_analysis', rootCause: ROOT_CAUSE }, (p) => p.state !== 'assessment');
  say(`${pm.name} takes ${candidate.number}: assessment → root cause analysis; root cause: ${ROOT_CAUSE.slice(0, 60)}…`);
  const withWorkaround = await problem.writeAtVersion<ProblemView>(pm, pPath, 'POST', `${pPath}/workaround`, { workaround: WORKAROUND });
  say(`workaround published, ${candidate.number} is a known error: "${WORKAROUND}"`);
  if (!withWorkaround.body.knownError) say(`note: ${candidate.number} is not flagged as a known error`);
  for (const n of numbers) {
    await waitFor(
      async () => {
        const notes = await incident.ok<{ items: CommentView[] }>(cast.networkEngineer, 'GET', `/api/v1/incidents/${n}/comments`);
        return notes.body.items.some((c) => c.visibility === 'internal' && c.body.includes(WORKAROUND));
      },
      {
        what: `incident service: no work note with the workaround of ${candidate.number} on ${n}`,
        hint: 'the incident service adds it from itsm.problem.workaround_published.v1',
        timeoutMs,
      },
    );
  }
  say(`the workaround is a work note on ${list(numbers)}`);
  for (const n of numbers) {
    let byLink = false;
    await incident.writeAtVersion<IncidentView>(
      cast.networkEngineer,
      `/api/v1/incidents/${n}`,
      'PATCH',
      `/api/v1/incidents/${n}`,
      { state: 'on_hold', holdReason: 'awaiting_problem', reason: `Workaround applied; waiting for the fix of ${candidate.number}` },
      (i) => (byLink = i.state === 'on_hold' && i.holdReason === 'awaiting_problem'),
    );
    say(`${n} On Hold (awaiting problem)${byLink ? ' by the problem link (holdOnProblemLink)' : `, set by ${cast.networkEngineer.name} after applying the workaround`}`);
  }
  if (!holdOnProblemLink) say('(the incident setting holdOnProblemLink is off, so the engineer puts them on hold)');

  // 4 ------------------------------------------------------------------------------------------
  print('4. Fix request → RfC → CAB');
  await problem.writeAtVersion<ProblemView>(pm, pPath, 'POST', `${pPath}/fix-request`, {
    title: `Upgrade ${ci} firmware to fix IKE SA leak`,
    justification: `${numbers.length} P2 incidents in an hour: remote staff lose the VPN every 10 minutes (${candidate.number})`,
  });
  say(`${pm.name} requests the fix: ${candidate.number} → fix in progress`);
  const rfc = await waitFor(
    async () => (await change.ok<Page<ChangeView>>(cast.changeManager, 'GET', `/api/v1/changes?problem=${encodeURIComponent(candidate.id)}`)).body.items[0],
    {
      what: `change service: no RfC raised for ${candidate.number}`,
      hint: 'the change service raises it from itsm.problem.fix_requested.v1',
      timeoutMs,
    },
  );
  say(`${rfc.number} raised by the change service from the fix request: "${rfc.title}" (${rfc.state})`);
  const cm = cast.changeManager;
  const cPath = `/api/v1/changes/${rfc.number}`;
  const start = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  const end = new Date(start.getTime() + 2 * 3600_000);
  await change.writeAtVersion<ChangeView>(cm, cPath, 'PATCH', cPath, {
    impact: 'medium',
    category: 'Network',
    implementationPlan: `Roll the firmware 7.4.2 out to ${ci} through the CD pipeline: test, staging, production`,
    backoutPlan: 'Re-flash the previous firmware image from the pipeline (rollback stage)',
    testPlan: 'Soak test 200 tunnels for 30 minutes in staging; health checks per stage',
    plannedStart: start.toISOString(),
    plannedEnd: end.toISOString(),
    cabGroup: CAB_GROUP,
    incidentIds: numbers,
  });
  const submitted = await change.ok<ChangeView>(cm, 'POST', `${cPath}/submit`, {});
  say(`${cm.name} completes ${rfc.number} (impact medium, plans, window ${instant(start.toISOString())} → ${instant(end.toISOString())}) and submits it (${submitted.body.state})`);
  const approvalWf = submitted.body.approval.workflowId;
  say(`approval workflow: ${link(approvalWf)}`);

  const opened = await waitFor(
    async () => {
      const c = await change.ok<ChangeView>(cm, 'GET', cPath);
      if (c.body.state === 'rejected') throw new DemoError(`change service: ${rfc.number} was rejected before voting`);
      const live = c.body.approval.live;
      return live?.phase === 'awaiting-votes' && live.current && !live.current.closed ? c.body : undefined;
    },
    {
      what: `change service: the approval of ${rfc.number} did not open a voting round`,
      hint: `approval workflow ${approvalWf} starts from itsm.change.submitted.v1`,
      timeoutMs,
    },
  );
  const live = opened.approval.live!;
  const round = live.current!;
  say(`risk ${live.risk?.risk ?? opened.risk} (${list(live.risk?.reasons ?? opened.riskReasons)}) → ${round.route}: ${round.group}, policy ${round.policy.mode}, approvers ${list(round.approvers)}`);

  const voters: Actor[] = [...cast.cab, cm].filter((a) => round.approvers.includes(a.id));
  if (voters.length === 0) throw new DemoError(`change service: the round of ${rfc.number} asks ${list(round.approvers)}, none of whom the demo plays`);
  let tally: TallyView | undefined;
  for (const v of voters) {
    const comment = v === voters[0] ? 'Tested in the lab; backout is a re-flash' : 'Approve: the workaround costs us every day';
    tally = await castVote(change, v, cPath, rfc.number, comment, say);
    say(`${v.name} approves → ${tally.approvals} approve / ${tally.rejections} reject of ${tally.approvers}: ${tally.status}${tally.awaiting.length && tally.status === 'waiting' ? ` (awaiting ${list(tally.awaiting)})` : ''}`);
    if (tally.status !== 'waiting') break;
  }
  if (tally?.status !== 'approved') throw new DemoError(`change service: ${rfc.number} not approved after the votes of ${list(voters.map((v) => v.id))} (tally ${tally?.status})`);

  let approvedSince = 0;
  const scheduled = await waitFor(
    async () => {
      const c = (await change.ok<ChangeView>(cm, 'GET', cPath)).body;
      if (c.state === 'scheduled') return c;
      if (c.state === 'authorize' && c.approval.status === 'approved') {
        approvedSince ||= Date.now();
        if (Date.now() - approvedSince > 3000) {
          const r = await change.call<ChangeView>(cm, 'POST', `${cPath}/schedule`, {});
          if (r.status === 200) return r.body;
          if (r.status !== 409) throw new DemoError(`change service refused to schedule ${rfc.number} (${r.status}): ${describeProblem(r.body)}`);
          say(`${rfc.number} cannot be scheduled yet: ${describeProblem(r.body)}`);
        }
      }
      return undefined;
    },
    { what: `change service: ${rfc.number} approved but not scheduled`, timeoutMs },
  );
  say(`${rfc.number} approved and scheduled (${instant(scheduled.plannedStart)} → ${instant(scheduled.plannedEnd)})`);

  // 5 ------------------------------------------------------------------------------------------
  const mode = o.deploy ?? 'manual';
  print(`5. Release through ${STAGES.join(' → ')} (${mode === 'webhook' ? 'webhook deploys to a CD system' : 'manual deploy steps'})`);
  const rm = cast.releaseManager;
  await waitFor(
    async () => (await release.ok<Page<{ number: string }>>(rm, 'GET', '/api/v1/releases/eligible-changes')).body.items.some((c) => c.number === rfc.number),
    {
      what: `release service: ${rfc.number} is not eligible for a release`,
      hint: 'the release service learns the change states from itsm.change.*.v1 events',
      timeoutMs,
    },
  );
  let target: DemoCdTarget | undefined;
  if (mode === 'webhook') target = await new DemoCdTarget(cast.cdSystem.token, say).start();
  try {
    const stages = STAGES.map((name) => ({
      name,
      ...(name === 'production' ? { gate: { approvers: [cast.releaseLead.id], timeout: '30m' } } : {}),
      deploy: target
        ? { kind: 'webhook', url: target.hookUrl, callbackTimeout: '2m' }
        : { kind: 'manual', instructions: `Flash firmware 7.4.2 on the ${name} VPN gateways, then confirm`, timeout: '30m' },
    }));
    const created = await release.ok<ReleaseView>(
      rm,
      'POST',
      '/api/v1/releases',
      {
        name: `VPN gateway firmware 7.4.2 (${runId})`,
        version: '7.4.2',
        type: 'minor',
        description: `Fixes the IKE SA leak behind ${candidate.number}`,
        changes: [rfc.number],
        stages,
        window: { start: new Date(Date.now() - 60_000).toISOString(), end: end.toISOString() },
      },
      { 'idempotency-key': `demo-${runId}-release` },
    );
    const rel = created.body;
    say(`${rel.number} planned by ${rm.name}: carries ${rfc.number}; stages ${STAGES.join(' → ')}, production gated (${cast.releaseLead.name})${target ? `; CD webhook ${target.hookUrl}` : ''}`);
    const relPath = `/api/v1/releases/${rel.number}`;
    const sched = await release.ok<ReleaseView>(rm, 'POST', `${relPath}/schedule`, undefined, { 'if-match': created.etag });
    const deploying = await release.ok<ReleaseView>(rm, 'POST', `${relPath}/deploy`, undefined, { 'if-match': sched.etag });
    const deployWf = deploying.body.deployment.workflowId ?? `${o.instancePrefix}release-deployment:${rel.number}`;
    say(`${rel.number} scheduled and deploying: ${link(deployWf)}`);

    const done = new Set<string>();
    const acted = new Set<string>();
    const deployed = await waitFor(
      async () => {
        const d = (await release.ok<DeploymentView>(rm, 'GET', `${relPath}/deployment`)).body;
        for (const s of d.progress?.completedStages ?? []) {
          if (!done.has(s)) {
            done.add(s);
            say(`stage ${s} completed`);
          }
        }
        if (['failed', 'rolled_back', 'aborted', 'cancelled'].includes(d.state)) {
          const r = (await release.ok<ReleaseView>(rm, 'GET', relPath)).body;
          throw new DemoError(`release service: ${rel.number} ${d.state}${r.failure ? `: ${r.failure.code} ${r.failure.message}` : ''}`);
        }
        if (d.state === 'deployed') return d;
        const w = d.progress?.waitingFor;
        const stage = w?.stage ?? d.progress?.currentStage;
        if (w?.kind === 'gate-approval' && stage && !acted.has(`gate:${stage}`)) {
          acted.add(`gate:${stage}`);
          await release.ok(cast.releaseLead, 'POST', `${relPath}/stages/${stage}/gate/approve`, { comment: 'Staging soak test green; go for production' });
          say(`${stage} gate approved by ${cast.releaseLead.name}`);
        }
        if (w?.kind === 'manual-confirmation' && stage && !acted.has(`confirm:${stage}`)) {
          acted.add(`confirm:${stage}`);
          await release.ok(rm, 'POST', `${relPath}/stages/${stage}/confirm`, { outcome: 'succeeded', detail: `firmware 7.4.2 running in ${stage}` });
          say(`${stage}: deploy step confirmed by ${rm.name}`);
        }
        return undefined;
      },
      { what: `release service: ${rel.number} not deployed (stages completed: ${[...done].join(', ') || 'none'})`, timeoutMs: timeoutMs * 3 },
    );
    say(`${rel.number} deployed (${deployed.progress?.completedStages.join(' → ')}): ${link(deployWf)}`);

    // 6 ------------------------------------------------------------------------------------------
    print('6. Implemented → resolved');
    const implemented = await waitFor(
      async () => {
        const c = (await change.ok<ChangeView>(cm, 'GET', cPath)).body;
        return c.outcome && c.state === 'review' ? c : undefined;
      },
      { what: `change service: ${rfc.number} not implemented after ${rel.number} deployed`, hint: 'the change service records it from itsm.release.deployed.v1', timeoutMs },
    );
    if (implemented.outcome !== 'successful') throw new DemoError(`change service: ${rfc.number} ended with outcome ${implemented.outcome}`);
    say(`${rfc.number} implemented (outcome successful, state review)`);
    const resolvedProblem = await waitFor(
      async () => {
        const p = (await problem.ok<ProblemView>(pm, 'GET', pPath)).body;
        return p.state === 'resolved' || p.state === 'closed' ? p : undefined;
      },
      { what: `problem service: ${candidate.number} not resolved after ${rfc.number} was implemented`, hint: 'the problem service resolves it from itsm.change.implemented.v1', timeoutMs },
    );
    say(`${candidate.number} resolved (${resolvedProblem.resolutionCode}, fix ${resolvedProblem.fix.changeNumber ?? rfc.number})`);
    const incidents: IncidentView[] = [];
    for (const n of numbers) {
      const inc = await waitFor(
        async () => {
          const i = (await incident.ok<IncidentView>(cast.networkEngineer, 'GET', `/api/v1/incidents/${n}`)).body;
          return i.state === 'resolved' || i.state === 'closed' ? i : undefined;
        },
        {
          what: `incident service: ${n} not resolved after ${candidate.number} was resolved`,
          hint: 'itsm.problem.resolved.v1 resolves the incidents On Hold awaiting the problem',
          timeoutMs,
        },
      );
      incidents.push(inc);
      say(`${n} resolved (${inc.resolutionCode})`);
    }

    // 7 ------------------------------------------------------------------------------------------
    print('7. SLA clocks');
    const clocks: ClockView[] = [];
    for (const n of numbers) {
      const cs = await waitFor(
        async () => {
          const r = (await sla.ok<Page<ClockView>>(cast.slaReader, 'GET', `/api/v1/sla/clocks?ticket=${n}`)).body.items;
          const resolution = r.find((c) => c.kind === 'sla' && c.target === 'resolution');
          return resolution && resolution.stoppedAt ? r : undefined;
        },
        { what: `sla service: the resolution clock of ${n} has not stopped`, hint: 'clocks follow the itsm.incident.*.v1 events', timeoutMs },
      );
      clocks.push(...cs.sort((a, b) => a.kind.localeCompare(b.kind) || a.target.localeCompare(b.target)));
    }
    const rows = clocks.map((c) => [
      c.ticket.number,
      c.kind === 'ola' ? `ola ${c.target}` : c.target,
      `P${c.priority ?? '-'}`,
      c.targetDuration ?? duration(c.targetMs),
      c.status,
      instant(c.dueAt),
      duration(c.elapsedMs),
      duration(c.pausedMs),
    ]);
    for (const line of table(['incident', 'target', 'prio', 'goal', 'status', 'due', 'elapsed', 'paused'], rows)) print(`    ${line}`);
    // one workflow per incident holds all its clocks
    const slaWorkflows = new Map(clocks.map((c) => [c.workflowId, c.ticket.number]));
    for (const [workflowId, ticket] of slaWorkflows) print(`    ${ticket} clocks: ${link(workflowId)}`);

    const finalRelease = (await release.ok<ReleaseView>(rm, 'GET', relPath)).body;
    const elapsedMs = Date.now() - t0;
    print(
      `Done in ${(elapsedMs / 1000).toFixed(1)} s: ${list(numbers)} resolved · ${candidate.number} ${resolvedProblem.state} · ${rfc.number} implemented · ${rel.number} ${finalRelease.state}`,
    );
    return {
      runId,
      ci,
      incidents,
      problem: resolvedProblem,
      change: implemented,
      release: finalRelease,
      clocks,
      workflows: { approval: link(approvalWf), deployment: link(deployWf), slaClocks: [...slaWorkflows.keys()].map(link) },
      elapsedMs,
    };
  } finally {
    await target?.stop();
  }
}

