import type { Knex } from '@itsm/db';
import type { EventEnvelope, IncidentSnapshot } from '@itsm/events';
import { candidateTitle, clusterKeys, findCluster, type ClusterKey } from '../domain/detection';
import { isOpen } from '../domain/lifecycle';
import { SYSTEM_ACTOR, type Problem } from '../domain/types';
import { activeCluster, insertCluster, lockClusters, releaseClusters } from '../repository/detection.repository';
import { unlinkedOccurrences, upsertIncident, type IncidentCopy } from '../repository/incident-copy.repository';
import { problemOfIncident } from '../repository/link.repository';
import { findProblem } from '../repository/problem.repository';
import type { LinkService } from './link.service';
import type { ProblemService } from './problem.service';
import type { EventContext, ServiceDeps } from './write-path';

/**
 * Keeps the incident read copy and detects recurring incidents: N incidents of
 * one cluster (same CI, or same category and symptom) within the window open
 * ONE candidate problem that links them; while that candidate is open, later
 * incidents of the cluster are linked to it.
 */
export class IncidentIntake {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly problems: ProblemService,
    private readonly links: LinkService,
  ) {}

  /** Any incident event: refresh the read copy; a new incident also runs detection. */
  async onIncidentEvent(trx: Knex.Transaction, e: EventEnvelope<{ incident: IncidentSnapshot }>, detect: boolean): Promise<void> {
    const s = e.data.incident;
    const keys = detect && this.deps.detection.enabled ? clusterKeys(s) : [];
    // Lock the clusters before writing the copy: concurrent incidents of one cluster then count each other.
    if (keys.length) await lockClusters(trx, keys.map((k) => k.key));
    const copy = await upsertIncident(trx, s, new Date(e.occurredat), e.version);
    if (keys.length) await this.detect(trx, copy, keys, e);
  }

  /** The incident side linked an incident to a problem: mirror it (a move from another problem included). */
  async onIncidentProblemLinked(trx: Knex.Transaction, e: EventEnvelope<{ incident: IncidentSnapshot; problemId: string }>): Promise<void> {
    const copy = await upsertIncident(trx, e.data.incident, new Date(e.occurredat), e.version);
    const p = await findProblem(trx, e.data.problemId, true);
    if (!p || !isOpen(p.state)) {
      this.deps.logger.warn({ problem: e.data.problemId, incident: copy.number }, 'incident linked to an unknown or finished problem; ignored');
      return;
    }
    const ec = this.ec(e);
    const current = await problemOfIncident(trx, copy.id);
    if (current === p.id) return;
    if (current) {
      const old = await findProblem(trx, current, true);
      if (old && isOpen(old.state)) await this.links.unlinkIn(trx, old, copy, ec);
      else return;
    }
    await this.links.linkIn(trx, p, copy, ec);
  }

  /** The incident side cleared the incident's problem: mirror the unlink (while the problem is open). */
  async onIncidentUpdated(
    trx: Knex.Transaction,
    e: EventEnvelope<{ incident: IncidentSnapshot; changes: Array<{ field: string; from: unknown; to: unknown }> }>,
  ): Promise<void> {
    const copy = await upsertIncident(trx, e.data.incident, new Date(e.occurredat), e.version);
    const cleared = e.data.changes.find((c) => c.field === 'problemId' && !c.to && typeof c.from === 'string');
    if (!cleared) return;
    const current = await problemOfIncident(trx, copy.id);
    if (!current) return;
    const p = await findProblem(trx, current, true);
    if (!p || !isOpen(p.state) || (p.number !== cleared.from && p.id !== cleared.from)) return;
    await this.links.unlinkIn(trx, p, copy, this.ec(e));
  }

  private ec(e: EventEnvelope): EventContext {
    return { actor: SYSTEM_ACTOR, correlationId: e.correlationid, causationId: e.id };
  }

  private async detect(trx: Knex.Transaction, incident: IncidentCopy, keys: ClusterKey[], e: EventEnvelope): Promise<void> {
    if (await problemOfIncident(trx, incident.id)) return;
    const ec = this.ec(e);
    for (const k of keys) {
      const problemId = await activeCluster(trx, k.key);
      if (!problemId) continue;
      const p = await findProblem(trx, problemId, true);
      if (p && isOpen(p.state)) {
        await this.links.linkIn(trx, p, incident, ec);
        return;
      }
      await releaseClusters(trx, problemId);
    }
    const { windowMs } = this.deps.detection;
    const at = incident.occurredAt.getTime();
    for (const k of keys) {
      const around = await unlinkedOccurrences(trx, k, new Date(at - windowMs), new Date(at + windowMs));
      const byId = new Map(around.map((i) => [i.id, i]));
      const members = findCluster(
        around.map((i) => ({ id: i.id, at: i.occurredAt.getTime() })),
        { id: incident.id, at },
        this.deps.detection,
      );
      if (!members) continue;
      const cluster = members.map((m) => byId.get(m.id) ?? incident);
      await this.openCandidate(trx, k, cluster, ec);
      return;
    }
  }

  private async openCandidate(trx: Knex.Transaction, k: ClusterKey, incidents: IncidentCopy[], ec: EventContext): Promise<Problem> {
    const min = (xs: Array<number | null>) => Math.min(...xs.map((x) => x ?? 3));
    const first = incidents[0];
    const p = await this.problems.createIn(
      trx,
      {
        title: candidateTitle(k, incidents.length),
        description: `Opened by recurring-incident detection: ${incidents.length} incidents within ${this.deps.detection.windowMs / 3600_000} h: ${incidents.map((i) => i.number).join(', ')}.`,
        category: k.category ?? first.category,
        subcategory: first.subcategory,
        symptom: k.symptom ?? first.symptom,
        ciIds: k.ciId ? [k.ciId] : [...new Set(incidents.map((i) => i.ciId).filter((c): c is string => !!c))],
        impact: Math.min(3, Math.max(1, min(incidents.map((i) => i.impact)))),
        urgency: Math.min(3, Math.max(1, min(incidents.map((i) => i.urgency)))),
        candidate: true,
        detectionKey: k.key,
      },
      ec,
      incidents.map((i) => ({ id: i.id, number: i.number })),
    );
    await insertCluster(trx, k.key, p.id, this.deps.clock.now());
    for (const i of incidents) await this.links.linkIn(trx, p, i, ec);
    return p;
  }
}
