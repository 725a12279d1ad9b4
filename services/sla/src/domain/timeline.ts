/**
 * From incident events to timeline facts (pure). Each fact has a stable id,
 * so that the same fact told twice (a state change and its `resolved` event,
 * or a redelivery) is stored once.
 */
import type { EventData, EventEnvelope, IncidentSnapshot, incidentEvents } from '@itsm/events';
import type { TimelineEventKind } from '@itsm/business-time';
import type { ClockFact } from '@itsm/wf-sla-clock';
import { normalizeState } from './definition';
import type { TicketRecord } from './types';

/** A fact as stored (the assignee only matters for the record). */
export interface TicketFact extends ClockFact {
  assignee?: string | null;
  eventType: string;
}

const INACTIVE = new Set(['resolved', 'closed', 'cancelled']);
const isActive = (state: string) => !INACTIVE.has(state);

export function ticketOf(inc: IncidentSnapshot, imported: Date | null, version: number | undefined): TicketRecord {
  return {
    number: inc.number,
    id: inc.id,
    type: 'incident',
    callerId: inc.callerId ?? null,
    state: normalizeState(inc.state),
    priority: inc.priority,
    category: inc.category ?? null,
    ciId: inc.ciId ?? null,
    service: inc.service ?? null,
    assignmentGroup: inc.assignmentGroup ?? null,
    assignee: inc.assignee ?? null,
    openedAt: new Date(inc.openedAt),
    importedAt: imported,
    version: version ?? null,
  };
}

/** The kind of a move from one state to another. */
export function stateKind(from: string | undefined, to: string): TimelineEventKind {
  if (to === 'resolved') return 'resolved';
  if (to === 'closed' || to === 'cancelled') return 'closed';
  if (from !== undefined && !isActive(from) && isActive(to)) return 'reopened';
  return 'state';
}

/** Facts that stop, reopen or resolve share an id per ticket, kind and instant (several events tell them). */
function factId(subject: string, kind: TimelineEventKind, at: number, eventId: string): string {
  return kind === 'resolved' || kind === 'closed' || kind === 'reopened' ? `${subject}:${kind}:${at}` : eventId;
}

function stateFact(env: EventEnvelope, at: number, from: string | undefined, to: string, inc: IncidentSnapshot): TicketFact {
  const state = normalizeState(to);
  const kind = stateKind(from === undefined ? undefined : normalizeState(from), state);
  return { id: factId(inc.number, kind, at, env.id), at, kind, state, eventType: env.type };
}

type Incident = typeof incidentEvents;
type Data<K extends keyof Incident> = EventData<Incident[K]>;

/** Facts of one live incident event (empty for events that change no clock). */
export function factsOf(env: EventEnvelope): TicketFact[] {
  const at = Date.parse(env.occurredat);
  const type = env.type.replace(/^itsm\.incident\./, '').replace(/\.v\d+$/, '');
  const data = env.data as { incident: IncidentSnapshot };
  const inc = data.incident;
  switch (type) {
    case 'created': {
      const opened = Date.parse(inc.openedAt);
      const facts: TicketFact[] = [
        { id: env.id, at: opened, kind: 'opened', state: normalizeState(inc.state), priority: String(inc.priority), assignmentGroup: inc.assignmentGroup ?? null, eventType: env.type },
      ];
      if (inc.assignee) facts.push({ id: `${env.id}:assigned`, at: opened, kind: 'assigned', assignee: inc.assignee, eventType: env.type });
      return facts;
    }
    case 'state_changed': {
      const d = env.data as Data<'stateChanged'>;
      return [stateFact(env, at, d.from, d.to, inc)];
    }
    case 'resolved':
      return [stateFact(env, at, undefined, 'resolved', inc)];
    case 'closed':
      return [stateFact(env, at, undefined, 'closed', inc)];
    case 'cancelled':
      return [stateFact(env, at, undefined, 'cancelled', inc)];
    case 'reopened':
      return [{ id: factId(inc.number, 'reopened', at, env.id), at, kind: 'reopened', state: normalizeState(inc.state), eventType: env.type }];
    case 'priority_changed': {
      const d = env.data as Data<'priorityChanged'>;
      return [{ id: env.id, at, kind: 'priority', priority: String(d.to), eventType: env.type }];
    }
    case 'assigned': {
      const d = env.data as Data<'assigned'>;
      const group = d.toGroup !== undefined ? d.toGroup : (inc.assignmentGroup ?? null);
      const assignee = d.toAssignee !== undefined ? d.toAssignee : (inc.assignee ?? null);
      return [{ id: env.id, at, kind: assignee ? 'assigned' : 'state', assignmentGroup: group, assignee, eventType: env.type }];
    }
    case 'commented': {
      const d = env.data as Data<'commented'>;
      return d.firstResponse ? [{ id: env.id, at, kind: 'first_response', eventType: env.type }] : [];
    }
    case 'imported':
      return importedFacts(env);
    default:
      return [];
  }
}

/**
 * Facts of an imported incident's timeline. The clock opens at `openedAt`
 * in state `new`, with the priority of a timeline entry at that instant (or
 * the first priority the timeline names, or else the record's priority).
 */
export function importedFacts(env: EventEnvelope): TicketFact[] {
  const d = env.data as Data<'imported'>;
  const inc = d.incident;
  const opened = Date.parse(inc.openedAt);
  const entries = [...d.timeline].map((e, i) => ({ e, i, at: Date.parse(e.at) })).sort((a, b) => a.at - b.at || a.i - b.i);
  const firstPriority = entries.find((x) => x.e.kind === 'priority' && x.e.priority !== undefined);
  // without an entry at the opening, the first known priority (a change applies from the original start anyway)
  const openingPriority = firstPriority?.e.priority ?? inc.priority;
  const facts: TicketFact[] = [{ id: `${env.id}:opened`, at: opened, kind: 'opened', state: 'new', priority: String(openingPriority), assignmentGroup: null, eventType: env.type }];
  let state = 'new';
  for (const { e, i, at } of entries) {
    const id = `${env.id}:${i}`;
    if (e.kind === 'state' && e.state) {
      const to = normalizeState(e.state);
      const kind = stateKind(state, to);
      facts.push({ id: factId(inc.number, kind, at, id), at, kind, state: to, eventType: env.type });
      state = to;
    } else if (e.kind === 'assignment' || e.kind === 'assigned') {
      const assignee = e.assignee ?? null;
      facts.push({ id, at, kind: assignee ? 'assigned' : 'state', ...(e.assignmentGroup !== undefined ? { assignmentGroup: e.assignmentGroup } : {}), assignee, eventType: env.type });
    } else if (e.kind === 'priority' && e.priority !== undefined) {
      if (at <= opened) continue; // the opening priority
      facts.push({ id, at, kind: 'priority', priority: String(e.priority), eventType: env.type });
    } else if (e.kind === 'first_response' || e.kind === 'commented') {
      facts.push({ id, at, kind: 'first_response', eventType: env.type });
    }
  }
  return facts;
}

/** Groups that have held the ticket, in order of first holding. */
export function groupsOf(facts: readonly ClockFact[]): string[] {
  const out: string[] = [];
  for (const f of [...facts].sort((a, b) => a.at - b.at)) {
    if (f.assignmentGroup && !out.includes(f.assignmentGroup)) out.push(f.assignmentGroup);
  }
  return out;
}
