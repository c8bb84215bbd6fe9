// DKIM signing for the mail transport, from config. Optional, but all or nothing: a
// half-configured signer would send unsigned mail while the operator believes it is signed.
//
// We sign ourselves (RFC 6376, rsa-sha256, relaxed/relaxed) rather than with nodemailer's
// signer because that one signs each header once: a second `Subject` or `List-Unsubscribe`
// prepended in transit would leave the signature valid while mail clients show the added one.
// Here each header in DKIM_SIGNED_HEADERS is listed in h= once more than it occurs
// ("oversigning", RFC 6376 §8.15): adding another instance of a signed header, or one that was
// absent (a Reply-To, say), breaks the signature.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { ConfigError, type Config } from '../config/index.ts';

export type DkimConfig = Pick<Config, 'DKIM_DOMAIN' | 'DKIM_SELECTOR' | 'DKIM_PRIVATE_KEY' | 'DKIM_PRIVATE_KEY_FILE'>;

export interface DkimOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
  headerFieldNames: string;
}

/**
 * Headers the signature covers, each oversigned. RFC 8058 one-click unsubscribe is honoured only
 * when the signature covers both List-Unsubscribe and List-Unsubscribe-Post, so a receiver
 * knows neither was added in transit.
 */
const DKIM_SIGNED_HEADERS = [
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

/** RFC 6376 §3.4.2: lower-case name, unfolded value, runs of WSP as one SP, none at the ends. */
function relaxedHeader(field: string): string {
  const colon = field.indexOf(':');
  const name = field
    .slice(0, colon)
    .replace(/[ \t]+$/, '')
    .toLowerCase();
  const value = field
    .slice(colon + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

/** RFC 6376 §3.4.4: WSP runs as one SP, none at line ends, no empty lines at the end. */
function relaxedBody(body: string): string {
  const canon = body
    .split('\r\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''))
    .join('\r\n')
    .replace(/(\r\n)+$/, '');
  return canon ? `${canon}\r\n` : '';
}

/**
 * The message with a DKIM-Signature header prepended (and line ends made CRLF). The message is
 * handled as bytes (latin1), so 8-bit content is signed as sent.
 */
export function dkimSign(message: Buffer, opts: DkimOptions, now = Date.now()): Buffer {
  // nodemailer leaves bare LFs in 7bit parts for the SMTP client to turn into CRLF on the wire;
  // sign (and send) what the receiver will see.
  const text = message.toString('latin1').replace(/\r?\n/g, '\r\n');
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? text : text.slice(0, split + 2);
  const body = split === -1 ? '' : text.slice(split + 4);
  const fields = head.split(/\r\n(?![ \t])/).filter(Boolean);
  const nameOf = (field: string) => field.slice(0, field.indexOf(':')).trim().toLowerCase();

  // Each name once more than it occurs: the extra entry signs "no further instance".
  const signed: string[] = [];
  for (const name of opts.headerFieldNames.split(':')) {
    const count = fields.filter((f) => nameOf(f) === name.toLowerCase()).length;
    for (let i = 0; i <= count; i++) signed.push(name);
  }
  // §5.4.2: each listed name takes the last instance not yet taken; none left: nothing.
  const remaining = [...fields];
  let data = '';
  for (const name of signed) {
    const at = remaining.findLastIndex((f) => nameOf(f) === name.toLowerCase());
    if (at === -1) continue;
    data += `${relaxedHeader(remaining[at]!)}\r\n`;
    remaining.splice(at, 1);
  }

  const bodyHash = crypto.createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');
  const clean = (v: string) => v.replace(/[^!-~]|[;=]/g, ''); // printable ASCII, no tag delimiters
  // Folded (CRLF + space) so no line grows long; relaxed canonicalization unfolds it again.
  const headerNames: string[] = [];
  for (let i = 0; i < signed.length; i += 6) headerNames.push(signed.slice(i, i + 6).join(':'));
  const unsigned =
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${clean(opts.domainName)};\r\n` +
    ` s=${clean(opts.keySelector)}; t=${Math.floor(now / 1000)}; q=dns/txt;\r\n` +
    ` bh=${bodyHash};\r\n` +
    ` h=${headerNames.join(':\r\n ')};\r\n` +
    ` b=`;
  data += relaxedHeader(unsigned);
  const signature = crypto.sign('sha256', Buffer.from(data, 'latin1'), opts.privateKey).toString('base64');
  const folded = signature.replace(/.{1,72}/g, '$&\r\n ').replace(/\r\n $/, '');
  return Buffer.from(`${unsigned}${folded}\r\n${text}`, 'latin1');
}

/** A nodemailer stream transform (MimeNode.processFunc) that signs the whole message. */
export function dkimSigningStream(opts: DkimOptions): (input: Readable) => Readable {
  return (input) => {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    input.on('data', (chunk: Buffer | string) => chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'latin1')));
    input.once('error', (err) => output.destroy(err));
    input.once('end', () => {
      try {
        output.end(dkimSign(Buffer.concat(chunks), opts));
      } catch (err) {
        output.destroy(err as Error);
      }
    });
    return output;
  };
}

/**
 * A warning when DMARC will not see the DKIM signature as aligned with the From address: the
 * signing domain must be the From domain or a parent or child of it (relaxed alignment, kept
 * simple: organisational domains are not looked up). undefined when aligned or DKIM is off.
 */
export function dkimAlignmentWarning(config: Pick<Config, 'DKIM_DOMAIN' | 'MAIL_FROM'>): string | undefined {
  if (!config.DKIM_DOMAIN) return undefined;
  const dkim = config.DKIM_DOMAIN.toLowerCase().replace(/\.$/, '');
  const from = /@([^>\s@]+)>?\s*$/.exec(config.MAIL_FROM)?.[1]?.toLowerCase().replace(/\.$/, '');
  if (from && (from === dkim || from.endsWith(`.${dkim}`) || dkim.endsWith(`.${from}`))) return undefined;
  return (
    `DKIM_DOMAIN (${dkim}) does not align with the MAIL_FROM domain (${from ?? 'none'}): ` +
    'receivers applying DMARC will not count the signature; sign with the From domain or a parent of it'
  );
}
