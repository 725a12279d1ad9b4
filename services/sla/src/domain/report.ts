/**
 * Compliance reports (pure): per priority or group, the share of clocks met,
 * breached and still running, and the business time to respond and to
 * resolve (mean, p50, p90) of the clocks that stopped.
 */
import type { SlaClock } from '@itsm/business-time';

export interface ReportInput {
  key: string;
  target: 'response' | 'resolution';
  clock: SlaClock;
}

export interface DurationStats {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
}

export interface ComplianceRow {
  key: string;
  clocks: { total: number; met: number; breached: number; running: number; paused: number; cancelled: number };
  /** shares of the clocks that count (all but cancelled), 0..1, rounded to 4 places */
  share: { met: number; breached: number; running: number };
  response: DurationStats;
  resolution: DurationStats;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function stats(values: readonly number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    meanMs: sorted.length ? Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length) : null,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function complianceRows(items: readonly ReportInput[]): ComplianceRow[] {
  const keys = [...new Set(items.map((i) => i.key))].sort();
  return keys.map((key) => {
    const mine = items.filter((i) => i.key === key);
    const count = (s: string) => mine.filter((i) => i.clock.status === s).length;
    const clocks = { total: mine.length, met: count('met'), breached: count('breached'), running: count('running'), paused: count('paused'), cancelled: count('cancelled') };
    const counted = clocks.total - clocks.cancelled;
    const share = (n: number) => (counted === 0 ? 0 : round(n / counted));
    const stopped = (target: string) => mine.filter((i) => i.target === target && i.clock.clock === 'stopped' && i.clock.status !== 'cancelled').map((i) => i.clock.elapsedMs);
    return {
      key,
      clocks,
      share: { met: share(clocks.met), breached: share(clocks.breached), running: share(clocks.running + clocks.paused) },
      response: stats(stopped('response')),
      resolution: stats(stopped('resolution')),
    };
  });
}
