// The only way the journey interpreter touches the world. The Temporal workflow implements
// these with activities, `condition` and workflow time; the simulator with a virtual clock.
// Everything the interpreter decides goes through here, so both hosts see the same decisions.
import type { PermanentSendFailure } from './send-failures.ts';
import type { IssuedDiscount, JourneyEndKind, JourneyState } from './state.ts';

export type SendRequest = { stepKey: string; templateId: string; stage: string; discount?: IssuedDiscount };

/**
 * What happened to one send. `capped`: the lead reached the frequency cap (counted across all
 * campaigns by the send effect); the interpreter waits until retryAt and sends again with the
 * same stepKey. `suppressed` / `bounced` end the journey: the address must get no more mail.
 * `failed`: no retry can make this send succeed (send-failures.ts says what follows).
 */
export type SendOutcome =
  | { status: 'sent' }
  | { status: 'suppressed' | 'bounced'; reason: string }
  | { status: 'capped'; retryAt: number }
  | { status: 'failed'; failure: PermanentSendFailure; reason: string };

type SalesTarget = { webhook?: string; email?: string };

/** Where a sales notification goes: the webhook when a step names both, else a mailto: URL. */
export function salesTargetUrl(target: SalesTarget): string | undefined {
  return target.webhook ?? (target.email ? `mailto:${target.email}` : undefined);
}

type FlagKind = 'stalled' | 'dormant' | 'qualified' | 'manual' | 'failed' | (string & {});

export interface JourneyEffects {
  /** ms since epoch: workflow time in Temporal, the virtual clock in the simulator. */
  now(): number;
  /**
   * Resolves true as soon as done() is true (the host applies events to the state between
   * awaits), false once the deadline passes; null = no deadline. The interpreter never calls
   * it with a deadline that has already passed. 'continueAsNew': the host wants a new run now
   * (its history grew while waiting); the interpreter hands over its state, wait included, and
   * the new run resumes the same wait with the same deadline.
   */
  waitUntil(deadline: number | null, done: () => boolean): Promise<boolean | 'continueAsNew'>;
  /** Must be idempotent on stepKey (with the workflow id): a retried send is not sent twice. */
  send(req: SendRequest): Promise<SendOutcome>;
  /** Entering a stage always clears the stalled flag. */
  setStage(change: { stepKey: string; from: string | null; to: string; reason: string }): Promise<void>;
  flag(f: { stepKey: string; kind: FlagKind; stage: string; reason: string }): Promise<void>;
  notifySales(n: { stepKey: string; target: SalesTarget; reason: string; stage: string }): Promise<void>;
  /** Must be idempotent on stepKey: a retry returns the code issued the first time. */
  issueDiscount(d: { stepKey: string; percent: number; validForMs: number }): Promise<IssuedDiscount>;
  /** Asked at step boundaries only, where the whole journey position is in the state. */
  shouldContinueAsNew(): boolean;
}

/**
 * `continueAsNew`: start a new run with this state (the same object the host applies events
 * to, so apply any events still buffered before handing it over).
 */
export type JourneyResult = { kind: JourneyEndKind; reason: string } | { kind: 'continueAsNew'; state: JourneyState };
