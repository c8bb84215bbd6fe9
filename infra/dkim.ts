// DKIM signing options for the mail transport, from config. Optional, but all or nothing: a
// half-configured signer would send unsigned mail while the operator believes it is signed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ConfigError, type Config } from '../config/index.ts';

export type DkimConfig = Pick<Config, 'DKIM_DOMAIN' | 'DKIM_SELECTOR' | 'DKIM_PRIVATE_KEY' | 'DKIM_PRIVATE_KEY_FILE'>;

export interface DkimOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
  headerFieldNames: string;
}

/**
 * Headers the signature covers. Named explicitly rather than trusting the library default:
 * RFC 8058 one-click unsubscribe is honoured only when the signature covers both
 * List-Unsubscribe and List-Unsubscribe-Post, so a receiver knows neither was added in transit.
 */
export const DKIM_SIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Id',
];

/** undefined when DKIM is not configured; throws ConfigError when it is half-configured. */
export function dkimOptions(config: DkimConfig): DkimOptions | undefined {
  const { DKIM_DOMAIN: domain, DKIM_SELECTOR: selector, DKIM_PRIVATE_KEY: inline, DKIM_PRIVATE_KEY_FILE: file } = config;
  if (!domain && !selector && !inline && !file) return undefined;

  const problems: string[] = [];
  if (!domain) problems.push('DKIM_DOMAIN: must be set when DKIM signing is configured');
  if (!selector) problems.push('DKIM_SELECTOR: must be set when DKIM signing is configured');
  if (inline && file) problems.push('DKIM_PRIVATE_KEY_FILE: set either DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE, not both');
  if (!inline && !file) problems.push('DKIM_PRIVATE_KEY: must be set (or DKIM_PRIVATE_KEY_FILE) when DKIM signing is configured');

  let privateKey = '';
  const keyVar = file ? 'DKIM_PRIVATE_KEY_FILE' : 'DKIM_PRIVATE_KEY';
  try {
    // Environment variables often carry a PEM on one line with literal "\n".
    privateKey = file ? fs.readFileSync(file, 'utf8') : (inline ?? '').replace(/\\n/g, '\n');
    // Parse now: a bad key must stop the worker at start, not fail every send later.
    if (privateKey) crypto.createPrivateKey(privateKey);
  } catch (err) {
    if (inline || file) problems.push(`${keyVar}: not a readable PEM private key (${(err as Error).message})`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { domainName: domain!, keySelector: selector!, privateKey, headerFieldNames: DKIM_SIGNED_HEADERS.join(':') };
}
