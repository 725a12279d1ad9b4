/**
 * Proactive problem detection (pure): recurring incidents on one CI, or with
 * one category and symptom, within a time window.
 */

export interface DetectionSettings {
  /** incidents needed to open a candidate problem */
  threshold: number;
  /** the window the incidents must fall within (business time of their events) */
  windowMs: number;
}

export const DEFAULT_DETECTION: DetectionSettings = { threshold: 3, windowMs: 24 * 3600_000 };

export interface DetectionIncident {
  ciId?: string | null;
  category?: string | null;
  symptom?: string | null;
}

export interface ClusterKey {
  key: string;
  kind: 'ci' | 'category_symptom';
  ciId?: string;
  category?: string;
  symptom?: string;
}

const norm = (s: string) => s.trim().toLowerCase();

/** The clusters an incident belongs to: its CI, and its category + symptom when it has both. */
export function clusterKeys(i: DetectionIncident): ClusterKey[] {
  const out: ClusterKey[] = [];
  if (i.ciId && i.ciId.trim()) out.push({ key: `ci:${norm(i.ciId)}`, kind: 'ci', ciId: i.ciId });
  if (i.category && i.category.trim() && i.symptom && i.symptom.trim()) {
    out.push({ key: `cs:${norm(i.category)}|${norm(i.symptom)}`, kind: 'category_symptom', category: i.category, symptom: i.symptom });
  }
  return out;
}

export interface Occurrence {
  id: string;
  /** epoch ms */
  at: number;
}

/**
 * The first window of length `windowMs` that contains `trigger` and at least
 * `threshold` occurrences (the trigger among them), as its members in time
 * order; null when no such window exists. Occurrences may arrive out of order:
 * a late, older incident completes a cluster as well as a new one does.
 */
export function findCluster(occurrences: Occurrence[], trigger: Occurrence, s: DetectionSettings): Occurrence[] | null {
  const all = [...new Map([...occurrences, trigger].map((o) => [o.id, o])).values()].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  for (const start of all) {
    if (start.at < trigger.at - s.windowMs || start.at > trigger.at) continue;
    const members = all.filter((o) => o.at >= start.at && o.at <= start.at + s.windowMs);
    if (members.length >= s.threshold) return members;
  }
  return null;
}

/** Title of a candidate problem for a cluster. */
export function candidateTitle(k: ClusterKey, count: number): string {
  return k.kind === 'ci'
    ? `Recurring incidents on CI ${k.ciId} (${count} incidents)`
    : `Recurring incidents: ${k.category} / ${k.symptom} (${count} incidents)`;
}
