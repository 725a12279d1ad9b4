/**
 * SLA and OLA definitions: validation, matching a ticket, and the snapshot a
 * clock runs under. Pure.
 */
import { ValidationError, type FieldIssue } from '@itsm/core';
import { validateCalendar, type SlaTarget } from '@itsm/business-time';
import type { ClockCalendar, ClockDefinition } from '@itsm/wf-sla-clock';
import { Duration } from 'luxon';
import { toCalendar, type CalendarRecord, type DefinitionMatch, type DefinitionRecord, type TargetSpec, type TicketRecord } from './types';

export const TARGETS: readonly SlaTarget[] = ['response', 'resolution'];

/** `On Hold` → `on_hold`: states compare in this form everywhere. */
export function normalizeState(s: string): string {
  return s.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** ISO 8601 duration (`PT4H`, `P2D`, `PT10S`) → ms; whole seconds, more than 0, at most 366 days. Undefined when invalid. */
export function parseDuration(iso: string): number | undefined {
  const d = Duration.fromISO(iso);
  if (!d.isValid) return undefined;
  const ms = d.as('milliseconds');
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms % 1000 !== 0 || ms > 366 * 86_400_000) return undefined;
  return ms;
}

/** ms → ISO 8601 duration (`PT16H`, `PT1H30M`, `PT10S`). */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${sec || (!h && !m) ? `${sec}S` : ''}`;
}

export function calendarIssues(input: unknown): FieldIssue[] {
  return validateCalendar(input).map((i) => ({ field: i.field, message: i.message }));
}

export function assertCalendar(c: Pick<CalendarRecord, 'timeZone' | 'mode' | 'week' | 'holidays'>): void {
  const issues = calendarIssues(toCalendar(c));
  if (issues.length) throw new ValidationError('The calendar is not valid', issues);
}

/** Cross-field rules the request schema cannot express. */
export function assertDefinition(d: Pick<DefinitionRecord, 'kind' | 'match' | 'targets' | 'warningThresholds' | 'pauseStates'>): void {
  const issues: FieldIssue[] = [];
  if (d.kind === 'ola' && !d.match.assignmentGroup) issues.push({ field: 'match.assignmentGroup', message: 'an OLA measures one assignment group: name it' });
  const seen = new Set<number>();
  d.targets.forEach((t, i) => {
    if (seen.has(t.priority)) issues.push({ field: `targets.${i}.priority`, message: `priority ${t.priority} appears twice` });
    seen.add(t.priority);
    if (t.responseMs === null && t.resolutionMs === null) issues.push({ field: `targets.${i}`, message: 'give a response or a resolution target (or both)' });
  });
  if (new Set(d.warningThresholds).size !== d.warningThresholds.length) issues.push({ field: 'warningThresholds', message: 'thresholds must differ' });
  if (issues.length) throw new ValidationError('The definition is not valid', issues);
}

export function targetMs(def: Pick<DefinitionRecord, 'targets'>, priority: number | null, target: SlaTarget): number | null {
  const t = def.targets.find((x) => x.priority === priority);
  if (!t) return null;
  return target === 'response' ? t.responseMs : t.resolutionMs;
}

function filterMatches(match: DefinitionMatch, ticket: TicketRecord, ignoreGroup: boolean): boolean {
  if (match.category && match.category !== ticket.category) return false;
  if (match.ciId && match.ciId !== ticket.ciId) return false;
  if (match.service && match.service !== ticket.service) return false;
  if (!ignoreGroup && match.assignmentGroup && match.assignmentGroup !== ticket.assignmentGroup) return false;
  return true;
}

const specificity = (m: DefinitionMatch) => [m.category, m.ciId, m.service, m.assignmentGroup].filter(Boolean).length;

function byPreference(a: DefinitionRecord, b: DefinitionRecord): number {
  return specificity(b.match) - specificity(a.match) || a.rank - b.rank || a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id);
}

/**
 * The SLA definition for a ticket's target: among active SLA definitions
 * whose filters match the ticket and that have this target for its
 * priority, the most specific (most filters), then the lowest rank, then the oldest.
 */
export function chooseSlaDefinition(defs: readonly DefinitionRecord[], ticket: TicketRecord, target: SlaTarget): DefinitionRecord | undefined {
  return defs
    .filter((d) => d.kind === 'sla' && d.active && filterMatches(d.match, ticket, false) && targetMs(d, ticket.priority, target) !== null)
    .sort(byPreference)[0];
}

/** OLA definitions per group and target for the groups that have held the ticket (one per group and target, most specific first). */
export function chooseOlaDefinitions(
  defs: readonly DefinitionRecord[],
  ticket: TicketRecord,
  groups: readonly string[],
  target: SlaTarget,
): DefinitionRecord[] {
  const out: DefinitionRecord[] = [];
  for (const group of groups) {
    const d = defs
      .filter((x) => x.kind === 'ola' && x.active && x.match.assignmentGroup === group && filterMatches(x.match, ticket, true) && targetMs(x, ticket.priority, target) !== null)
      .sort(byPreference)[0];
    if (d) out.push(d);
  }
  return out;
}

/** The snapshot of one target of a definition that a clock runs under. */
export function clockDefinitionOf(def: DefinitionRecord, target: SlaTarget): ClockDefinition {
  const durationsByPriority: Record<string, number> = {};
  for (const t of def.targets) {
    const ms = target === 'response' ? t.responseMs : t.resolutionMs;
    if (ms !== null) durationsByPriority[String(t.priority)] = ms;
  }
  return {
    id: def.id,
    name: def.name,
    version: def.version,
    kind: def.kind,
    target,
    durationsByPriority,
    pauseStates: def.pauseStates.map(normalizeState),
    warningThresholds: [...def.warningThresholds],
    breachAction: def.breachAction,
    group: def.kind === 'ola' ? (def.match.assignmentGroup ?? null) : null,
  };
}

export function clockCalendarOf(c: CalendarRecord): ClockCalendar {
  return { id: c.id, name: c.name, version: c.version, calendar: toCalendar(c) };
}

export function targetsView(targets: readonly TargetSpec[]) {
  return targets.map((t) => ({
    priority: t.priority,
    response: t.responseMs === null ? null : formatDuration(t.responseMs),
    resolution: t.resolutionMs === null ? null : formatDuration(t.resolutionMs),
    responseMs: t.responseMs,
    resolutionMs: t.resolutionMs,
  }));
}
