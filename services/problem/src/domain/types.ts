/** The problem aggregate and the vocabulary of its rules. Pure data: no I/O here. */

export const STATES = ['new', 'assessment', 'root_cause_analysis', 'fix_in_progress', 'resolved', 'closed', 'cancelled'] as const;
export type State = (typeof STATES)[number];

/** States in which the problem is still being worked. */
export const OPEN_STATES: readonly State[] = ['new', 'assessment', 'root_cause_analysis', 'fix_in_progress'];

export const RESOLUTION_CODES = ['fix_applied', 'workaround_accepted', 'risk_accepted', 'duplicate', 'cannot_reproduce'] as const;
export type ResolutionCode = (typeof RESOLUTION_CODES)[number];

/** Incident states (as the Incident service names them) in which an incident still counts as open. */
export const OPEN_INCIDENT_STATES: readonly string[] = ['new', 'in_progress', 'on_hold'];

export const isOpenIncidentState = (s: string): boolean => OPEN_INCIDENT_STATES.includes(s);

/** Who acts: a user from the token, or the service itself (consumers, detection). */
export interface Actor {
  id: string;
  name?: string;
}

export const SYSTEM_ACTOR: Actor = { id: 'problem-service', name: 'Problem service' };

export interface FixRequest {
  title: string;
  description: string;
  justification: string;
  type: 'standard' | 'normal' | 'emergency';
  ciIds: string[];
  requestedBy: string;
}

export interface Problem {
  id: string;
  number: string;
  title: string;
  description: string;
  category: string | null;
  subcategory: string | null;
  symptom: string | null;
  ciIds: string[];
  impact: number;
  urgency: number;
  priority: number;
  assignmentGroup: string | null;
  owner: string | null;
  state: State;
  rootCause: string | null;
  workaround: string | null;
  knownError: boolean;
  knownErrorAt: Date | null;
  resolutionCode: string | null;
  resolutionNotes: string | null;
  fixChangeId: string | null;
  fixChangeNumber: string | null;
  fixRequest: FixRequest | null;
  fixRequestedAt: Date | null;
  candidate: boolean;
  detectionKey: string | null;
  source: string | null;
  sourceNumber: string | null;
  openedBy: string;
  openedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  updatedAt: Date;
  version: number;
}

/** A linked incident as the problem knows it (from the incident read copy). */
export interface IncidentRef {
  id: string;
  number: string;
  state: string;
}

/** One audited field change: becomes a history row and part of the `updated` event. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** What a rule says happened, besides field changes; the service turns these into outbox events. */
export type DomainEvent =
  | { kind: 'created'; candidate: boolean; incidents?: Array<{ id: string; number: string }> }
  | { kind: 'stateChanged'; from: State; to: State }
  | { kind: 'knownErrorRecorded' }
  | { kind: 'workaroundPublished'; workaround: string }
  | { kind: 'fixRequested'; request: FixRequest }
  | { kind: 'resolved'; resolution: string }
  | { kind: 'closed' }
  | { kind: 'cancelled'; reason?: string };

/** The result of every rule: the next state of the record, its field changes and its events. */
export interface Decision {
  next: Problem;
  changes: FieldChange[];
  events: DomainEvent[];
}
