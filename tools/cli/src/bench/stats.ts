/** Figures of a benchmark run. */
export interface Figure {
  bench: string;
  what: string;
  value: string;
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const ms = (x: number) => (Number.isNaN(x) ? '–' : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);
export const perSecond = (x: number) => `${x.toFixed(1)} /s`;
