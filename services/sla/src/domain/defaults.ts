/**
 * Default data (seeded by a migration; admins change it through the API):
 *
 * Calendars
 * - `24x7`: real elapsed time (UTC).
 * - `business-hours`: Monday to Friday 09:00–17:00, Europe/London, no holidays.
 *
 * Definitions (incidents; pause in on_hold, resolved, closed; warnings at 50, 75, 90 %)
 * - `incident-urgent` on 24x7, breach escalates hierarchically:
 *   P1 critical: respond 15 min, resolve 4 h; P2 high: respond 30 min, resolve 8 h.
 * - `incident-standard` on business hours, breach escalates hierarchically:
 *   P3 moderate: respond 4 bh, resolve 16 bh (2 business days);
 *   P4 low: respond 8 bh, resolve 40 bh (a business week);
 *   P5 planning: respond 16 bh, resolve 80 bh.
 */
const H = 3_600_000;
const MIN = 60_000;
const day = [{ start: '09:00', end: '17:00' }];

export const DEFAULT_PAUSE_STATES = ['on_hold', 'resolved', 'closed'];
export const DEFAULT_WARNING_THRESHOLDS = [50, 75, 90];

export const DEFAULT_CALENDARS = [
  { id: '24x7', name: '24x7', description: 'Real elapsed time, every day, all day', time_zone: 'UTC', mode: '24x7', week: {}, holidays: [] as string[] },
  {
    id: 'business-hours',
    name: 'Business hours',
    description: 'Monday to Friday 09:00-17:00 London time',
    time_zone: 'Europe/London',
    mode: 'business',
    week: { mon: day, tue: day, wed: day, thu: day, fri: day },
    holidays: [] as string[],
  },
];

export const DEFAULT_DEFINITIONS = [
  {
    id: 'incident-urgent',
    name: 'Incident SLA: P1 critical and P2 high (24x7)',
    description: 'Critical and high incidents are worked around the clock.',
    kind: 'sla',
    match: {},
    targets: [
      { priority: 1, responseMs: 15 * MIN, resolutionMs: 4 * H },
      { priority: 2, responseMs: 30 * MIN, resolutionMs: 8 * H },
    ],
    calendar_id: '24x7',
    pause_states: DEFAULT_PAUSE_STATES,
    warning_thresholds: DEFAULT_WARNING_THRESHOLDS,
    breach_action: { escalate: 'hierarchical' },
    rank: 1000,
  },
  {
    id: 'incident-standard',
    name: 'Incident SLA: P3 to P5 (business hours)',
    description: 'Moderate, low and planning incidents are worked in business hours.',
    kind: 'sla',
    match: {},
    targets: [
      { priority: 3, responseMs: 4 * H, resolutionMs: 16 * H },
      { priority: 4, responseMs: 8 * H, resolutionMs: 40 * H },
      { priority: 5, responseMs: 16 * H, resolutionMs: 80 * H },
    ],
    calendar_id: 'business-hours',
    pause_states: DEFAULT_PAUSE_STATES,
    warning_thresholds: DEFAULT_WARNING_THRESHOLDS,
    breach_action: { escalate: 'hierarchical' },
    rank: 1000,
  },
];
