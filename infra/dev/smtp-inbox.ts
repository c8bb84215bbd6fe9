// A local SMTP server that keeps every message it accepts: an .eml file under the inbox
// folder and an in-process list for tests. `nurture dev` and the tests send real mail to it
// through nodemailer, exactly as production sends to a real SMTP server.
import fs from 'node:fs';
import path from 'node:path';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMessage {
  file?: string;
  from: string;
  to: string[];
  raw: string;
  receivedAt: Date;
}

/** Lets a test make the server answer like a real one that defers (4xx) or refuses (5xx). */
export type RecipientRule = (address: string, attempt: number) => { code: number; message: string } | undefined;

export interface InboxOptions {
  port: number; // 0: any free port
  host?: string;
  dir?: string; // where .eml files go; omitted: memory only
  onRecipient?: RecipientRule;
}

export interface SmtpInbox {
  port: number;
  url: string;
  messages(): ReceivedMessage[];
  to(address: string): ReceivedMessage[];
  waitFor(predicate: (m: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  setRecipientRule(rule: RecipientRule | undefined): void;
  close(): Promise<void>;
}

export async function startSmtpInbox(opts: InboxOptions): Promise<SmtpInbox> {
  const host = opts.host ?? '127.0.0.1';
  const received: ReceivedMessage[] = [];
  const waiters = new Set<() => void>();
  const attempts = new Map<string, number>();
  let rule = opts.onRecipient;
  if (opts.dir) fs.mkdirSync(opts.dir, { recursive: true });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    banner: 'Nurture development inbox',
    size: 25 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const n = (attempts.get(address.address) ?? 0) + 1;
      attempts.set(address.address, n);
      const answer = rule?.(address.address, n);
      if (answer) {
        const err = Object.assign(new Error(answer.message), { responseCode: answer.code });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const receivedAt = new Date();
        const message: ReceivedMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          receivedAt,
        };
        if (opts.dir) {
          const stamp = receivedAt.toISOString().replace(/[:.]/g, '-');
          message.file = path.join(opts.dir, `${stamp}-${received.length + 1}.eml`);
          fs.writeFileSync(message.file, raw);
        }
        received.push(message);
        for (const wake of waiters) wake();
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  server.on('error', (err) => console.error('smtp inbox:', err));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

  return {
    port,
    url: `smtp://${host}:${port}`,
    messages: () => [...received],
    to: (addr) => received.filter((m) => m.to.some((t) => t.toLowerCase() === addr.toLowerCase())),
    setRecipientRule: (r) => {
      rule = r;
    },
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(predicate);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message in the inbox within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
