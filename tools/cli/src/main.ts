#!/usr/bin/env node
import { Command } from 'commander';
import { down, status, up } from './commands/up';
import { token } from './commands/token';

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

program.parseAsync().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
