// SMTP requireTLS (issue 11, item 7): off loopback, the mailer upgrades with STARTTLS before
// AUTH or does not send at all. A real smtp-server that offers no STARTTLS but would gladly take
// AUTH in clear listens on this machine's own non-loopback address; the send must fail and no
// credentials may reach it. The same server on loopback still gets the mail.
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createMailer, type Mailer } from '../infra/mailer.ts';

interface PlainServer {
  url: (user: string, pass: string) => string;
  auths: string[];
  commands: string[];
  messages: string[];
  close(): Promise<void>;
}

/** An SMTP server without STARTTLS that requires AUTH and accepts it over plain TCP. */
async function startPlainServer(host: string): Promise<PlainServer> {
  const auths: string[] = [];
  const commands: string[] = [];
  const messages: string[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, cb) {
      cb();
    },
    onAuth(auth, _session, cb) {
      auths.push(`${auth.username}:${auth.password}`);
      cb(null, { user: auth.username });
    },
    onMailFrom(address, _session, cb) {
      commands.push(`MAIL FROM:${address.address}`);
      cb();
    },
    onData(stream, _session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        messages.push(raw);
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    url: (user, pass) => `smtp://${user}:${pass}@${hostInUrl}:${port}`,
    auths,
    commands,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An address of this machine that is not loopback (the first non-internal IPv4, else IPv6). */
function nonLoopbackAddress(): string {
  const all = Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal);
  const found = all.find((a) => a!.family === 'IPv4') ?? all.find((a) => a!.family === 'IPv6' && !a!.address.startsWith('fe80'));
  if (!found) throw new Error('this machine has no non-loopback address to test requireTLS with');
  return found.address;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function mailerFor(smtpUrl: string): Mailer {
  const mailer = createMailer({ SMTP_URL: smtpUrl, SMTP_MAX_CONNECTIONS: 1, SMTP_RATE_PER_SECOND: 50 });
  cleanups.push(() => mailer.close());
  return mailer;
}

const message = { from: 'hello@nurture.test', to: 'ada@example.com', subject: 'hi', text: 'hello' };

describe('SMTP requireTLS unless the server is on loopback', () => {
  it('a server off loopback without STARTTLS: the send fails and no AUTH or mail reaches it', async () => {
    const server = await startPlainServer(nonLoopbackAddress());
    cleanups.push(() => server.close());
    const mailer = mailerFor(server.url('mailer', 's3cret-password'));
    await expect(mailer.sendMail(message)).rejects.toThrow(/STARTTLS|TLS/i);
    expect(server.auths).toEqual([]);
    expect(server.commands).toEqual([]);
    expect(server.messages).toEqual([]);
  });

  it('the same server on loopback still gets the mail (plain SMTP is fine on this machine)', async () => {
    const server = await startPlainServer('127.0.0.1');
    cleanups.push(() => server.close());
    const mailer = mailerFor(server.url('mailer', 's3cret-password'));
    await mailer.sendMail(message);
    expect(server.auths).toEqual(['mailer:s3cret-password']);
    expect(server.messages).toHaveLength(1);
  });
});
