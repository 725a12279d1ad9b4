import { join } from 'node:path';
import { incidentService } from '@itsm/incident-service';
import { newInstance, startTestService, type RunningService, type ServiceDefinition } from '@itsm/runtime';
import { EventLogFormatError, parseLogDate, readEventLog, REQUIRED_COLUMNS } from '../src/replay/csv';
import { DATASET_MATRIX, mapIncident, type TimelineEntry } from '../src/replay/mapping';
import { apiClient, localToken } from '../src/replay/http';
import { replay } from '../src/replay/run';
import { verdictOf, type ClockView } from '../src/replay/sla';

const DATASET = join(__dirname, '../../../../shared/datasets/servicenow-incident-event-log.csv');
const HEADER = REQUIRED_COLUMNS.join(',');

type Row = Partial<Record<(typeof REQUIRED_COLUMNS)[number], string>>;
const BASE: Row = {
  number: 'INC0000001',
  incident_state: 'New',
  sys_mod_count: '0',
  made_sla: 'TRUE',
  caller_id: 'Caller 1',
  opened_by: 'Opened by 1',
  opened_at: '01-03-2016 09:00',
  sys_updated_by: 'Updated by 1',
  sys_updated_at: '01-03-2016 09:05',
  contact_type: 'Phone',
  location: 'Location 1',
  category: 'Category 1',
  subcategory: 'Subcategory 1',
  u_symptom: 'Symptom 1',
  cmdb_ci: '?',
  impact: '2 - Medium',
  urgency: '2 - Medium',
  priority: '3 - Moderate',
  assignment_group: 'Group 1',
  assigned_to: '?',
  knowledge: 'FALSE',
  problem_id: '?',
  rfc: '?',
  caused_by: '?',
  closed_code: 'code 6',
  resolved_by: 'Resolved by 1',
  resolved_at: '01-03-2016 12:00',
  closed_at: '06-03-2016 12:00',
};

/** A CSV text from rows that override the base row. */
const csv = (...rows: Row[]) => [HEADER, ...rows.map((r) => REQUIRED_COLUMNS.map((c) => ({ ...BASE, ...r })[c]).join(','))].join('\n') + '\n';

async function mapOne(text: string) {
  const log = await readEventLog({ text });
  const [[number, rows]] = [...log.incidents];
  return { log, ...mapIncident(number!, rows!, { source: 'test', matrix: DATASET_MATRIX }) };
}
const states = (t: TimelineEntry[]) => t.filter((e) => e.kind === 'state').map((e) => (e.holdReason ? `${e.state}:${e.holdReason}` : e.state));

