/**
 * Replays stored histories of earlier versions on the current workflow code:
 * a change that is not behind `patched()` makes this fail (see CHANGELOG.md).
 * histories/sla-clock-0.1.0.json: opened P2 → pause → resume → priority P1 →
 * resolved → reopened → recompute → warnings and breach.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowsPath } from '../src/index';

const dir = path.join(__dirname, 'histories');

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed by an earlier test file in this jest worker
  }
});

it.each(fs.readdirSync(dir).filter((f) => f.endsWith('.json')))('replays %s deterministically', async (file) => {
  const history = temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, `replay-${file}`);
}, 120_000);
