export {
  WEEKDAYS,
  InvalidCalendarError,
  validateCalendar,
  assertValidCalendar,
  calendar24x7,
  isValidTimeZone,
} from './calendar';
export type { Weekday, WorkingInterval, WeekSchedule, CalendarMode, Calendar, CalendarIssue } from './calendar';
export { CompiledCalendar, compileCalendar, isCompiledCalendar, MINUTE_MS, HOUR_MS, DAY_MS } from './compiled';
export type { CalendarLike } from './compiled';
export { addBusinessDuration, businessDurationBetween, nextWorkingInstant, isWorkingInstant } from './arithmetic';
export { parseInstant, formatInstant, formatLocal } from './iso';
export { computeSlaClock } from './sla-clock';
export { DEFAULT_WARNING_THRESHOLDS } from './sla-types';
export type {
  TimelineEventKind,
  TimelineEvent,
  SlaTarget,
  TargetResolver,
  SlaDefinition,
  SlaClockInput,
  SlaStatus,
  ClockState,
  SlaWarning,
  SlaClock,
} from './sla-types';
