// The shapes of a campaign's steps and conditions, as the journey interpreter reads them. Plain
// types without zod, so the workflow bundle and the step walker can import them; schema.ts
// validates campaign files into these shapes.
export type Scalar = string | number | boolean;
/** Event data must match every key: equal to the value, or one of the values in a list. */
export type Filter = Record<string, Scalar | Scalar[]>;
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export type SalesTarget = { webhook?: string; email?: string };

export type ScoreTest = { gte?: number; gt?: number; lte?: number; lt?: number; eq?: number };
export type PropertyTest = { name: string; equals?: Scalar; in?: Scalar[]; exists?: boolean };
/** Every test given must hold. */
export type Condition = { score?: ScoreTest; property?: PropertyTest };

type StepBase = { id?: string };
/** `anytime`: goes out at once, outside the send window (a welcome the lead is waiting for). */
export type SendStep = StepBase & { kind: 'send'; send: string; anytime?: boolean };
export type WaitStep = StepBase & { kind: 'wait'; wait: number };
/** `within: null` waits for engagement with no timeout (the stall rule still applies). */
export type WaitForStep = StepBase & {
  kind: 'waitFor';
  waitFor: string[];
  where?: Filter;
  within: number | null;
  then: Step[];
  otherwise: Step[];
};
export type GotoStep = StepBase & { kind: 'goto'; goto: string };
export type IfStep = StepBase & { kind: 'if'; if: Condition; then: Step[]; else: Step[] };
export type DiscountStep = StepBase & { kind: 'discount'; discount: { percent: number; validFor: number } };
export type NotifySalesStep = StepBase & { kind: 'notifySales'; notifySales: SalesTarget & { reason?: string } };
export type FlagStep = StepBase & { kind: 'flag'; flag: string };
export type ExitStep = StepBase & { kind: 'exit'; exit: string };
export type Step = SendStep | WaitStep | WaitForStep | GotoStep | IfStep | DiscountStep | NotifySalesStep | FlagStep | ExitStep;
export type StepKind = Step['kind'];

export const STEP_KINDS = ['send', 'wait', 'waitFor', 'goto', 'if', 'discount', 'notifySales', 'flag', 'exit'] as const;
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
