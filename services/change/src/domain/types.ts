/** The request for change (RfC) and the vocabulary of its rules. Pure data: no I/O here. */

export const STATES = ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed', 'rejected', 'cancelled'] as const;
export type State = (typeof STATES)[number];

export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export const LEVELS = ['low', 'medium', 'high'] as const;
export type Level = (typeof LEVELS)[number];

export const OUTCOMES = ['successful', 'successful_with_issues', 'failed', 'backed_out'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Overall approval status of the RfC: of its latest round (C12), `none` before submission. */
export const APPROVAL_STATUSES = ['none', 'waiting', 'approved', 'rejected'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** States in which the change is still being worked (not closed, rejected or cancelled). */
export const OPEN_STATES: readonly State[] = ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review'];

/** Fields whose edit after submission is material: it raises the revision and opens a new voting round. */
export const MATERIAL_FIELDS = [
  'title',
  'description',
  'justification',
  'category',
  'ciIds',
  'impact',
  'implementationPlan',
  'backoutPlan',
  'testPlan',
  'plannedStart',
  'plannedEnd',
  'cabGroup',
] as const;
/** Fields that can be edited without a new approval (who works on it, links). */
export const PLAIN_FIELDS = ['owner', 'assignmentGroup', 'problemIds', 'incidentIds'] as const;
export type EditableField = (typeof MATERIAL_FIELDS)[number] | (typeof PLAIN_FIELDS)[number];

/** Who acts: a user from the token, or the service itself (consumers, workflow activities). */
export interface Actor {
  id: string;
  name?: string;
}

export const SYSTEM_ACTOR: Actor = { id: 'change-service', name: 'Change service' };

/** A conflict found for a planned window (see conflicts.ts). */
export type Conflict =
  | { kind: 'overlapping_change'; ciId: string; change: string; start: string; end: string }
  | { kind: 'outside_maintenance_window'; ciId: string }
  | { kind: 'freeze'; freeze: string; name: string; start: string; end: string };

export interface Change {
  id: string;
  number: string;
  title: string;
  description: string;
  justification: string;
  type: ChangeType;
  category: string | null;
  ciIds: string[];
  requestedBy: string;
  requestedByName: string | null;
  owner: string | null;
  assignmentGroup: string | null;
  impact: Level;
  risk: Level | null;
  riskReasons: string[];
  implementationPlan: string | null;
  backoutPlan: string | null;
  testPlan: string | null;
  plannedStart: Date | null;
  plannedEnd: Date | null;
  actualStart: Date | null;
  actualEnd: Date | null;
  problemIds: string[];
  incidentIds: string[];
  revision: number;
  state: State;
  approvalStatus: ApprovalStatus;
  /** The latest revision that was approved (the RfC may only proceed while it equals `revision`). */
  approvedRevision: number | null;
  approvalRound: number | null;
  /** CAB group name for medium/high risk (null: the default CAB). */
  cabGroup: string | null;
  templateId: string | null;
  outcome: Outcome | null;
  outcomeNotes: string | null;
  pir: string | null;
  /** Conflicts the change was scheduled with (emergency changes only). */
  scheduledConflicts: Conflict[];
  rejectionReason: string | null;
  cancelReason: string | null;
  sourceKey: string | null;
  submittedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  version: number;
}

/** One audited field change: becomes a history row and part of the `updated` event. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** What a rule says happened besides field changes; the service turns these into outbox events. */
export type DomainEvent =
  | { kind: 'created' }
  | { kind: 'submitted' }
  | { kind: 'revised'; fromRevision: number; fields: string[] }
  | { kind: 'scheduled'; conflicts: Conflict[] }
  | { kind: 'implementationStarted' }
  | { kind: 'implemented'; outcome: Outcome }
  | { kind: 'failed'; outcome: Outcome }
  | { kind: 'closed' }
  | { kind: 'cancelled'; reason?: string }
  | { kind: 'approved'; round?: number }
  | { kind: 'rejected'; round?: number; reason?: string };

/** The result of every rule: the next state of the record, its field changes and its events. */
export interface Decision {
  next: Change;
  changes: FieldChange[];
  events: DomainEvent[];
}
