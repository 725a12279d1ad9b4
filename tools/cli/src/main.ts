#!/usr/bin/env node
import { Command } from 'commander';
import { down, status, up } from './commands/up';
import { token } from './commands/token';
import { replayCommand } from './commands/replay';
import { DEFAULT_CSV, benchCommand } from './commands/bench';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

const program = new Command()
  .name('itsm')
  .description('Run and operate the ITSM platform')
  .showHelpAfterError();

program
  .command('up')
  .description('install what is missing, start PostgreSQL, Kafka, Temporal and every service, print the URLs')
  .option('--only <services>', 'comma-separated services to start', list)
  .action(async (o) => process.exit(await up(o)));

program
  .command('down')
  .description('stop the services and the local infrastructure')
  .option('--keep-infra', 'stop only the services')
  .action(async (o) => process.exit(await down(o)));

program.command('status').description('show what runs').action(async () => process.exit(await status()));

program
  .command('token')
  .description('print a signed JWT for local use')
  .requiredOption('--sub <id>', 'user id (the token subject)')
  .requiredOption('--roles <roles>', 'comma-separated roles', list)
  .option('--groups <groups>', 'comma-separated assignment / CAB groups', list)
  .option('--permissions <perms>', 'comma-separated extra permissions (e.g. priority_override)', list)
  .option('--name <name>', 'display name')
  .option('--expires <duration>', 'lifetime, e.g. 8h or 30d', '8h')
  .action(async (o) => {
    console.log(await token(o));
  });

program
  .command('replay')
  .description('import an incident event log (CSV) through the Incident API, check priorities, report SLA compliance (see tools/cli/REPLAY.md)')
  .argument('<csv>', 'the event log, e.g. ../shared/datasets/servicenow-incident-event-log.csv')
  .option('--incident-url <url>', 'Incident service (default: INCIDENT_URL or http://127.0.0.1:3001)')
  .option('--sla-url <url>', 'SLA service (default: SLA_URL or http://127.0.0.1:3005)')
  .option('--no-sla', 'skip the SLA report')
  .option('--concurrency <n>', 'imports in flight', '8')
  .option('--limit <n>', 'import only the first N incidents of the file')
  .option('--source <name>', 'source system name stored with each record', 'servicenow')
  .option('--sla-timeout <seconds>', 'how long to wait for the SLA clocks', '600')
  .option('--show-rejected <n>', 'rejected rows to list', '20')
  .action(async (file, o) => process.exit(await replayCommand(file, o)));

program
  .command('bench')
  .description('measure the running platform: incident create (API vs pg), created → SLA clock started, replay rate, list/search latency')
  .option('--only <benches>', 'comma-separated subset of create,events,replay,list', list)
  .option('--incident-url <url>', 'Incident service (default: INCIDENT_URL or http://127.0.0.1:3001)')
  .option('--instance <prefix>', 'topic prefix of the platform instance (default: ITSM_INSTANCE or none)')
  .option('--sla-url <url>', 'events: SLA service, whose earlier clock signals are waited for (default: SLA_URL or http://127.0.0.1:3005)')
  .option('--connections <n>', 'create: concurrent connections', '20')
  .option('--seconds <n>', 'create: duration of each run', '10')
  .option('--rate <n>', 'events: incidents created per second', '50')
  .option('--event-seconds <n>', 'events: duration', '20')
  .option('--warmup <seconds>', 'create and events: seconds of the same load before each measured run, not counted', '5')
  .option('--csv <file>', 'replay: the event log', DEFAULT_CSV)
  .option('--concurrency <n>', 'replay: imports in flight', '8')
  .option('--list-rows <n>', 'list: incidents seeded', '100000')
  .option('--list-runs <n>', 'list: requests per case', '200')
  .action(async (o) => process.exit(await benchCommand(o)));

program
  .command('demo')
  .description('run the ITIL chain end to end on the running platform: recurring incidents → problem → workaround → RfC and CAB votes → release → implemented → resolved → SLA clocks')
  .option('--instance-prefix <prefix>', 'workflow-id prefix of the platform instance (default: ITSM_INSTANCE or none)')
  .option('--run-id <id>', 'suffix of the run\'s CI and record names (default: random)')
  .option('--timeout <seconds>', 'longest wait for one step', '120')
  .option('--cd-webhook', 'deploy the release stages through webhooks to a small CD system the demo starts on 127.0.0.1 (the release service must reach it) instead of manual steps confirmed through the API')
  .action(async (o) => {
    // loaded on use: it brings the Temporal client library
    const { demoCommand } = require('./commands/demo') as typeof import('./commands/demo');
    process.exit(await demoCommand(o));
  });

program.parseAsync().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
