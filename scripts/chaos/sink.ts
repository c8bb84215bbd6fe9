// The chaos SMTP sink: a real SMTP server (smtp-server) that keeps every message it accepted
// (its Message-ID, step, recipient, which sender slot sent it, when) and injects faults:
//   - 451 at RCPT (defer), 550 at RCPT for the addresses it is told to refuse;
//   - 421 after DATA (the message is not kept);
//   - connection reset after DATA was kept (the sender never hears the 250);
//   - slow answers to DATA (kept, answered 250 after a delay);
//   - the gap kill: when armed, the next message a worker slot hands over is kept, answered 250,
//     and then the worker of that slot is SIGKILLed before it can record the send.
// Each sender slot (each worker, the API) talks to a port of its own, so the sink knows which
// process holds a connection without looking at source ports.
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { Rng } from './rng.ts';

export interface SinkFaultRates {
  deferRcpt: number;
  closeAfterData: number;
  resetAfterData: number;
  slowData: number;
}

export const DEFAULT_SINK_FAULTS: SinkFaultRates = {
  deferRcpt: 0.03,
  closeAfterData: 0.02,
  resetAfterData: 0.01,
  slowData: 0.03,
};

/** What the sink did with a message's DATA, beyond answering 250 at once. */
type DataFault = 'reset' | 'gap-kill' | 'slow';

export interface SinkMessage {
  slot: string;
  messageId: string;
  /** X-Nurture-Step: the send's idempotency key, `<workflowId>#<stepKey>` (absent on the API's mail). */
  step?: string;
  to: string;
  /** The https one-click unsubscribe URL from List-Unsubscribe, if any. */
  unsubscribeUrl?: string;
  /** When the message was kept (ms since the epoch). */
  keptAt: number;
  fault?: DataFault;
}

interface SinkCounts {
  deferredRcpt: number;
  refusedRcpt: number;
  closedAfterData: number;
  resetAfterData: number;
  slowData: number;
  gapKills: number;
}

export interface ChaosSink {
  /** smtp:// URL per slot name. */
  urls: Record<string, string>;
  messages(): readonly SinkMessage[];
  counts(): Readonly<SinkCounts>;
  /** The next message a worker slot hands over triggers `onGapKill` right after its 250. */
  armGapKill(): void;
  /** Faults on or off (off while the stack settles). */
  setFaults(on: boolean): void;
  close(): Promise<void>;
}

export interface SinkOptions {
  slots: readonly string[];
  /** Slots whose process the gap kill may target (the workers). */
  killableSlots: readonly string[];
  refuse: ReadonlySet<string>;
  rates: SinkFaultRates;
  rng: Rng;
  onMessage(m: SinkMessage): void;
  onGapKill(slot: string, m: SinkMessage): void;
  log(line: string): void;
}

/** Header block of a raw message, unfolded, as name (lower-case) -> first value. */
function headers(raw: string): Map<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(i + 1).trim());
  }
  return out;
}

export async function startChaosSink(opts: SinkOptions): Promise<ChaosSink> {
  const kept: SinkMessage[] = [];
  const counts: SinkCounts = { deferredRcpt: 0, refusedRcpt: 0, closedAfterData: 0, resetAfterData: 0, slowData: 0, gapKills: 0 };
  let faults = true;
  let gapArmed = false;
  const servers: SMTPServer[] = [];
  const urls: Record<string, string> = {};

  for (const slot of opts.slots) {
    const server: SMTPServer = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      banner: 'Nurture chaos sink',
      size: 25 * 1024 * 1024,
      onRcptTo(address: SMTPServerAddress, _session, callback) {
        const to = address.address.toLowerCase();
        if (opts.refuse.has(to)) {
          counts.refusedRcpt++;
          return callback(Object.assign(new Error('5.1.1 mailbox unavailable (chaos)'), { responseCode: 550 }));
        }
        if (faults && opts.rng.chance(opts.rates.deferRcpt)) {
          counts.deferredRcpt++;
          return callback(Object.assign(new Error('4.7.1 try again later (chaos)'), { responseCode: 451 }));
        }
        callback();
      },
      onData(stream, session: SMTPServerSession, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', callback);
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          if (faults && opts.rng.chance(opts.rates.closeAfterData)) {
            counts.closedAfterData++;
            return callback(Object.assign(new Error('4.3.2 service shutting down (chaos)'), { responseCode: 421 }));
          }
          const h = headers(raw);
          const unsubscribe = /<(https?:[^>]+)>/.exec(h.get('list-unsubscribe') ?? '')?.[1];
          const message: SinkMessage = {
            slot,
            messageId: h.get('message-id') ?? '',
            step: h.get('x-nurture-step'),
            to: (session.envelope.rcptTo[0]?.address ?? '').toLowerCase(),
            unsubscribeUrl: unsubscribe,
            keptAt: Date.now(),
          };
          kept.push(message);
          opts.onMessage(message);

          if (faults && gapArmed && opts.killableSlots.includes(slot)) {
            gapArmed = false;
            counts.gapKills++;
            message.fault = 'gap-kill';
            callback();
            // After the 250 is on its way, before the worker can write its record.
            setImmediate(() => opts.onGapKill(slot, message));
            return;
          }
          if (faults && opts.rng.chance(opts.rates.resetAfterData)) {
            counts.resetAfterData++;
            message.fault = 'reset';
            const connection = [...(server as unknown as { connections: Set<SmtpConnection> }).connections].find(
              (c) => c.id === session.id,
            );
            connection?._socket?.destroy();
            return;
          }
          if (faults && opts.rng.chance(opts.rates.slowData)) {
            counts.slowData++;
            message.fault = 'slow';
            setTimeout(callback, opts.rng.int(1000, 4000));
            return;
          }
          callback();
        });
      },
    });
    // A sender killed mid-conversation resets its connection: expected here, not worth a line.
    server.on('error', (err) => {
      if ((err as { code?: string }).code !== 'ECONNRESET') opts.log(`sink ${slot}: ${String(err)}`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.server.address();
    if (typeof address !== 'object' || !address) throw new Error(`sink ${slot}: no port`);
    urls[slot] = `smtp://127.0.0.1:${address.port}`;
    servers.push(server);
  }

  return {
    urls,
    messages: () => kept,
    counts: () => counts,
    armGapKill: () => {
      gapArmed = true;
    },
    setFaults: (on) => {
      faults = on;
      if (!on) gapArmed = false;
    },
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  };
}

/** The parts of smtp-server's (untyped) connection object the reset fault needs. */
interface SmtpConnection {
  id: string;
  _socket?: { destroy(): void };
}
