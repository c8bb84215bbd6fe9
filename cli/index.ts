// The `nurture` command line.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config/index.ts';
import { migrate } from '../infra/db.ts';
import { packageVersion } from '../infra/package.ts';
import { registerCampaignCommands } from './campaigns.ts';
import { runDev } from '../app/dev.ts';
import { CliError, EXIT_USAGE } from './errors.ts';
import { registerCheckCommand } from './check.ts';
import { registerSetupCommands } from './setup.ts';
import { registerTemplateCommands } from './templates.ts';
import { registerReportCommands } from './report.ts';
import { registerLeadCommands } from './leads.ts';
import { startApi, startWorker } from '../app/services.ts';
import { installWorkerRuntime } from '../observability/temporal-runtime.ts';

// `nurture campaign simulate … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

function config(): Config {
  return loadConfig();
}

function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

const program = new Command('nurture')
  .description('Self-hosted marketing nurture engine')
  .version(packageVersion())
  .showHelpAfterError()
  // Usage errors exit 2 (documented in `nurture check --help`), not commander's 1, so a script
  // can tell "you called me wrong" from "I found problems". Inherited by every subcommand.
  .exitOverride()
  .addHelpText('after', '\nExit codes: 0 success, 1 failure or problems found, 2 usage error or unreadable input.');

program
  .command('dev')
  .description('run the whole stack locally: Temporal dev server, PostgreSQL migrations, SMTP inbox, worker and API')
  .action(async () => runDev(config()));

program
  .command('migrate')
  .description('apply the database migrations to DATABASE_URL')
  .action(async () => {
    const c = config();
    process.stdout.write(await migrate(c.DATABASE_URL));
  });

program
  .command('worker')
  .description('run a worker against TEMPORAL_ADDRESS (production)')
  .action(async () => {
    const c = config();
    // Before anything connects: the SDK's logs as JSON lines, its metrics for /metrics.
    const log = await installWorkerRuntime({ level: c.LOG_LEVEL, metricsPort: c.TEMPORAL_METRICS_PORT });
    const worker = await startWorker(c);
    stopOnSignals(worker.stop);
    log.info(
      { taskQueue: c.TEMPORAL_TASK_QUEUE, healthUrl: worker.healthUrl },
      'worker running; SIGINT/SIGTERM drain and stop it',
    );
    await worker.done;
  });

program
  .command('api')
  .description('run the HTTP API (production)')
  .action(async () => {
    const api = await startApi(config());
    stopOnSignals(api.stop);
    console.log(`API listening on ${api.url}`);
  });

registerCheckCommand(program);
registerSetupCommands(program);
registerCampaignCommands(program);
registerTemplateCommands(program);
registerReportCommands(program);
registerLeadCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE); // commander printed it
  if (err instanceof CliError) {
    console.error(err.message);
    process.exit(err.exitCode);
  }
  if (err instanceof ConfigError) {
    console.error(`nurture: ${err.message}`);
    process.exit(EXIT_USAGE);
  }
  console.error(`nurture: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) console.error(err.stack);
  process.exit(1);
});
