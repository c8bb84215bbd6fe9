// The chaos run's traffic: signups as a real webhook sender makes them (signed, retried with
// backoff on anything but a 2xx or a 4xx refusal, counted "enrolled" only on a 2xx), some
// repeated and some delivered several times at once, with and without an eventId; and
// unsubscribes during the run, through the one-click link in the welcome email (RFC 8058 POST)
// or the events API.
import { signatureHeader } from '../../infra/signature.ts';
import type { Rng } from './rng.ts';

export interface LeadPlan {
  index: number;
  email: string;
  /** The signup's eventId; absent for signups sent without one. */
  eventId?: string;
  /** Identical deliveries sent at once. */
  copies: number;
  /** One more identical delivery once the first was answered 2xx. */
  repeatLater: boolean;
  /** The sink answers 550 at RCPT for this address. */
  refused: boolean;
  unsubscribe?: 'one-click' | 'event';
}

export interface LeadOutcome {
  plan: LeadPlan;
  /** Some delivery of the signup was answered 2xx. */
  enrolled: boolean;
  leadId?: string;
  workflowId?: string;
  /** A 4xx that is not worth retrying (a bug: every signup here is valid). */
  refusals: string[];
  /** The unsubscribe request was answered 2xx. */
  unsubscribed: boolean;
}

interface DriverCounts {
  requests: number;
  retried: number;
  networkErrors: number;
  /** Requests given up after MAX_ATTEMPTS. */
  gaveUp: number;
  byStatus: Record<string, number>;
}

export function planLeads(n: number, seed: number, rng: Rng): LeadPlan[] {
  return Array.from({ length: n }, (_, index) => {
    const roll = rng.next();
    const refused = rng.chance(0.01);
    return {
      index,
      email: `chaos-${seed}-${index}@example.com`,
      eventId: rng.chance(0.7) ? `chaos-${seed}-${index}` : undefined,
      copies: rng.chance(0.1) ? rng.int(2, 3) : 1,
      repeatLater: rng.chance(0.05),
      refused,
      // A refused address never receives the welcome that carries the one-click link.
      unsubscribe: roll < 0.04 && !refused ? 'one-click' : roll < 0.06 ? 'event' : undefined,
    };
  });
}

export interface Driver {
  counts: DriverCounts;
  /** Signups sent (all deliveries of a lead finished). */
  done(): number;
  /** Call when the sink keeps a message for `to`: a one-click unsubscribe may be waiting for it. */
  onMessage(to: string, unsubscribeUrl: string | undefined): void;
  run(): Promise<LeadOutcome[]>;
}

