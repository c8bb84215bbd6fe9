// `nurture setup temporal`: what a Temporal cluster must hold before a worker runs on it (the
// custom search attributes the journeys set), through the cluster's operator API. The dev
// server gets these from its command line; a self-hosted cluster gets them here, once.
import type { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import { Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../infra/client.ts';
import { ensureNamespace, ensureSearchAttributes, missingSearchAttributes } from '../infra/temporal-namespace.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/journey/search-attributes.ts';

const EXAMPLES = `
Idempotent: attributes already registered with the right type are left alone.

Examples:
  $ TEMPORAL_ADDRESS=temporal.internal:7233 nurture setup temporal
  $ nurture setup temporal --namespace nurture-staging --create-namespace
  $ TEMPORAL_PROFILE=prod nurture setup temporal   # a profile of TEMPORAL_CONFIG_FILE`;

export function registerSetupCommands(program: Command): void {
  const setup = program.command('setup').description('prepare the real parts Nurture runs on');
  setup
    .command('temporal')
    .description(
      `register the search attributes (${Object.keys(SEARCH_ATTRIBUTES).join(', ')}) in a namespace of TEMPORAL_ADDRESS`,
    )
    .option('--namespace <name>', 'the namespace (default: TEMPORAL_NAMESPACE)')
    .option('--create-namespace', 'register the namespace first when it does not exist (self-hosted clusters)')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { namespace?: string; createNamespace?: boolean }) => {
      const config = loadConfig();
      const namespace = opts.namespace ?? config.TEMPORAL_NAMESPACE;
      const log = (line: string) => console.log(line);
      const connection = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: 5000 });
      try {
        if (opts.createNamespace) await ensureNamespace(connection, namespace, log);
        const missing = await missingSearchAttributes(connection, namespace, SEARCH_ATTRIBUTES);
        const present = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !missing.includes(name));
        if (present.length) log(`already registered in ${namespace}: ${present.join(', ')}`);
        await ensureSearchAttributes(connection, namespace, SEARCH_ATTRIBUTES, log);
        log(`namespace ${namespace} at ${config.TEMPORAL_ADDRESS} is ready for Nurture`);
      } finally {
        await connection.close();
      }
    });
}
