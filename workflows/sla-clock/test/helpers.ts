/** Shared test helpers: inputs, recording mock activities, polling, search attributes. */
import { calendar24x7, type Calendar } from '@itsm/business-time';
import { testEnv } from '@itsm/testing';
import type { BreachRecord, ClockFactRecord, ProgressRecord, SlaClockActivities, WarningRecord } from '../src/activities';
import type { ClockCalendar, ClockDefinition, ClockFact, SlaClockInput } from '../src/definitions';

export const TEST_SERVER_PATH = testEnv.temporalTestServerPath;

export const MIN = 60_000;
export const H = 3_600_000;

let counter = 0;
export function uniqueTicket(): string {
  counter += 1;
  return `INC${Date.now().toString(36).toUpperCase()}${process.pid}${String(counter).padStart(3, '0')}`;
}

export const cal24: ClockCalendar = { id: 'cal-24x7', name: '24x7', version: 1, calendar: calendar24x7('UTC') };

export function businessCalendar(version = 1, calendar?: Calendar): ClockCalendar {
  const day = [{ start: '09:00', end: '17:00' }];
  return {
    id: 'cal-office',
    name: 'Office',
    version,
    calendar: calendar ?? { timeZone: 'UTC', mode: 'business', week: { mon: day, tue: day, wed: day, thu: day, fri: day }, holidays: [] },
  };
}

export function definition(overrides: Partial<ClockDefinition> = {}): ClockDefinition {
  return {
    id: 'def-1',
    name: 'Test SLA',
    version: 1,
    kind: 'sla',
    target: 'resolution',
    durationsByPriority: { '1': 1 * H, '2': 2 * H, '3': 4 * H },
    pauseStates: ['on_hold', 'resolved', 'closed'],
    warningThresholds: [50, 75, 90],
    breachAction: { escalate: 'functional', toGroup: 'major-incident-team' },
    ...overrides,
  };
}

let factCounter = 0;
export function fact(at: number, kind: ClockFact['kind'], extra: Partial<ClockFact> = {}): ClockFact {
  factCounter += 1;
  return { id: `f${factCounter}`, at, kind, ...extra };
}

export function clockInput(timeline: ClockFact[], overrides: Partial<SlaClockInput> = {}): SlaClockInput {
  const ticketNumber = uniqueTicket();
  const def = overrides.definition ?? definition();
  return {
    clockId: `${ticketNumber}:${def.target}`,
    ticket: { ticketType: 'incident', ticketId: `id-${ticketNumber}`, ticketNumber },
    definition: def,
    calendar: cal24,
    timeline,
    ...overrides,
  };
}

export type Call =
  | { name: 'recordWarning'; input: WarningRecord }
  | { name: 'recordBreach'; input: BreachRecord }
  | { name: 'recordMet'; input: ClockFactRecord }
  | { name: 'recordProgress'; input: ProgressRecord };

/** Mock activities that record their calls; `failFirst` makes the first call of each fact fail once (a retry). */
export function mockActivities(opts: { failFirst?: boolean } = {}) {
  const calls: Call[] = [];
  const failed = new Set<string>();
  const maybeFail = (key: string) => {
    if (opts.failFirst && !failed.has(key)) {
      failed.add(key);
      throw new Error(`transient failure recording ${key}`);
    }
  };
  const activities: SlaClockActivities = {
    async recordWarning(input) {
      maybeFail(input.factKey);
      calls.push({ name: 'recordWarning', input });
      return true;
    },
    async recordBreach(input) {
      maybeFail(input.factKey);
      calls.push({ name: 'recordBreach', input });
      return true;
    },
    async recordMet(input) {
      maybeFail(input.factKey);
      calls.push({ name: 'recordMet', input });
      return true;
    },
    async recordProgress(input) {
      calls.push({ name: 'recordProgress', input });
    },
  };
  /** Recorded facts (warnings, breach, met) as `warning:50@<iso>` strings. */
  const facts = () =>
    calls
      .filter((c) => c.name !== 'recordProgress')
      .map((c) => {
        const i = c.input as ClockFactRecord & { threshold?: number };
        const what = c.name === 'recordWarning' ? `warning:${i.threshold}` : c.name === 'recordBreach' ? 'breached' : 'met';
        return `${what}@${i.at}${i.historical ? ' (historical)' : ''}`;
      });
  return { activities, calls, facts };
}

/** Polls `probe` (real time) until it returns a truthy value. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) throw new Error(`condition not met in ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { registerSearchAttributes } from '@itsm/testing/temporal';
