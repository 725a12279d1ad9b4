/**
 * Evaluation of one clock: the ticket's facts, the clock's definition and
 * calendar, at an instant, through the pure `computeSlaClock`. The workflow,
 * the SLA API and the reports all call this, so they agree. Workflow-safe.
 *
 * An OLA measures one assignment group: it opens when the group first holds
 * the ticket, and while another group holds it the clock is paused (that
 * time is not the group's).
 */
import { computeSlaClock, type CalendarLike, type SlaClock, type SlaDefinition, type TimelineEvent } from '@itsm/business-time';
import type { ClockDefinition, ClockFact } from './definitions';

/** Synthetic state of an OLA's ticket while another group holds it. */
export const OUTSIDE_GROUP_STATE = '__outside_group__';

function sortFacts(facts: readonly ClockFact[]): ClockFact[] {
  return facts.map((f, i) => ({ f, i })).sort((a, b) => a.f.at - b.f.at || a.i - b.i).map(({ f }) => f);
}

/** The timeline a definition is evaluated on (the group's view for an OLA); undefined when an OLA's group never held the ticket. */
export function timelineFor(facts: readonly ClockFact[], def: Pick<ClockDefinition, 'kind' | 'group'>): TimelineEvent[] | undefined {
  const sorted = sortFacts(facts);
  if (def.kind !== 'ola') return sorted.map(toEvent);
  let group: string | null | undefined;
  let state: string | undefined;
  let priority: string | undefined;
  let opened = false;
  let seenOpen = false;
  const out: TimelineEvent[] = [];
  for (const f of sorted) {
    if (f.kind === 'opened') {
      if (seenOpen) continue;
      seenOpen = true;
    }
    if (f.assignmentGroup !== undefined) group = f.assignmentGroup;
    if (f.state !== undefined) state = f.state;
    if (f.priority !== undefined) priority = f.priority;
    if (!seenOpen) continue;
    const holds = group === def.group;
    const effective = holds ? state : OUTSIDE_GROUP_STATE;
    if (!opened) {
      if (!holds) continue;
      opened = true;
      out.push({ at: f.at, kind: 'opened', state: effective, priority });
      if (f.kind === 'opened' || f.kind === 'state') continue;
    }
    const kind = f.kind === 'opened' ? 'state' : f.kind;
    out.push({ at: f.at, kind, state: effective, ...(f.priority !== undefined ? { priority: f.priority } : {}) });
  }
  return opened ? out : undefined;
}

function toEvent(f: ClockFact): TimelineEvent {
  const ev: TimelineEvent = { at: f.at, kind: f.kind };
  if (f.state !== undefined) ev.state = f.state;
  if (f.priority !== undefined) ev.priority = f.priority;
  return ev;
}

export function slaDefinitionOf(def: ClockDefinition): SlaDefinition {
  return {
    id: def.id,
    target: def.target,
    durationsByPriority: def.durationsByPriority,
    pauseStates: def.kind === 'ola' ? [...def.pauseStates, OUTSIDE_GROUP_STATE] : def.pauseStates,
    warningThresholds: def.warningThresholds,
  };
}

export interface EvaluateInput {
  facts: readonly ClockFact[];
  definition: ClockDefinition;
  calendar: CalendarLike;
  asOf: number;
}

/**
 * The clock at `asOf`; undefined while it has nothing to measure yet (no
 * `opened` fact at or before `asOf`, or an OLA whose group has not held the ticket).
 */
export function evaluateClock(input: EvaluateInput): SlaClock | undefined {
  const timeline = timelineFor(input.facts, input.definition);
  if (!timeline) return undefined;
  if (!timeline.some((e) => e.kind === 'opened' && e.at <= input.asOf)) return undefined;
  return computeSlaClock({ timeline, definition: slaDefinitionOf(input.definition), calendar: input.calendar, asOf: input.asOf });
}
