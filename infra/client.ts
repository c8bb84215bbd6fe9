// The Temporal client used by the API and the CLI.
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.ts';

export async function connectClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TLS' | 'TEMPORAL_API_KEY'>): Promise<Client> {
  const connection = await Connection.connect({
    address: config.TEMPORAL_ADDRESS,
    tls: config.TEMPORAL_TLS || Boolean(config.TEMPORAL_API_KEY),
    apiKey: config.TEMPORAL_API_KEY,
    connectTimeout: 5000,
  });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
