// All settings in one place, read from the environment and validated at start-up.
// Defaults are for development only: a worker or API refuses the development secrets unless
// nobody but this machine can reach it (config/safety.ts), so a deployment must set the ones
// its process uses (marked "prod: required").
import path from 'node:path';
import { z } from 'zod';
import type { ClientConfigTLS } from '@temporalio/envconfig';
import { temporalProfileFromFile, temporalTls } from './temporal.ts';

export const DEV_WEBHOOK_SECRET = 'dev-webhook-secret-change-me';
export const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';
export const DEV_TRACKING_SECRET = 'dev-tracking-secret-change-me';
/** Keys the hashes of erased addresses (privacy/address-hash.ts); development only. */
export const DEV_ERASURE_HASH_KEY = 'dev-erasure-hash-key-change-me';
/** The development payload key (`<keyId>:<base64 of 32 bytes>`): encryption is on in development too. */
export const DEV_PAYLOAD_KEY = 'dev:bnVydHVyZS1kZXZlbG9wbWVudC1wYXlsb2FkLWtleSE=';
/** The Temporal Web UI of `nurture dev`, allowed to call the codec endpoint. */
const DEV_CODEC_CORS_ORIGINS = 'http://localhost:8233,http://127.0.0.1:8233';
export const DEV_SALES_WEBHOOK_SECRET = 'dev-sales-webhook-secret-change-me';

const port = z.coerce.number().int().min(1).max(65535);
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(16, 'each entry must be at least 16 characters')).min(1));

