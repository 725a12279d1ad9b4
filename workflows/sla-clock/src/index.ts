export type {
  BreachAction,
  ClockCalendar,
  ClockDefinition,
  ClockFact,
  ClockKind,
  ClockStatusView,
  FactsInput,
  RecomputeInput,
  SlaClockInput,
  SlaClockResult,
  TicketRef,
} from './definitions';
export {
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
  WORKFLOW_TYPE,
  workflowIdFor,
} from './definitions';
export { evaluateClock, OUTSIDE_GROUP_STATE, slaDefinitionOf, timelineFor } from './clock';
export type { EvaluateInput } from './clock';
export type { BreachRecord, ClockFactRecord, ProgressRecord, SlaClockActivities, WarningRecord } from './activities';
export {
  clockWorkflowId,
  queryClock,
  recomputeClock,
  sendFacts,
  signalWithStartClock,
  startOptionsFor,
  staticDetailsFor,
  staticSummaryFor,
} from './client';
export type { SlaClockClientOptions } from './client';
export { currentDetails, formatDuration, progressRecordOf, progressSignature, utcText } from './workflows/clock-view';

/** Path of the workflow bundle entry, for `Worker.create({ workflowsPath })` or `bundleWorkflowCode`. */
export const workflowsPath: string = require.resolve('./workflows');
