/** The incident aggregate and the vocabulary of its rules. Pure data: no I/O here. */

export const STATES = ['new', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled'] as const;
export type State = (typeof STATES)[number];

export const ACTIVE_STATES: readonly State[] = ['new', 'in_progress', 'on_hold'];

export const HOLD_REASONS = ['awaiting_caller', 'awaiting_vendor', 'awaiting_problem', 'awaiting_change', 'awaiting_evidence'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export const CONTACT_TYPES = ['phone', 'email', 'portal', 'walk_in', 'monitoring'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

export const ESCALATION_KINDS = ['functional', 'hierarchical'] as const;
export type EscalationKind = (typeof ESCALATION_KINDS)[number];

/** Who acts: a user from the token, or the service itself (jobs, consumers). */
export interface Actor {
  id: string;
  name?: string;
  /** true for agents and admins: desk staff */
  agent: boolean;
  /** may set a priority other than the matrix's (C07) */
  canOverridePriority: boolean;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'Incident service', agent: true, canOverridePriority: true };

export interface SlaNotice {
  kind: 'warning' | 'breached';
  target: string;
  threshold?: number;
  at: string;
  clockId: string;
  historical: boolean;
}

export interface Incident {
  id: string;
  number: string;
  title: string;
  description: string;
  callerId: string;
  openedBy: string;
  contactType: ContactType;
  location: string | null;
  category: string | null;
  subcategory: string | null;
  symptom: string | null;
  ciId: string | null;
  impact: number;
  urgency: number;
  priority: number;
  priorityOverride: boolean;
  state: State;
  holdReason: HoldReason | null;
  assignmentGroup: string | null;
  assignee: string | null;
  reassignmentCount: number;
  reopenCount: number;
  parentId: string | null;
  major: boolean;
  problemId: string | null;
  causedByChange: string | null;
  awaitingChange: string | null;
  resolutionCode: string | null;
  resolutionNotes: string | null;
  knowledge: boolean;
  escalationLevel: number;
  functionalEscalationLevel: number;
  slaBreached: boolean;
  slaNotices: SlaNotice[];
  sourceMessageId: string | null;
  source: string | null;
  sourceNumber: string | null;
  openedAt: Date;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  updatedAt: Date;
  version: number;
}

/** One audited field change: becomes a history row and part of the `updated` event. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** What a rule says happened, besides field changes; the service turns these into outbox events. */
export type DomainEvent =
  | { kind: 'created' }
  | { kind: 'stateChanged'; from: State; to: State; holdReason: HoldReason | null }
  | { kind: 'assigned'; fromGroup: string | null; toGroup: string | null; fromAssignee: string | null; toAssignee: string | null }
  | { kind: 'priorityChanged'; from: number; to: number; override: boolean }
  | { kind: 'resolved'; resolutionCode: string; resolutionNotes: string }
  | { kind: 'closed' }
  | { kind: 'cancelled'; reason?: string }
  | { kind: 'reopened'; reason?: string }
  | { kind: 'escalated'; escalation: EscalationKind; level: number; reason: string; toGroup: string | null; toUser: string | null }
  | { kind: 'majorDeclared' }
  | { kind: 'problemLinked'; problemId: string }
  | { kind: 'commented'; commentId: string; visibility: 'public' | 'internal'; firstResponse: boolean };

/** The result of every rule: the next state of the record, its field changes and its events. */
export interface Decision {
  next: Incident;
  changes: FieldChange[];
  events: DomainEvent[];
}
