/** The release record and the vocabulary of its rules. Pure data: no I/O here. */
import type { StageDefinition } from '@itsm/wf-release-deployment';

export const STATES = ['planned', 'scheduled', 'deploying', 'deployed', 'failed', 'rolled_back', 'aborted', 'cancelled'] as const;
export type State = (typeof STATES)[number];

export const RELEASE_TYPES = ['major', 'minor', 'emergency'] as const;
export type ReleaseType = (typeof RELEASE_TYPES)[number];

/** Where one stage of the release stands. */
export const STAGE_STATUSES = ['pending', 'deploying', 'completed', 'failed', 'rolled_back'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export interface Actor {
  id: string;
  name?: string;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'Release deployment' };

/** A change the release carries: id and number in the change service. */
export interface ChangeRef {
  id: string;
  number: string;
}

/** A stage: its definition (the workflow's) and its progress. */
export interface Stage extends StageDefinition {
  status: StageStatus;
  startedAt?: string;
  completedAt?: string;
  gateApprovedBy?: string;
  rolledBackAt?: string;
}

export interface Failure {
  code: string;
  message: string;
  stage?: string;
  by?: string;
}

export interface Release {
  id: string;
  number: string;
  name: string;
  version: string;
  description: string;
  type: ReleaseType;
  state: State;
  changes: ChangeRef[];
  stages: Stage[];
  windowStart: Date | null;
  windowEnd: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  /** Set when the deployment is requested. */
  workflowId: string | null;
  deployRequestedBy: string | null;
  deployStartedAt: Date | null;
  endedAt: Date | null;
  currentStage: string | null;
  failure: Failure | null;
  rolledBackStages: string[];
  cancelReason: string | null;
  recordVersion: number;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export type DomainEvent =
  | { kind: 'created' }
  | { kind: 'deploymentStarted' }
  | { kind: 'stageStarted'; stage: string }
  | { kind: 'gateApproved'; stage: string; approver: string }
  | { kind: 'stageCompleted'; stage: string }
  | { kind: 'deployed' }
  | { kind: 'failed'; stage: string | null; reason: string; code: string; stagesToRollBack: string[] }
  | { kind: 'rolledBack'; stages: string[] };

/** What a rule decides: the next record, the audited field changes, the events it implies. */
export interface Decision {
  next: Release;
  changes: FieldChange[];
  events: DomainEvent[];
}

export function decision(next: Release, changes: FieldChange[] = [], events: DomainEvent[] = []): Decision {
  return { next, changes, events };
}

/** A change as this service knows it from the change service's events (the read copy). */
export interface ChangeCopy {
  id: string;
  number: string;
  title: string;
  type: string;
  state: string;
  approvalStatus: string | null;
  revision: number | null;
  approvedRevision: number | null;
}
