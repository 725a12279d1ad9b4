/** The parts of the services' answers the demo reads (the full shapes are in each service's OpenAPI document). */

export interface IncidentView {
  id: string;
  number: string;
  title: string;
  state: string;
  holdReason: string | null;
  priority: number;
  problemId: string | null;
  assignmentGroup: string | null;
  assignee: string | null;
  resolutionCode: string | null;
  version: number;
}

export interface CommentView {
  visibility: string;
  body: string;
  authorId: string;
}

export interface ProblemView {
  id: string;
  number: string;
  title: string;
  state: string;
  candidate: boolean;
  knownError: boolean;
  ciIds: string[];
  rootCause: string | null;
  workaround: string | null;
  resolutionCode: string | null;
  fix: { changeId: string | null; changeNumber: string | null };
}

export interface LinkedIncidentView {
  number: string;
  state: string;
}

export interface RoundSummaryView {
  round: number;
  route: string;
  group: string;
  approvers: string[];
  policy: { mode: string; percent?: number };
  deadline: string;
  closed?: string;
}

export interface ApprovalLiveView {
  phase: string;
  risk?: { risk: string; reasons: string[] };
  route?: string;
  current?: RoundSummaryView;
  status: string;
  waitingFor: string[];
}

export interface ChangeView {
  id: string;
  number: string;
  title: string;
  state: string;
  risk: string | null;
  riskReasons: string[];
  outcome: string | null;
  problemIds: string[];
  plannedStart: string | null;
  plannedEnd: string | null;
  approval: { status: string; approvedRevision: number | null; round: number | null; workflowId: string; workflowUiUrl: string; live?: ApprovalLiveView | null };
  revision: number;
}

export interface TallyView {
  round: number;
  approvers: number;
  approvals: number;
  rejections: number;
  status: 'waiting' | 'approved' | 'rejected';
  awaiting: string[];
  policy: unknown;
}

export interface ReleaseView {
  id: string;
  number: string;
  name: string;
  state: string;
  stages: Array<{ name: string; status: string }>;
  failure: { code: string; message: string; stage?: string } | null;
  deployment: { workflowId: string | null; workflowUrl: string | null };
}

export interface DeploymentView {
  releaseNumber: string;
  state: string;
  workflowId: string | null;
  workflowUrl: string | null;
  progress: {
    state: string;
    currentStage?: string;
    waitingFor?: { kind: string; description?: string; stage?: string };
    completedStages: string[];
    failure?: { code: string; message: string };
  } | null;
}

export interface ClockView {
  id: string;
  ticket: { number: string };
  kind: 'sla' | 'ola';
  target: 'response' | 'resolution';
  definition: { id: string; name: string };
  workflowId: string;
  status: string;
  priority: number | null;
  targetMs: number | null;
  targetDuration: string | null;
  dueAt: string | null;
  elapsedMs: number;
  pausedMs: number;
  stoppedAt: string | null;
}

export interface SlaDefinitionView {
  id: string;
  name: string;
  kind: 'sla' | 'ola';
  active: boolean;
  targets: Array<{ priority: number; response: string | null; resolution: string | null }>;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