describe('CSV mapping', () => {
  it('parses DD-MM-YYYY HH:MM as UTC and refuses impossible dates', () => {
    expect(parseLogDate('29-02-2016 01:16')?.toISOString()).toBe('2016-02-29T01:16:00.000Z');
    expect(parseLogDate('30-02-2016 01:16')).toBeUndefined();
    expect(parseLogDate('2016-02-29 01:16')).toBeUndefined();
    expect(parseLogDate('29-02-2016 24:00')).toBeUndefined();
  });

  it('maps the states at their update times, Active to In Progress, and the log fields onto the record', async () => {
    const { incident, rejected } = await mapOne(
      csv(
        { sys_mod_count: '0' },
        { sys_mod_count: '1', incident_state: 'Active', sys_updated_at: '01-03-2016 09:30', assigned_to: 'Resolver 7' },
        { sys_mod_count: '2', incident_state: 'Resolved', sys_updated_at: '01-03-2016 12:00', assigned_to: 'Resolver 7' },
        { sys_mod_count: '3', incident_state: 'Closed', sys_updated_at: '06-03-2016 12:00', assigned_to: 'Resolver 7', problem_id: 'Problem ID 5', cmdb_ci: 'CI 9' },
      ),
    );
    expect(rejected).toEqual([]);
    const b = incident!.body;
    expect(b.openedAt).toBe('2016-03-01T09:00:00.000Z');
    expect(b.timeline.filter((e) => e.kind === 'state').map((e) => [e.state, e.at])).toEqual([
      ['in_progress', '2016-03-01T09:30:00.000Z'],
      ['resolved', '2016-03-01T12:00:00.000Z'],
      ['closed', '2016-03-06T12:00:00.000Z'],
    ]);
    expect(b).toMatchObject({ sourceNumber: 'INC0000001', callerId: 'Caller 1', contactType: 'phone', ciId: 'CI 9', problemId: 'Problem ID 5', resolutionCode: 'code 6', impact: 2, urgency: 2, madeSla: true });
    expect(incident!.logPriority).toBe(3);
  });

  it('maps every waiting state to On Hold with its reason, and back to In Progress', async () => {
    const { incident } = await mapOne(
      csv(
        { sys_mod_count: '0', incident_state: 'Active' },
        { sys_mod_count: '1', incident_state: 'Awaiting User Info', sys_updated_at: '01-03-2016 10:00' },
        { sys_mod_count: '2', incident_state: 'Awaiting Evidence', sys_updated_at: '01-03-2016 10:10' },
        { sys_mod_count: '3', incident_state: 'Awaiting Vendor', sys_updated_at: '01-03-2016 10:20' },
        { sys_mod_count: '4', incident_state: 'Awaiting Problem', sys_updated_at: '01-03-2016 10:30' },
        { sys_mod_count: '5', incident_state: 'Active', sys_updated_at: '01-03-2016 10:40' },
      ),
    );
    expect(states(incident!.body.timeline)).toEqual([
      'in_progress',
      'on_hold:awaiting_caller',
      'on_hold:awaiting_evidence',
      'on_hold:awaiting_vendor',
      'on_hold:awaiting_problem',
      'in_progress',
    ]);
    expect(incident!.body.resolutionCode).toBeNull();
  });

  it('records reassignments of group and person, in sys_mod_count order whatever the file order', async () => {
    const { incident } = await mapOne(
      csv(
        { sys_mod_count: '2', sys_updated_at: '01-03-2016 11:00', assignment_group: 'Group 2', assigned_to: 'Resolver 3' },
        { sys_mod_count: '0', assignment_group: 'Group 1', assigned_to: '?' },
        { sys_mod_count: '1', sys_updated_at: '01-03-2016 10:00', assignment_group: 'Group 1', assigned_to: 'Resolver 1' },
        { sys_mod_count: '3', sys_updated_at: '01-03-2016 12:00', assignment_group: 'Group 2', assigned_to: 'Resolver 3' },
      ),
    );
    expect(incident!.body.timeline.filter((e) => e.kind === 'assignment').map((e) => [e.at.slice(11, 16), e.assignmentGroup, e.assignee])).toEqual([
      ['09:05', 'Group 1', null],
      ['10:00', 'Group 1', 'Resolver 1'],
      ['11:00', 'Group 2', 'Resolver 3'],
    ]);
  });

  it('records a priority change from impact and urgency through the matrix, and keeps the final impact and urgency', async () => {
    const { incident } = await mapOne(
      csv(
        { sys_mod_count: '0', impact: '3 - Low', urgency: '3 - Low', priority: '4 - Low' },
        { sys_mod_count: '1', sys_updated_at: '01-03-2016 10:00', impact: '1 - High', urgency: '2 - Medium', priority: '2 - High' },
      ),
    );
    expect(incident!.body.timeline.filter((e) => e.kind === 'priority').map((e) => [e.at.slice(11, 16), e.priority])).toEqual([
      ['09:05', 4],
      ['10:00', 2],
    ]);
    expect(incident!.body).toMatchObject({ impact: 1, urgency: 2 });
    expect(incident!.logPriority).toBe(2);
  });

  it('records problem links, changes and unlinks at their update times, in sys_mod_count order, with the final problem on the record', async () => {
    const { incident, rejected } = await mapOne(
      csv(
        { sys_mod_count: '3', sys_updated_at: '01-03-2016 12:00', problem_id: '?', sys_updated_by: 'Updated by 4' },
        { sys_mod_count: '0', problem_id: 'Problem ID  20' },
        { sys_mod_count: '1', sys_updated_at: '01-03-2016 10:00', problem_id: 'Problem ID  19', sys_updated_by: 'Updated by 2' },
        { sys_mod_count: '2', sys_updated_at: '01-03-2016 11:00', problem_id: 'Problem ID  19' },
        { sys_mod_count: '4', sys_updated_at: '01-03-2016 13:00', problem_id: 'Problem ID  20' },
      ),
    );
    expect(rejected).toEqual([]);
    expect(incident!.body.timeline.filter((e) => e.kind === 'problem').map((e) => [e.at.slice(11, 16), e.problemId, e.by])).toEqual([
      ['09:05', 'Problem ID  20', 'Updated by 1'],
      ['10:00', 'Problem ID  19', 'Updated by 2'],
      ['12:00', null, 'Updated by 4'],
      ['13:00', 'Problem ID  20', 'Updated by 1'],
    ]);
    expect(incident!.body.problemId).toBe('Problem ID  20');
  });

  it('sends no problem entry for an incident never linked to a problem', async () => {
    const { incident } = await mapOne(csv({ sys_mod_count: '0' }, { sys_mod_count: '1', incident_state: 'Active', sys_updated_at: '01-03-2016 10:00' }));
    expect(incident!.body.timeline.filter((e) => e.kind === 'problem')).toEqual([]);
    expect(incident!.body.problemId).toBeNull();
  });

  it('records category, subcategory, symptom and location as they change, only the changed ones, with the final values on the record', async () => {
    const { incident } = await mapOne(
      csv(
        { sys_mod_count: '0', location: '?' },
        { sys_mod_count: '1', sys_updated_at: '01-03-2016 10:00', location: '?', assigned_to: 'Resolver 1' },
        { sys_mod_count: '2', sys_updated_at: '01-03-2016 11:00', category: 'Category 2', u_symptom: 'Symptom 9', location: 'Location 4', sys_updated_by: 'Updated by 2' },
        { sys_mod_count: '3', sys_updated_at: '01-03-2016 12:00', category: 'Category 2', subcategory: 'Subcategory 3', u_symptom: '?', location: 'Location 4' },
      ),
    );
    const b = incident!.body;
    expect(b.timeline.filter((e) => e.kind === 'fields').map(({ kind: _kind, ...e }) => e)).toEqual([
      { at: '2016-03-01T09:05:00.000Z', category: 'Category 1', subcategory: 'Subcategory 1', symptom: 'Symptom 1', by: 'Updated by 1' },
      { at: '2016-03-01T11:00:00.000Z', category: 'Category 2', symptom: 'Symptom 9', location: 'Location 4', by: 'Updated by 2' },
      { at: '2016-03-01T12:00:00.000Z', subcategory: 'Subcategory 3', symptom: null, by: 'Updated by 1' },
    ]);
    expect(b).toMatchObject({ category: 'Category 2', subcategory: 'Subcategory 3', symptom: null, location: 'Location 4' });
  });

  it('rejects a row with a bad date, naming the column and the value, and keeps the others', async () => {
    const { incident, rejected } = await mapOne(
      csv({ sys_mod_count: '0' }, { sys_mod_count: '1', incident_state: 'Active', sys_updated_at: '31-02-2016 10:00' }, { sys_mod_count: '2', incident_state: 'Resolved', sys_updated_at: '01-03-2016 11:00' }),
    );
    expect(rejected).toEqual([{ line: 3, number: 'INC0000001', reason: "sys_updated_at '31-02-2016 10:00' is not a DD-MM-YYYY HH:MM date" }]);
    expect(states(incident!.body.timeline)).toEqual(['resolved']);
  });

  it('rejects unknown states and levels with their reason, and a row written out of sequence', async () => {
    const { rejected, incident } = await mapOne(
      csv(
        { sys_mod_count: '0' },
        { sys_mod_count: '1', incident_state: 'Parked', sys_updated_at: '01-03-2016 10:00' },
        { sys_mod_count: '2', impact: '7 - Huge', sys_updated_at: '01-03-2016 10:00' },
        { sys_mod_count: '3', incident_state: 'Active', sys_updated_at: '01-03-2016 11:00' },
        { sys_mod_count: '4', incident_state: 'Active', sys_updated_at: '01-03-2016 10:30' },
        { sys_mod_count: '5', incident_state: 'Resolved', sys_updated_at: '01-03-2016 12:00' },
      ),
    );
    expect(rejected.map((r) => [r.line, r.reason.split(' ').slice(0, 2).join(' ')])).toEqual([
      [3, "incident_state 'Parked'"],
      [4, "impact '7"],
      [6, 'out of'],
    ]);
    expect(incident!.lines).toEqual([2, 5, 7]);
  });

  it('refuses a file without a needed column with a message naming it', async () => {
    const text = csv({}).replace('u_symptom', 'symptom');
    await expect(readEventLog({ text })).rejects.toThrow(EventLogFormatError);
    await expect(readEventLog({ text })).rejects.toThrow(/lacks the column u_symptom/);
  });

  it('rejects a row without a number and a short row instead of dropping them', async () => {
    const log = await readEventLog({ text: csv({ number: '?' }, {}) + 'INC0000002,New\n' });
    expect(log.rows).toBe(3);
    expect(log.rejected.map((r) => r.reason)).toEqual(['number is empty', expect.stringMatching(/^row has fewer fields than the header/)]);
    expect([...log.incidents.keys()]).toEqual(['INC0000001']);
  });

  it("judges an incident breached when any SLA clock breached, met when all are met", () => {
    const c = (target: 'response' | 'resolution', status: string): ClockView => ({ id: target, kind: 'sla', target, status, priority: 3, group: null, definition: { id: 'd' } });
    expect(verdictOf([c('response', 'met'), c('resolution', 'met')])).toBe('met');
    expect(verdictOf([c('response', 'breached'), c('resolution', 'met')])).toBe('breached');
    expect(verdictOf([c('response', 'met'), c('resolution', 'running')])).toBe('open');
  });
});

