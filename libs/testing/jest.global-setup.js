// Fails fast, with a clear message, when the real servers the suites need are not running.
const net = require('node:net');

function reachable(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 2000 }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.on('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

module.exports = async () => {
  const pg = new URL(process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432');
  const [kHost, kPort] = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0].split(':');
  const [tHost, tPort] = (process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233').split(':');
  const checks = [
    ['PostgreSQL', pg.hostname, Number(pg.port || 5432)],
    ['Kafka', kHost, Number(kPort)],
    ['Temporal', tHost, Number(tPort)],
  ];
  const down = [];
  for (const [name, host, port] of checks) if (!(await reachable(host, port))) down.push(`${name} at ${host}:${port}`);
  if (down.length) {
    throw new Error(`Not reachable: ${down.join(', ')}. Start the infrastructure with \`bash infra/local/infra.sh up\` (npm test does it for you).`);
  }
};
