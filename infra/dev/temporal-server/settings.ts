// Settings of the production-shaped Temporal server, from TEMPORAL_PROD_* variables.
import path from 'node:path';
import { z } from 'zod';
import type { SearchAttributeTypes } from '../../temporal-namespace.ts';

const DEFAULT_PROD_PORT = 7243; // never the dev server's 7233
/** The server listens on the frontend gRPC port and the next 8 (see config/production.yaml). */
export const PORTS_USED = 9;

const envSchema = z.object({
  TEMPORAL_PROD_DIR: z.string().min(1).default(path.join('.nurture', 'temporal-prod')),
  TEMPORAL_PROD_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535 - PORTS_USED + 1)
    .default(DEFAULT_PROD_PORT),
  TEMPORAL_PROD_DATABASE_URL: z
    .string()
    .regex(
      /^postgres(ql)?:\/\/[^/]+\/[A-Za-z0-9_]+$/,
      'must be postgresql://user[:password]@host[:port]/database (letters, digits, _)',
    )
    .default('postgresql://postgres@127.0.0.1:5432/temporal_prod'),
  TEMPORAL_PROD_VISIBILITY_DATABASE: z
    .string()
    .regex(/^[A-Za-z0-9_]+$/, 'must be letters, digits or _')
    .optional(),
  // Fixed when the databases are first used: Temporal refuses to start with another count.
  TEMPORAL_PROD_SHARDS: z.coerce.number().int().min(1).max(16384).default(4),
  TEMPORAL_PROD_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PROD_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('warn'),
});

export interface ProdTemporalSettings {
  /** pid file, state, log and TLS certificates. */
  dir: string;
  port: number;
  /** The default store's database; the visibility store's is on the same server. */
  database: { host: string; port: number; user: string; password: string; name: string };
  visibilityDatabase: string;
  shards: number;
  namespace: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Frontend TLS with client-certificate verification (mTLS). */
  tls: boolean;
  /** Custom search attributes to register in the namespace (the workflows' own). */
  searchAttributes: SearchAttributeTypes;
}

export function prodTemporalSettings(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<ProdTemporalSettings> = {},
): ProdTemporalSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid settings for the production-shaped Temporal:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const url = new URL(e.TEMPORAL_PROD_DATABASE_URL);
  const name = url.pathname.slice(1);
  return {
    dir: path.resolve(e.TEMPORAL_PROD_DIR),
    port: e.TEMPORAL_PROD_PORT,
    database: {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username || 'postgres'),
      password: decodeURIComponent(url.password),
      name,
    },
    visibilityDatabase: e.TEMPORAL_PROD_VISIBILITY_DATABASE ?? `${name}_visibility`,
    shards: e.TEMPORAL_PROD_SHARDS,
    namespace: e.TEMPORAL_PROD_NAMESPACE,
    logLevel: e.TEMPORAL_PROD_LOG_LEVEL,
    tls: false,
    searchAttributes: {},
    ...overrides,
  };
}

/** A connection URL to one of the two databases, for our own checks with `pg`. */
export function databaseUrl(s: ProdTemporalSettings, name: string): string {
  const u = new URL('postgresql://placeholder');
  u.hostname = s.database.host;
  u.port = String(s.database.port);
  u.username = encodeURIComponent(s.database.user);
  if (s.database.password) u.password = encodeURIComponent(s.database.password);
  u.pathname = `/${name}`;
  return u.toString();
}