describe('replay of the real log (first 60 incidents) through the Incident service', () => {
  let incident: RunningService;
  let sla: RunningService | undefined;
  beforeAll(async () => {
    const instance = newInstance();
    let slaDef: ServiceDefinition | undefined;
    try {
      slaDef = (require('@itsm/sla-service') as { slaService: ServiceDefinition }).slaService;
    } catch {
      slaDef = undefined; // the SLA service is not built: the replay runs without its report
    }
    [incident, sla] = await Promise.all([startTestService(incidentService, { instance }), slaDef ? startTestService(slaDef, { instance }) : undefined]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([incident?.stop(), sla?.stop()]);
  });

  it('imports every incident with its events and agrees on every priority; a partial run resumes and a second run imports nothing twice; the SLA service reports', async () => {
    // a first run cut short after 20 incidents, with the SLA report over them (the SLA service is the slow part)
    const partial = await replay({ input: { path: DATASET }, incidentUrl: incident.url, slaUrl: sla?.url ?? null, limit: 20, concurrency: 8, slaTimeoutMs: 90_000 });
    expect(partial.imported).toBe(20);
    if (sla) {
      expect(partial.sla?.skipped).toBeUndefined();
      expect(partial.sla?.withoutClocks).toEqual([]);
      expect(partial.sla?.withClocks).toBe(20);
      expect(partial.sla?.byPriority.reduce((n, r) => n + r.clocks.total, 0)).toBeGreaterThanOrEqual(20);
      expect(partial.sla?.byGroup.length).toBeGreaterThan(0);
      expect(partial.sla?.madeSla?.compared).toBeGreaterThan(0);
    }

    const first = await replay({ input: { path: DATASET }, incidentUrl: incident.url, slaUrl: null, limit: 60, concurrency: 8 });
    expect(first.attempted).toBe(60);
    expect(first.imported).toBe(40);
    expect(first.alreadyPresent).toBe(20);
    expect(first.refused).toEqual([]);
    expect(partial.eventsImported + first.eventsImported).toBeGreaterThan(60 * 3);
    expect(first.priority).toEqual({ compared: 60, agree: 60, disagreements: [] });

    // the whole timeline, problem links and category changes included, is in the history at the log's times
    const api = apiClient(await localToken('replay-test', ['agent']));
    const historyOf = async (sourceNumber: string, field: string) => {
      const res = await api.request<{ items: { at: string; field: string; from: unknown; to: unknown }[] }>('GET', `${incident.url}/api/v1/incidents/${first.numbers.get(sourceNumber)}/history`);
      return res.body.items.filter((h) => h.field === field).map((h) => [h.at, h.from, h.to]);
    };
    expect(await historyOf('INC0000092', 'problemId')).toEqual([['2016-02-29T10:07:00.000Z', null, 'Problem ID  2']]);
    expect((await historyOf('INC0000079', 'category')).map((r) => r[2])).toEqual(['Category 8', 'Category 55']);

    const second = await replay({ input: { path: DATASET }, incidentUrl: incident.url, slaUrl: null, limit: 60, concurrency: 8 });
    expect(second.imported).toBe(0);
    expect(second.eventsImported).toBe(0);
    expect(second.alreadyPresent).toBe(60);
    expect(second.numbers).toEqual(first.numbers);
    expect(second.priority.agree).toBe(60);
  }, 150_000);
});
