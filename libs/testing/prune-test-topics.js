// Deletes the Kafka topics that earlier test runs created for their isolated
// instances (prefix `t<hex>-`), so a broker whose data is kept between runs
// does not accumulate thousands of partitions. Run by infra/local/test.sh
// before the suite; the platform's own topics are never touched.
const { Kafka, logLevel } = require('kafkajs');

const TEST_TOPIC = /^t[0-9a-f]{8,10}-itsm\./;

async function main() {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const admin = new Kafka({ clientId: 'itsm-test-prune', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const stale = (await admin.listTopics()).filter((t) => TEST_TOPIC.test(t));
    for (let i = 0; i < stale.length; i += 200) {
      await admin.deleteTopics({ topics: stale.slice(i, i + 200), timeout: 60_000 });
    }
    console.log(`removed ${stale.length} topics of earlier test runs`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((e) => {
  // Pruning is housekeeping: never fail the test run for it.
  console.warn(`could not prune test topics: ${e.message}`);
});
