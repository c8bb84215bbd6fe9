// Secure by default: a worker or API started with a development secret, or without TLS in its
// public URL, refuses to start unless nobody but this machine can reach it. The rule reads what
// the process does (where it listens, the URL it puts in mail), not NODE_ENV, which a deploy
// can forget; NODE_ENV=production only makes it stricter (never "local").
import { isLocalUrl, isLoopbackHost } from '../core/rules/loopback.ts';
import {
  ConfigError,
  DEV_ADMIN_TOKEN,
  DEV_ERASURE_HASH_KEY,
  DEV_PAYLOAD_KEY,
  DEV_SALES_WEBHOOK_SECRET,
  DEV_TRACKING_SECRET,
  DEV_WEBHOOK_SECRET,
  type Config,
} from './index.ts';

/** The long-running processes; each is asked only for the settings it uses. */
export type Role = 'api' | 'worker';

interface Secret {
  key: keyof Config & string;
  /** Whether the setting holds (or lists) its development value. */
  isDevelopment: (config: Config) => boolean;
  roles: readonly Role[];
}

const holds = (value: unknown, development: string) =>
  Array.isArray(value) ? value.includes(development) : value === development;

/** Every secret with a development default, and which process needs it. */
const SECRETS: readonly Secret[] = [
  { key: 'WEBHOOK_SECRET', isDevelopment: (c) => holds(c.WEBHOOK_SECRET, DEV_WEBHOOK_SECRET), roles: ['api'] },
  { key: 'ADMIN_TOKENS', isDevelopment: (c) => holds(c.ADMIN_TOKENS, DEV_ADMIN_TOKEN), roles: ['api'] },
  // The worker seals unsubscribe and tracking links; the API opens them.
  { key: 'TRACKING_SECRET', isDevelopment: (c) => holds(c.TRACKING_SECRET, DEV_TRACKING_SECRET), roles: ['api', 'worker'] },
  // The API erases and checks signups; the worker's every send checks the hash.
  { key: 'ERASURE_HASH_KEY', isDevelopment: (c) => holds(c.ERASURE_HASH_KEY, DEV_ERASURE_HASH_KEY), roles: ['api', 'worker'] },
  // Both sign what they post to sales: the worker's journeys, the dashboard's "notify sales again".
  {
    key: 'SALES_WEBHOOK_SECRET',
    isDevelopment: (c) => holds(c.SALES_WEBHOOK_SECRET, DEV_SALES_WEBHOOK_SECRET),
    roles: ['api', 'worker'],
  },
  // Both write and read Temporal payloads.
  {
    key: 'PAYLOAD_KEYS',
    isDevelopment: (c) => c.PAYLOAD_KEYS.some((k) => `${k.id}:${k.key.toString('base64')}` === DEV_PAYLOAD_KEY),
    roles: ['api', 'worker'],
  },
];

/** Settings whose development default points at this machine: a deployment names its own. */
const PRODUCTION_REQUIRED: Record<Role, ReadonlyArray<keyof Config & string>> = {
  // The API mails too: consent confirmations and the dashboard's sales notices.
  api: ['DATABASE_URL', 'SMTP_URL', 'PUBLIC_URL'],
  worker: ['DATABASE_URL', 'SMTP_URL', 'PUBLIC_URL'],
};

/**
 * Only this machine can reach what the process serves: the API listens on loopback and the
 * links in mail (PUBLIC_URL) point at this machine. The worker listens nowhere; its mail does.
 */
function servesOnlyThisMachine(config: Pick<Config, 'HOST' | 'PUBLIC_URL' | 'NODE_ENV'>, role: Role): boolean {
  if (config.NODE_ENV === 'production') return false;
  return (role === 'worker' || isLoopbackHost(config.HOST)) && isLocalUrl(config.PUBLIC_URL);
}

/** What stops this process from serving the public safely, one line per variable. */
export function safetyProblems(config: Config, role: Role): string[] {
  if (servesOnlyThisMachine(config, role)) return [];
  const where =
    role === 'api'
      ? `the API listens on ${config.HOST} and links point at ${config.PUBLIC_URL}`
      : `links point at ${config.PUBLIC_URL}`;
  const problems: string[] = [];
  for (const s of SECRETS) {
    if (s.roles.includes(role) && s.isDevelopment(config))
      problems.push(`${s.key}: the development default must not serve others (${where}); set your own`);
  }
  if (role === 'api' && config.WEBHOOK_SIGNATURE_DISABLED)
    problems.push(`WEBHOOK_SIGNATURE_DISABLED: unsigned webhooks are only for development on this machine (${where})`);
  if (!config.PUBLIC_URL.startsWith('https://'))
    problems.push(`PUBLIC_URL: must be an https:// URL when others can reach it (${config.PUBLIC_URL})`);
  if (config.NODE_ENV === 'production') {
    for (const key of PRODUCTION_REQUIRED[role]) {
      if (!config.explicit.has(key)) problems.push(`${key}: must be set in production`);
    }
  }
  return problems;
}

/** Throws ConfigError listing every problem; called by the worker and API before they start. */
export function assertSafeToServe(config: Config, role: Role): void {
  const problems = safetyProblems(config, role);
  if (problems.length > 0) throw new ConfigError(problems);
}