const commaList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `scheme://host[:port]` and nothing more: what a browser sends in `Origin`. */
function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
  } catch {
    return false;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A key that encrypts Temporal payloads (AES-256-GCM); the id travels in each payload's metadata. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

/**
 * `<keyId>:<base64 32-byte key>,…`: the first encrypts, every one decrypts (rotation: put the
 * new key first and keep the old ones until no history holds their payloads). Problems name
 * the entry by position and id, never the key material.
 */
const payloadKeys = z.string().transform((v, ctx): PayloadKey[] => {
  const keys: PayloadKey[] = [];
  const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
  const entries = commaList(v);
  if (entries.length === 0) problem('must list at least one <keyId>:<base64 key>');
  entries.forEach((entry, i) => {
    const at = `entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) return problem(`${at}: must be <keyId>:<base64 key>`);
    const id = entry.slice(0, colon);
    const b64 = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) return problem(`${at}: key id must be 1-64 letters, digits, '.', '_' or '-'`);
    if (!BASE64.test(b64) || b64.length % 4 !== 0) return problem(`${at} ("${id}"): key is not valid base64`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) return problem(`${at} ("${id}"): key must be 32 bytes (AES-256), got ${key.length}`);
    if (keys.some((k) => k.id === id)) return problem(`${at}: duplicate key id "${id}"`);
    keys.push({ id, key });
  });
  return keys;
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000), // 0: any free port (tests)
  HOST: z.string().min(1).default('127.0.0.1'),
  NURTURE_DATA_DIR: z.string().min(1).default('.nurture'),
  // prod: required. Where the `nurture dev` defaults point at the local PostgreSQL.
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// connection URL')
    .default('postgresql://postgres@127.0.0.1:5432/nurture_dev'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('nurture'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  // Unset: on when a certificate, server name or API key is set (config/temporal.ts).
  TEMPORAL_TLS: bool.optional(),
  // mTLS and private CAs, as Temporal's own environment configuration names them.
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  // A TOML profile file (Temporal's format) and the profile in it; environment variables win.
  TEMPORAL_CONFIG_FILE: z.string().min(1).optional(),
  TEMPORAL_PROFILE: z.string().min(1).optional(),
  TEMPORAL_UI_PORT: port.default(8233),
  // Used by `nurture dev` only: where to find or build the `temporal` CLI.
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  // prod: required. Any SMTP server; `nurture dev` starts a local inbox on this port.
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .default('smtp://127.0.0.1:2525'),
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(5),
  SMTP_RATE_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(50),
  // How long a send's claim outlives a silent attempt. The attempt renews it every third of
  // this while SMTP talks, so only a crashed worker's claim runs out; a send it never got to
  // is then retried this much later at most (activities/email/claim.ts).
  SEND_CLAIM_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  MAIL_FROM: z.string().min(3).default('Nurture <hello@nurture.localhost>'),
  MAIL_POSTAL_ADDRESS: z.string().min(1).default('Nurture Inc., 1 Example Street, Springfield'),
  // A mailbox that unsubscribes whoever writes to it; added to List-Unsubscribe when set.
  MAIL_UNSUBSCRIBE_MAILTO: z.email('must be an email address').optional(),
  // Optional DKIM signing: all three (key as PEM, `\n` escapes accepted, or a file) or none.
  DKIM_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name')
    .optional(),
  DKIM_SELECTOR: z
    .string()
    .regex(/^[a-z0-9._-]+$/i, 'must be a DNS label')
    .optional(),
  DKIM_PRIVATE_KEY: z.string().min(1).optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  PUBLIC_URL: z.string().url('must be an absolute URL').default('http://localhost:3000'),
  // prod: required. Comma-separated; several are valid at once so secrets can be rotated.
  WEBHOOK_SECRET: list.default([DEV_WEBHOOK_SECRET]),
  // prod: required. Signs outgoing sales webhooks (Nurture-Signature, one v1 per secret listed,
  // so the receiver can rotate: add the new secret, switch the receiver, drop the old one).
  SALES_WEBHOOK_SECRET: list.default([DEV_SALES_WEBHOOK_SECRET]),
  // Development only: accept unsigned webhooks. Refused unless the API serves only this machine.
  WEBHOOK_SIGNATURE_DISABLED: bool.default(false),
  // prod: required. Comma-separated bearer tokens for the admin API and dashboard.
  ADMIN_TOKENS: list.default([DEV_ADMIN_TOKEN]),
  // prod: required. Seals tracking and unsubscribe tokens. Comma-separated key list: the first
  // seals, any opens, so a new key is put first and the old one kept while its links live.
  TRACKING_SECRET: list.default([DEV_TRACKING_SECRET]),
  // prod: set it. Keys the hash kept of an erased address (HMAC-SHA256), so it is refused
  // forever without being stored. Changing it forgets every erased address: never rotate it.
  ERASURE_HASH_KEY: z.string().min(16).default(DEV_ERASURE_HASH_KEY),
  // prod: required. Encrypts what Temporal stores (workflow inputs, signals, results): see
  // infra/payload-codec.ts. Comma-separated `<keyId>:<base64 32-byte key>`; the first encrypts.
  PAYLOAD_KEYS: payloadKeys.prefault(DEV_PAYLOAD_KEY),
  // Browser origins (the Temporal Web UI) allowed to call the codec endpoint /codec.
  CODEC_CORS_ORIGINS: z
    .string()
    .transform(commaList)
    .pipe(z.array(z.string().refine(isOrigin, 'each entry must be an origin such as https://temporal.example.com')))
    .prefault(DEV_CODEC_CORS_ORIGINS),
  // Requests per minute on the public endpoints (api/rate-limits.ts); 0 turns a limit off.
  // Tracking and unsubscribe links (/t/*, /u/*) per client address, and per link token. The
  // address budget is generous: mail providers' image proxies and one-click unsubscribes come
  // from few addresses, and a refused unsubscribe is worse than a busy minute; the per-token
  // budget is what stops one link being hammered.
  RATE_LIMIT_LINKS_PER_MINUTE: z.coerce.number().int().min(0).default(3000),
  RATE_LIMIT_LINK_TOKEN_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  // Webhooks per client address (a platform sending signups in bulk is one address).
  RATE_LIMIT_WEBHOOKS_PER_MINUTE: z.coerce.number().int().min(0).default(3000),
  // Dashboard sign-in attempts (POST /dashboard/login) per client address.
  RATE_LIMIT_LOGIN_PER_MINUTE: z.coerce.number().int().min(0).default(10),
  // Admin API (/api/*) per client address and per bearer token or session.
  RATE_LIMIT_ADMIN_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  // Behind a reverse proxy: the proxies' addresses or CIDRs (comma-separated) whose
  // X-Forwarded-For is believed, so rate limits and logs see the client's address.
  TRUST_PROXY: z.string().min(1).optional(),
  DEFAULT_CAMPAIGN: z.string().min(1).default('example'),
  // A journey continues as new after this many history events (or when Temporal suggests).
  JOURNEY_HISTORY_LIMIT: z.coerce.number().int().min(20).max(50_000).default(5_000),
  // From this attempt on, an activity that keeps failing is logged as an error and flagged
  // `retrying` on its lead (worker/retry-watch.ts); 10 attempts are about ten minutes of backoff.
  ACTIVITY_RETRY_ALERT_ATTEMPTS: z.coerce.number().int().min(2).max(1000).default(10),
  // Journeys a worker keeps in memory; beyond this Temporal evicts the least recently used and
  // replays it from history on its next event, so sleeping journeys cost the worker nothing.
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(250),
  // The worker's /healthz, /readyz and /metrics (on HOST); unset: no health server. 0: any free port (tests).
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Where the worker's Temporal runtime serves its own metrics (127.0.0.1 only; the worker's
  // /metrics appends them). Unset: a free port.
  TEMPORAL_METRICS_PORT: port.optional(),
  // How long each dependency (PostgreSQL, Temporal) may take to answer a /readyz probe.
  HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  // Optional tracing (observability/tracing.ts), off unless an OTLP endpoint is set. The standard
  // OpenTelemetry names; traces go over OTLP/HTTP with JSON bodies, so no other protocol is accepted.
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], 'must be otlp or none').optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.literal('http/json', 'only http/json is supported').optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.literal('http/json', 'only http/json is supported').optional(),
  // `key=value,…`, URL-encoded values, as OpenTelemetry defines it (an API key for the backend).
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be key=value pairs separated by commas')
    .optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  NURTURE_TEMPLATES_DIR: z.string().min(1).default('templates'),
  NURTURE_CAMPAIGNS_DIR: z.string().min(1).default('campaigns'),
});

/**
 * The name of every variable Nurture reads. compose.yaml, the systemd env file and the docs
 * are checked against it (test/deploy.test.ts), so a misspelt setting fails a test instead of
 * being ignored in production.
 */
export const SETTING_NAMES: ReadonlySet<string> = new Set(Object.keys(envSchema.shape));

export type Config = z.infer<typeof envSchema> & {
  /** The variables the environment set (the rest are defaults). */
  explicit: ReadonlySet<string>;
  dataDir: string;
  inboxDir: string;
  templatesDir: string;
  campaignsDir: string;
  /** TLS for the Temporal connection, resolved from the variables and the profile; undefined: plain. */
  temporalTls: ClientConfigTLS | undefined;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment. Throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  const dataDir = path.resolve(cwd, c.NURTURE_DATA_DIR);
  let temporal;
  try {
    const fromFile = temporalProfileFromFile(present as Record<string, string>);
    temporal = {
      TEMPORAL_ADDRESS: present.TEMPORAL_ADDRESS !== undefined ? c.TEMPORAL_ADDRESS : (fromFile.address ?? c.TEMPORAL_ADDRESS),
      TEMPORAL_NAMESPACE:
        present.TEMPORAL_NAMESPACE !== undefined ? c.TEMPORAL_NAMESPACE : (fromFile.namespace ?? c.TEMPORAL_NAMESPACE),
      TEMPORAL_API_KEY: c.TEMPORAL_API_KEY ?? fromFile.apiKey,
      temporalTls: temporalTls(present as Record<string, string>, fromFile, c.TEMPORAL_TLS),
    };
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
  if (!/^[^\s:]+:\d+$/.test(temporal.TEMPORAL_ADDRESS))
    throw new ConfigError([`TEMPORAL_CONFIG_FILE: address "${temporal.TEMPORAL_ADDRESS}" must be host:port`]);
  return {
    ...c,
    ...temporal,
    explicit: new Set(Object.keys(present).filter((k) => k in envSchema.shape)),
    dataDir,
    inboxDir: path.join(dataDir, 'inbox'),
    templatesDir: path.resolve(cwd, c.NURTURE_TEMPLATES_DIR),
    campaignsDir: path.resolve(cwd, c.NURTURE_CAMPAIGNS_DIR),
  };
}