export function createDriver(opts: {
  apiUrl: string;
  secret: string;
  plans: LeadPlan[];
  concurrency: number;
  rng: Rng;
  log(line: string): void;
}): Driver {
  const counts: DriverCounts = { requests: 0, retried: 0, networkErrors: 0, gaveUp: 0, byStatus: {} };
  const outcomes = opts.plans.map((plan): LeadOutcome => ({ plan, enrolled: false, refusals: [], unsubscribed: false }));
  const oneClickWaiting = new Map<string, (url: string) => void>();
  const background: Promise<void>[] = [];
  let finished = 0;
  let lastWokenAt = Date.now();

  /**
   * POSTs until a 2xx or a 4xx refusal; the backoff doubles from 250 ms up to 8 s. Gives up after
   * MAX_ATTEMPTS (about 8 minutes), as a real sender does, answering status 0.
   */
  async function deliver(
    pathname: string,
    body: string,
    contentType: string,
    sign: boolean,
  ): Promise<{ status: number; json: any }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) {
        counts.retried++;
        const backoff = Math.min(250 * 2 ** Math.min(attempt - 1, 5), 8000);
        await new Promise((r) => setTimeout(r, backoff / 2 + opts.rng.next() * (backoff / 2)));
      }
      counts.requests++;
      let res: Response;
      try {
        res = await fetch(`${opts.apiUrl}${pathname}`, {
          method: 'POST',
          headers: { 'content-type': contentType, ...(sign ? { 'nurture-signature': signatureHeader(opts.secret, body) } : {}) },
          body,
          signal: AbortSignal.timeout(30_000),
        });
      } catch {
        counts.networkErrors++;
        continue;
      }
      counts.byStatus[res.status] = (counts.byStatus[res.status] ?? 0) + 1;
      const text = await res.text().catch(() => '');
      if (isOk(res.status)) return { status: res.status, json: safeJson(text) };
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        return { status: res.status, json: safeJson(text) ?? text };
      }
    }
    counts.gaveUp++;
    return { status: 0, json: `gave up after ${MAX_ATTEMPTS} attempts` };
  }

  async function unsubscribeByEvent(o: LeadOutcome): Promise<void> {
    const body = JSON.stringify({ type: 'unsubscribe', email: o.plan.email, eventId: `chaos-unsubscribe-${o.plan.index}` });
    const res = await deliver('/webhooks/events', body, 'application/json', true);
    if (isOk(res.status)) o.unsubscribed = true;
    else o.refusals.push(`events unsubscribe ${res.status} ${JSON.stringify(res.json)}`);
  }

  async function signup(o: LeadOutcome): Promise<void> {
    const body = JSON.stringify({
      email: o.plan.email,
      firstName: 'Chaos',
      ...(o.plan.eventId ? { eventId: o.plan.eventId } : {}),
    });
    const first = await Promise.all(
      Array.from({ length: o.plan.copies }, () => deliver('/webhooks/signup', body, 'application/json', true)),
    );
    const later =
      o.plan.repeatLater && first.some((r) => isOk(r.status))
        ? [await deliver('/webhooks/signup', body, 'application/json', true)]
        : [];
    for (const r of [...first, ...later]) {
      if (isOk(r.status)) {
        o.enrolled = true;
        o.leadId ??= r.json?.leadId;
        o.workflowId ??= r.json?.workflowId;
      } else o.refusals.push(`signup ${r.status} ${JSON.stringify(r.json)}`);
    }
    if (!o.enrolled) return;
    if (o.plan.unsubscribe === 'event') {
      const delayMs = opts.rng.int(0, 25_000);
      background.push(new Promise((r) => setTimeout(r, delayMs)).then(() => unsubscribeByEvent(o)));
    } else if (o.plan.unsubscribe === 'one-click') {
      background.push(
        new Promise<string>((resolve) => oneClickWaiting.set(o.plan.email, resolve)).then(async (url) => {
          if (!url) return;
          const res = await deliver(
            new URL(url).pathname,
            'List-Unsubscribe=One-Click',
            'application/x-www-form-urlencoded',
            false,
          );
          if (isOk(res.status)) o.unsubscribed = true;
          else o.refusals.push(`one-click unsubscribe ${res.status}`);
        }),
      );
    }
  }

  return {
    counts,
    done: () => finished,
    onMessage(to, url) {
      const wake = oneClickWaiting.get(to);
      if (wake && url) {
        lastWokenAt = Date.now();
        oneClickWaiting.delete(to);
        wake(url);
      }
    },
    async run() {
      let next = 0;
      await Promise.all(
        Array.from({ length: opts.concurrency }, async () => {
          while (next < outcomes.length) {
            const o = outcomes[next++]!;
            await signup(o);
            finished++;
          }
        }),
      );
      // A one-click unsubscribe waits for its welcome, which may sit in the workers' backlog for
      // minutes; the ones still waiting when no welcome they wait for has come for a minute (a
      // send left claimed, a journey that does not send) are given up. The sink's other mail does
      // not count: resends and retries trickle on for as long as the faults go on.
      lastWokenAt = Math.max(lastWokenAt, Date.now());
      while (oneClickWaiting.size > 0 && Date.now() - lastWokenAt < 60_000) await new Promise((r) => setTimeout(r, 1000));
      for (const [email, wake] of oneClickWaiting) {
        oneClickWaiting.delete(email);
        wake('');
      }
      await Promise.all(background.map((p) => p.catch((err: unknown) => opts.log(`unsubscribe failed: ${String(err)}`))));
      return outcomes;
    },
  };
}

const MAX_ATTEMPTS = 60;
const isOk = (status: number) => status >= 200 && status < 300;

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
