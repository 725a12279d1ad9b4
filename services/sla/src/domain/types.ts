import type { Calendar, CalendarMode, WeekSchedule } from '@itsm/business-time';
import type { BreachAction, ClockKind } from '@itsm/wf-sla-clock';

export interface CalendarRecord {
  id: string;
  name: string;
  description: string;
  timeZone: string;
  mode: CalendarMode;
  week: WeekSchedule;
  holidays: string[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const toCalendar = (c: Pick<CalendarRecord, 'timeZone' | 'mode' | 'week' | 'holidays'>): Calendar => ({
  timeZone: c.timeZone,
  mode: c.mode,
  week: c.week,
  holidays: c.holidays,
});

/** Business ms per target for one priority (null: no such target for it). */
export interface TargetSpec {
  priority: number;
  responseMs: number | null;
  resolutionMs: number | null;
}

/** Which tickets a definition applies to, besides its priorities (null or absent: any). */
export interface DefinitionMatch {
  category?: string | null;
  ciId?: string | null;
  service?: string | null;
  assignmentGroup?: string | null;
}

export interface DefinitionRecord {
  id: string;
  name: string;
  description: string;
  kind: ClockKind;
  active: boolean;
  match: DefinitionMatch;
  targets: TargetSpec[];
  calendarId: string;
  pauseStates: string[];
  warningThresholds: number[];
  breachAction: BreachAction;
  /** lower wins among equally specific definitions */
  rank: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The SLA service's read copy of a ticket (from the incident events). */
export interface TicketRecord {
  number: string;
  id: string;
  type: string;
  callerId: string | null;
  state: string;
  priority: number | null;
  category: string | null;
  ciId: string | null;
  service: string | null;
  assignmentGroup: string | null;
  assignee: string | null;
  openedAt: Date;
  importedAt: Date | null;
  version: number | null;
}
