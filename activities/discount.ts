// Discount codes: one per lead and campaign, issued once however often the step runs or
// retries, and marked redeemed when a purchase names it.
import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { DiscountCode } from '../generated/prisma/client.ts';
import type { Db } from '../infra/db.ts';
import { effectKey } from '../core/journey/effect-key.ts';
import type { IssuedDiscount } from '../core/journey/state.ts';
import { leadGone, unlessLeadGone } from './lead-gone.ts';

export interface IssueDiscountRequest {
  workflowId: string;
  stepKey: string;
  leadId: string;
  campaignId: string;
  /** Whole percent, 1..100 (the column is an integer). */
  percent: number;
  validForMs: number;
}

export interface RedeemDiscountRequest {
  code: string;
  leadId: string;
  /** When the purchase happened (a late event is judged by then, not by its arrival). */
  at?: Date;
}

export type RedeemOutcome =
  | { status: 'redeemed'; code: string; redeemedAt: string; firstTime: boolean }
  | { status: 'expired'; code: string; expiresAt: string }
  /** No such code for this lead: unknown, mistyped, or another lead's code. */
  | { status: 'unknown' };

// No 0/O, 1/I/L or U: read aloud or typed from a phone, a code has one spelling.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 3;
const GROUP_LENGTH = 4;

/**
 * A human-friendly, unguessable code such as `EXAMPLE-7KQ2-9XPM-3HRT`: the prefix names the
 * campaign, the rest is 12 symbols from crypto.randomInt (about 59 bits).
 */
export function generateDiscountCode(campaignId: string): string {
  const prefix =
    campaignId
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 12) || 'NURTURE';
  const groups = Array.from({ length: GROUPS }, () =>
    Array.from({ length: GROUP_LENGTH }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join(''),
  );
  return [prefix, ...groups].join('-');
}

/** Codes arrive typed by people and echoed by shops: case and surrounding space do not count. */
export function normalizeDiscountCode(code: string): string {
  return code.trim().toUpperCase();
}

export async function issueDiscount(db: Db, req: IssueDiscountRequest): Promise<IssuedDiscount> {
  if (!Number.isInteger(req.percent) || req.percent < 1 || req.percent > 100 || !(req.validForMs > 0)) {
    throw ApplicationFailure.nonRetryable(
      `invalid discount: percent must be a whole number 1..100 and validForMs > 0 (got ${req.percent}, ${req.validForMs})`,
      'InvalidDiscount',
    );
  }
  const idempotencyKey = effectKey(req);
  // A retry finds its own row; a second discount step of the same journey (or a re-enrolled
  // lead) finds the lead's code for this campaign: one code per lead and campaign.
  const find = () =>
    db.discountCode.findFirst({ where: { OR: [{ idempotencyKey }, { leadId: req.leadId, campaignId: req.campaignId }] } });

  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await find();
    if (existing) return issued(existing);
    const { count } = await db.discountCode.createMany({
      data: [
        {
          idempotencyKey,
          code: generateDiscountCode(req.campaignId),
          leadId: req.leadId,
          campaignId: req.campaignId,
          percent: req.percent,
          expiresAt: new Date(Date.now() + req.validForMs),
        },
      ],
      // Any unique clash (a concurrent attempt, or a code collision) loses quietly; the loop
      // then finds the winner's row, or draws a new code.
      skipDuplicates: true,
    });
    if (count === 1) return issued((await find())!);
  }
  throw new Error(`could not issue a discount code for ${idempotencyKey}`);
}

/** Records that a purchase used the code. Idempotent: a replayed purchase event changes nothing. */
export async function redeemDiscount(db: Db, req: RedeemDiscountRequest): Promise<RedeemOutcome> {
  const code = normalizeDiscountCode(req.code);
  const at = req.at ?? new Date();
  // Conditional update: two purchase events racing cannot both be the first redemption.
  const { count } = await db.discountCode.updateMany({
    where: { code, leadId: req.leadId, redeemedAt: null, expiresAt: { gt: at } },
    data: { redeemedAt: at },
  });
  const row = await db.discountCode.findFirst({ where: { code, leadId: req.leadId } });
  if (!row) return { status: 'unknown' };
  if (row.redeemedAt) return { status: 'redeemed', code, redeemedAt: row.redeemedAt.toISOString(), firstTime: count === 1 };
  return { status: 'expired', code, expiresAt: row.expiresAt.toISOString() };
}

function issued(row: DiscountCode): IssuedDiscount {
  return { code: row.code, percent: row.percent, expiresAt: row.expiresAt.getTime() };
}

export function discountActivities(db: Db) {
  return {
    issueDiscount: (req: IssueDiscountRequest) =>
      unlessLeadGone(
        db,
        req.leadId,
        () => issueDiscount(db, req),
        () => {
          throw leadGone(req.leadId);
        },
      ),
    redeemDiscount: (req: Omit<RedeemDiscountRequest, 'at'> & { at?: string }) =>
      redeemDiscount(db, { ...req, at: req.at ? new Date(req.at) : undefined }),
  };
}
