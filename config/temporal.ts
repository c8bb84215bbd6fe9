// Where to find Temporal, named as Temporal's own environment configuration names it (the
// `temporal` CLI and every SDK read the same variables and TOML profiles), so one profile
// file serves the CLI and Nurture alike. Precedence: an environment variable, then the
// profile (TEMPORAL_PROFILE, default "default") of TEMPORAL_CONFIG_FILE or Temporal's default
// file (~/.config/temporalio/temporal.toml), then Nurture's development default.
import fs from 'node:fs';
import { loadClientConfigProfile, type ClientConfigProfile, type ClientConfigTLS } from '@temporalio/envconfig';

type Env = Record<string, string>;

/** The TLS variables, by the field of ClientConfigTLS they set. */
const TLS_PATHS = {
  clientCert: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  clientKey: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  serverCACert: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;

/** The profile from the TOML file, environment left out (this module applies it). */
export function temporalProfileFromFile(env: Env): ClientConfigProfile {
  const file = env.TEMPORAL_CONFIG_FILE;
  if (file !== undefined && !fs.existsSync(file)) throw new Error(`TEMPORAL_CONFIG_FILE: no such file ${file}`);
  try {
    return loadClientConfigProfile({
      ...(file !== undefined ? { configSource: { path: file } } : {}),
      ...(env.TEMPORAL_PROFILE !== undefined ? { profile: env.TEMPORAL_PROFILE } : {}),
      disableEnv: true,
      overrideEnvVars: env,
    });
  } catch (err) {
    throw new Error(`TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * TLS as the connection needs it: undefined for plain gRPC. TEMPORAL_TLS=false turns it off
 * whatever else is set; any certificate or server name, or an API key, turns it on.
 */
export function temporalTls(env: Env, fromFile: ClientConfigProfile, tlsFlag: boolean | undefined): ClientConfigTLS | undefined {
  const tls: ClientConfigTLS = { ...fromFile.tls };
  for (const [field, name] of Object.entries(TLS_PATHS) as Array<[keyof typeof TLS_PATHS, string]>) {
    const value = env[name];
    if (value === undefined) continue;
    if (!fs.existsSync(value)) throw new Error(`${name}: no such file ${value}`);
    tls[field] = { path: value };
  }
  if (env.TEMPORAL_TLS_SERVER_NAME !== undefined) tls.serverName = env.TEMPORAL_TLS_SERVER_NAME;
  if (Boolean(tls.clientCert) !== Boolean(tls.clientKey))
    throw new Error(
      `${TLS_PATHS.clientCert} and ${TLS_PATHS.clientKey}: set both (a client certificate needs its key) or neither`,
    );
  const configured = Object.keys(tls).some((k) => k !== 'disabled');
  const on =
    tlsFlag ?? (fromFile.tls ? fromFile.tls.disabled !== true : configured || Boolean(env.TEMPORAL_API_KEY ?? fromFile.apiKey));
  if (!on) return undefined;
  delete tls.disabled;
  return tls;
}
