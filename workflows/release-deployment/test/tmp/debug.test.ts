import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { getDeploymentResult, getProgress, startReleaseDeployment } from '../../src/client';
import { mockActivities, registerSearchAttributes, releaseInput, testServerPath, webhook, workflowsSrc } from '../helpers';

it('debug', async () => {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath } } });
  await registerSearchAttributes(env.connection);
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsSrc, logger: new DefaultLogger('WARN') });
  const { activities, recorded } = mockActivities();
  const taskQueue = `q-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { code }, activities });
  const input = releaseInput([webhook('staging', { gate: { role: 'release_manager', timeout: '4 hours' } })]);
  const rel = input.releaseNumber;
  const log = (...a: unknown[]) => process.stderr.write(a.map((x) => typeof x === 'string' ? x : JSON.stringify(x)).join(' ') + '\n');
  await worker.runUntil(async () => {
    log('start', await startReleaseDeployment(env.client, input, { taskQueue }));
    await new Promise((r) => setTimeout(r, 1000));
    if (process.env.Q) log('p', (await getProgress(env.client, rel)).state, await env.currentTimeMs());
    log('res', await Promise.race([getDeploymentResult(env.client, rel), new Promise((r) => setTimeout(() => r('TIMEOUT'), 10000))]));
    log('time', await env.currentTimeMs(), recorded.log);
  });
  await env.teardown();
}, 60000);
