export type {
  BreachAction,
  ClockCalendar,
  ClockDefinition,
  ClockFact,
  ClockKind,
  ClockSpec,
  ClockStatusView,
  FactsInput,
  RecomputeInput,
  SlaClockInput,
  SlaClockResult,
  SlaTicketInput,
  SlaTicketResult,
  TicketRef,
  TicketStatusView,
  TicketUpdate,
} from './definitions';
export {
  clockQuery,
  clockTargetKey,
  factKeys,
  factsSignal,
  pauseSignal,
  priorityChangedSignal,
  RECORD_TYPE,
  recomputeSignal,
  reopenSignal,
  resumeSignal,
  statusQuery,
  stopSignal,
  TASK_QUEUE,
  updateSignal,
  WORKFLOW_TYPE,
  workflowIdFor,
} from './definitions';
export { evaluateClock, OUTSIDE_GROUP_STATE, slaDefinitionOf, timelineFor } from './clock';
export type { EvaluateInput } from './clock';
export type { BreachRecord, ClockFactRecord, ProgressRecord, SlaClockActivities, WarningRecord } from './activities';
export { clockWorkflowId, sendClockChanges, startOptionsFor, staticDetailsFor, staticSummaryFor, ticketCall } from './client';
export type { ClockChange, SlaClockClientOptions } from './client';
export { currentDetails, formatDuration, progressRecordOf, progressSignature, utcText } from './workflows/clock-view';

/** Path of the workflow bundle entry, for `Worker.create({ workflowsPath })` or `bundleWorkflowCode`. */
export const workflowsPath: string = require.resolve('./workflows');
