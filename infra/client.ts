// The Temporal client used by the API and the CLI.
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from '../config/index.ts';
import { dataConverterFor } from './payload-codec.ts';

type TemporalSettings = Pick<
  Config,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TLS' | 'TEMPORAL_API_KEY' | 'PAYLOAD_KEYS'
>;

/**
 * Payloads (workflow inputs, signals, results) are encrypted with PAYLOAD_KEYS on the way
 * out and decrypted on the way in (`infra/payload-codec.ts`).
 * `lazy`: connect on first use, so the API can start (and answer 503) while Temporal is
 * unreachable instead of refusing to start.
 * `retries: false`: one attempt per call (readiness probes), without the SDK's retry timers,
 * which outlive the call and throw if the connection is closed meanwhile.
 */
export async function connectClient(config: TemporalSettings, opts: { lazy?: boolean; retries?: boolean } = {}): Promise<Client> {
  const options: ConnectionOptions = {
    address: config.TEMPORAL_ADDRESS,
    tls: config.TEMPORAL_TLS || Boolean(config.TEMPORAL_API_KEY),
    apiKey: config.TEMPORAL_API_KEY,
    connectTimeout: 5000,
    ...(opts.retries === false ? { interceptors: [] } : {}),
  };
  const connection = opts.lazy ? Connection.lazy(options) : await Connection.connect(options);
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(config) });
}
