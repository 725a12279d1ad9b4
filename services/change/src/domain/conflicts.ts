import type { Conflict } from './types';

/** A half-open interval [start, end): the start is inside, the end is not. */
export interface Interval {
  start: Date;
  end: Date;
}

/** True when [a.start, a.end) and [b.start, b.end) share an instant; touching ends do not overlap. */
export function overlaps(a: Interval, b: Interval): boolean {
  return a.start.getTime() < b.end.getTime() && b.start.getTime() < a.end.getTime();
}

/** True when `inner` lies wholly inside `outer` (both half-open). */
export function contains(outer: Interval, inner: Interval): boolean {
  return outer.start.getTime() <= inner.start.getTime() && inner.end.getTime() <= outer.end.getTime();
}

export interface PlannedChange extends Interval {
  number: string;
  ciIds: string[];
}

export interface MaintenanceWindow extends Interval {
  ciId: string;
}

export interface Freeze extends Interval {
  id: string;
  name: string;
  /** CIs the freeze covers; empty: every CI. */
  ciIds: string[];
}

export interface ScheduleFacts {
  /** Other changes already scheduled (or implementing) on any of the CIs. */
  scheduled: PlannedChange[];
  /** Every maintenance window of the change's CIs (a CI without windows is unconstrained). */
  maintenanceWindows: MaintenanceWindow[];
  freezes: Freeze[];
}

/**
 * Everything that stands against doing `change` in its planned window:
 * another scheduled change on the same CI whose window overlaps (half-open),
 * a CI that has maintenance windows none of which holds the whole window, and
 * a freeze (blackout) that overlaps the window and covers one of its CIs.
 */
export function detectConflicts(change: PlannedChange, facts: ScheduleFacts): Conflict[] {
  const out: Conflict[] = [];
  const iso = (d: Date) => d.toISOString();
  for (const other of facts.scheduled) {
    if (other.number === change.number || !overlaps(change, other)) continue;
    for (const ciId of change.ciIds.filter((c) => other.ciIds.includes(c))) {
      out.push({ kind: 'overlapping_change', ciId, change: other.number, start: iso(other.start), end: iso(other.end) });
    }
  }
  for (const ciId of change.ciIds) {
    const windows = facts.maintenanceWindows.filter((w) => w.ciId === ciId);
    if (windows.length > 0 && !windows.some((w) => contains(w, change))) out.push({ kind: 'outside_maintenance_window', ciId });
  }
  for (const f of facts.freezes) {
    const covers = f.ciIds.length === 0 || f.ciIds.some((c) => change.ciIds.includes(c));
    if (covers && overlaps(change, f)) out.push({ kind: 'freeze', freeze: f.id, name: f.name, start: iso(f.start), end: iso(f.end) });
  }
  return out;
}

/** One line per conflict, for messages and work notes. */
export function describeConflict(c: Conflict): string {
  switch (c.kind) {
    case 'overlapping_change':
      return `${c.change} is scheduled on ${c.ciId} from ${c.start} to ${c.end}`;
    case 'outside_maintenance_window':
      return `the window is outside every maintenance window of ${c.ciId}`;
    case 'freeze':
      return `the window falls in the freeze "${c.name}" (${c.start} to ${c.end})`;
  }
}
