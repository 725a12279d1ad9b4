// Terminates the Temporal workflows that earlier test runs left running for
// their isolated instances (workflow ids prefixed `t<hex>-`, started more than
// an hour ago, so a suite running now is never touched), so a Temporal server
// whose data is kept between runs does not pile up timers that fire for
// nobody. Run by infra/local/test.sh before the suite; the platform's own
// workflows are never touched.
const { Connection, Client } = require('@temporalio/client');

const TEST_WORKFLOW = /^t[0-9a-f]{8,10}-/;
const MAX = 5000;

async function main() {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  try {
    const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    const before = new Date(Date.now() - 3600_000).toISOString();
    const query = `ExecutionStatus = "Running" AND WorkflowId STARTS_WITH "t" AND StartTime < "${before}"`;
    const stale = [];
    for await (const wf of client.workflow.list({ query })) {
      if (TEST_WORKFLOW.test(wf.workflowId)) stale.push(wf.workflowId);
      if (stale.length >= MAX) break;
    }
    let done = 0;
    const work = async () => {
      for (let id = stale.shift(); id; id = stale.shift()) {
        await client.workflow
          .getHandle(id)
          .terminate('left running by an earlier test run')
          .then(() => done++)
          .catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: 16 }, work));
    console.log(`terminated ${done} workflows of earlier test runs`);
  } finally {
    await connection.close();
  }
}

main().catch((e) => {
  // Pruning is housekeeping: never fail the test run for it.
  console.warn(`could not prune test workflows: ${e.message}`);
});
