// The Temporal client used by the API and the CLI.
import { Client, Connection, type ClientInterceptors, type ConnectionOptions } from '@temporalio/client';
import { toClientOptions } from '@temporalio/envconfig';
import type { Config } from '../config/index.ts';
import { dataConverterFor } from './payload-codec.ts';

type TemporalSettings = ConnectionSettings & Pick<Config, 'TEMPORAL_NAMESPACE' | 'PAYLOAD_KEYS'>;
type ConnectionSettings = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'temporalTls'>;

/**
 * Address, API key and TLS (server CA, mTLS client certificate, server name) as the client
 * and the worker's native connection both take them; certificate files are read here, at
 * connect time. Temporal's envconfig does the mapping, so it matches the `temporal` CLI's.
 */
export function temporalConnectionOptions(
  config: ConnectionSettings,
): Pick<ConnectionOptions, 'address' | 'tls'> & { apiKey?: string } {
  const { connectionOptions: o } = toClientOptions({
    address: config.TEMPORAL_ADDRESS,
    ...(config.TEMPORAL_API_KEY !== undefined ? { apiKey: config.TEMPORAL_API_KEY } : {}),
    ...(config.temporalTls ? { tls: config.temporalTls } : {}),
  });
  return { address: config.TEMPORAL_ADDRESS, ...(o.apiKey ? { apiKey: o.apiKey } : {}), ...(o.tls ? { tls: o.tls } : {}) };
}

/**
 * Payloads (workflow inputs, signals, results) are encrypted with PAYLOAD_KEYS on the way
 * out and decrypted on the way in (`infra/payload-codec.ts`).
 * `lazy`: connect on first use, so the API can start (and answer 503) while Temporal is
 * unreachable instead of refusing to start.
 * `retries: false`: one attempt per call (readiness probes), without the SDK's retry timers,
 * which outlive the call and throw if the connection is closed meanwhile.
 * `interceptors`: the API's tracing (a span per call such as SignalWithStartWorkflow, its context in the headers).
 */
export async function connectClient(
  config: TemporalSettings,
  opts: { lazy?: boolean; retries?: boolean; interceptors?: ClientInterceptors } = {},
): Promise<Client> {
  const options: ConnectionOptions = {
    ...temporalConnectionOptions(config),
    connectTimeout: 5000,
    ...(opts.retries === false ? { interceptors: [] } : {}),
  };
  const connection = opts.lazy ? Connection.lazy(options) : await Connection.connect(options);
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverterFor(config),
    ...(opts.interceptors ? { interceptors: opts.interceptors } : {}),
  });
}
