import type { Level } from './types';

/** What the risk of a revision is assessed from. */
export interface RiskFacts {
  impact: Level;
  /** Highest criticality of the affected CIs (null: none recorded). */
  ciCriticality: Level | null;
  hasTestPlan: boolean;
  hasBackoutPlan: boolean;
  /** Earlier changes on the same CIs that failed or were backed out. */
  earlierFailures: number;
  /** Conflicts of the planned window (overlaps, maintenance windows, freezes). */
  conflicts: number;
}

export interface RiskResult {
  risk: Level;
  reasons: string[];
}

const WEIGHT: Record<Level, number> = { low: 0, medium: 2, high: 4 };
const CRITICALITY: Record<Level, number> = { low: 0, medium: 1, high: 2 };

/**
 * Score: impact (low 0, medium 2, high 4) + CI criticality (0/1/2) + 1 for a
 * missing test plan + 1 for a missing backout plan + 1 per earlier failed
 * change on the same CIs (at most 2) + 1 when the window conflicts.
 * 0–1 is low, 2–3 medium, 4 and more high.
 */
export function assessRisk(f: RiskFacts): RiskResult {
  const reasons: string[] = [`impact ${f.impact}`];
  let score = WEIGHT[f.impact];
  if (f.ciCriticality) {
    score += CRITICALITY[f.ciCriticality];
    reasons.push(`CI criticality ${f.ciCriticality}`);
  }
  if (!f.hasTestPlan) {
    score += 1;
    reasons.push('no test plan');
  }
  if (!f.hasBackoutPlan) {
    score += 1;
    reasons.push('no backout plan');
  }
  if (f.earlierFailures > 0) {
    score += Math.min(2, f.earlierFailures);
    reasons.push(`${f.earlierFailures} earlier change(s) on the same CIs failed or were backed out`);
  }
  if (f.conflicts > 0) {
    score += 1;
    reasons.push(`${f.conflicts} conflict(s) with the planned window`);
  }
  const risk: Level = score <= 1 ? 'low' : score <= 3 ? 'medium' : 'high';
  return { risk, reasons };
}

/** The highest of some levels, or null. */
export function highest(levels: Level[]): Level | null {
  return levels.reduce<Level | null>((acc, l) => (acc === null || WEIGHT[l] > WEIGHT[acc] ? l : acc), null);
}
