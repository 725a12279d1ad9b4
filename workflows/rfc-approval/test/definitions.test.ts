import type { Client } from '@temporalio/client';
import { inputIssues, reviseIssues, TASK_QUEUE, workflowIdFor } from '../src/definitions';
import { approvalHandle, RfcApprovalError, startRfcApproval } from '../src/client';
import { startOptionsFor } from '../src/start-options';
import { rfcInput } from './helpers';

describe('definitions', () => {
  it('derives the workflow id from the RfC number', () => {
    expect(workflowIdFor('CHG0001234')).toBe('rfc-approval:CHG0001234');
    expect(TASK_QUEUE).toBe('change');
  });

  it('accepts a complete input', () => {
    expect(inputIssues(rfcInput())).toEqual([]);
  });

  it.each([
    ['an emergency change without an ECAB', { changeType: 'emergency' as const, ecab: undefined }, 'ecab is required'],
    ['an empty CAB', { cab: { name: 'CAB', members: [], policy: { mode: 'ALL' as const } } }, 'cab.members needs at least one member'],
    ['a fractional percentage', { cab: { name: 'CAB', members: ['a'], policy: { mode: 'PERCENT' as const, percent: 33.3 } } }, 'cab.policy: percent must be an integer from 1 to 100'],
    ['no change manager', { changeManagers: [] }, 'changeManagers needs at least one member'],
    ['an unreadable duration', { timing: { votingPeriod: 'soon' as unknown as number } }, "timing.votingPeriod must be a positive duration ('5 days', '4h' or milliseconds)"],
    ['revision 0', { revision: 0 }, 'revision must be a positive integer'],
  ])('names the problem with %s', (_name, overrides, issue) => {
    expect(inputIssues(rfcInput(overrides))).toContain(issue);
  });

  it('checks revise signals', () => {
    expect(reviseIssues({ revision: 2 })).toEqual([]);
    expect(reviseIssues({ revision: 1.5 })).toEqual(['revision must be a positive integer']);
    expect(reviseIssues({ revision: 2, cab: { name: 'CAB', members: [], policy: { mode: 'ANY' } } })).toHaveLength(1);
  });

  it('refuses to start an invalid input with a 422 error, before calling the server', async () => {
    const client = {} as Client;
    await expect(startRfcApproval(client, rfcInput({ changeManagers: [] }))).rejects.toMatchObject({
      name: 'RfcApprovalError',
      code: 'INVALID_APPROVAL_INPUT',
      status: 422,
    });
    await expect(startRfcApproval(client, rfcInput({ changeManagers: [] }))).rejects.toBeInstanceOf(RfcApprovalError);
  });

  it('starts with the RfC search attributes, a one-line summary and markdown details', () => {
    const input = rfcInput({ rfcNumber: 'CHG0000007', title: 'Patch\n  the   database', cab: { name: 'Infra CAB', members: ['a', 'b'], policy: { mode: 'PERCENT', percent: 75 } } });
    const options = startOptionsFor(input);
    expect(options.workflowId).toBe('rfc-approval:CHG0000007');
    expect(options.taskQueue).toBe('change');
    expect(options.typedSearchAttributes.map((p) => [p.key.name, p.value])).toEqual([
      ['ItsmRecordId', 'CHG0000007'],
      ['ItsmRecordType', 'change'],
      ['ItsmChangeType', 'normal'],
      ['ItsmState', 'assessing'],
      ['ItsmInstance', 'default'],
    ]);
    expect(options.staticSummary).toBe('CHG0000007 · normal change · revision 1 · Patch the database');
    expect(options.staticDetails).toContain('- Infra CAB (medium/high risk): a, b; policy 75%');
    expect(options.staticDetails).toContain('- ECAB (emergency): erin, frank; policy ANY');
    expect(options.staticDetails).toContain('When the deadline passes: escalate and keep waiting');
    expect(startOptionsFor({ ...input, title: 'x'.repeat(500) }).staticSummary.length).toBeLessThanOrEqual(200);
  });

  it('prefixes the workflow id and the task queue of a platform instance', () => {
    const options = startOptionsFor(rfcInput({ rfcNumber: 'CHG0000008' }), 't1-change', 't1-');
    expect(options.workflowId).toBe('t1-rfc-approval:CHG0000008');
    expect(options.taskQueue).toBe('t1-change');
    const client = { workflow: { getHandle: (id: string) => ({ workflowId: id }) } } as unknown as Client;
    expect(approvalHandle(client, 'CHG0000008', { workflowIdPrefix: 't1-' }).workflowId).toBe('t1-rfc-approval:CHG0000008');
    expect(approvalHandle(client, 'CHG0000008').workflowId).toBe('rfc-approval:CHG0000008');
  });
});
