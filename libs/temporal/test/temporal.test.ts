import { testEnv, uniqueSuffix } from '@itsm/testing';
import { SearchAttributeType } from '@temporalio/common';
import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { resolve } from 'node:path';
import {
  SA,
  createNativeConnection,
  createWorker,
  ensureSearchAttributes,
  searchAttributeDefinitions,
  workflowUiUrl,
} from '../src';

let client: Client;
let connection: NativeConnection;
const opts = { address: testEnv.temporalAddress, namespace: testEnv.temporalNamespace };

beforeAll(async () => {
  connection = await createNativeConnection(opts);
  client = new Client({ connection, namespace: opts.namespace });
});

afterAll(async () => {
  await connection.close();
});

it('runs a workflow on the real Temporal server through the worker factory', async () => {
  const taskQueue = `test-${uniqueSuffix()}`;
  const worker = await createWorker({
    connection,
    namespace: opts.namespace,
    taskQueue,
    workflowsPath: resolve(__dirname, 'fixtures/workflows.ts'),
    activities: { greet: async (name: string) => `hello ${name}` },
  });
  const result = await worker.runUntil(async () => {
    const handle = await client.workflow.start('greetingWorkflow', {
      taskQueue,
      workflowId: `greeting-${uniqueSuffix()}`,
      args: ['desk'],
      typedSearchAttributes: [{ key: SA.recordId, value: 'INC0000001' }],
    });
    const out = await handle.result();
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(SA.recordId)).toBe('INC0000001');
    expect(described.typedSearchAttributes.get(SA.state)).toBe('greeting');
    return out;
  });
  expect(result).toBe('hello desk');
});

it('declares every search attribute that the server registers, with the same type', () => {
  const registered = searchAttributeDefinitions();
  const typeName: Record<string, string> = {
    [SearchAttributeType.KEYWORD]: 'Keyword',
    [SearchAttributeType.DATETIME]: 'Datetime',
  };
  const declared = Object.fromEntries(Object.values(SA).map((k) => [k.name, typeName[k.type]]));
  expect(declared).toEqual(registered);
});

it('finds all search attributes registered on the running server (and registering again is a no-op)', async () => {
  expect(await ensureSearchAttributes(client, opts.namespace)).toEqual([]);
});

it('links a workflow to the Temporal UI', () => {
  expect(workflowUiUrl('http://127.0.0.1:8233/', 'default', 'rfc-approval:CHG0000001')).toBe(
    'http://127.0.0.1:8233/namespaces/default/workflows/rfc-approval%3ACHG0000001',
  );
});
