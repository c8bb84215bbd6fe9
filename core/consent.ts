// Consent: what a signup may do given what the person said before. Pure, so the rule is one
// table of cases in core/consent.test.ts; api/webhooks/signup.ts acts on the decision.

/** Consent as a signup reports it (core/lead.ts validates the shape). */
export interface ConsentClaim {
  given: boolean;
  at?: string;
  text?: string;
  method?: string;
}

/**
 * Suppressions that were the person's own choice (or their erasure request): only the person
 * may undo them, by confirming a link sent to the address. A signed webhook alone cannot.
 * Bounces and manual blocks are not about consent and stay.
 */
export const PERSON_CHOSEN_SUPPRESSIONS: readonly string[] = ['unsubscribed', 'complained', 'erased'];

export type SignupDecision =
  /** Enroll in the campaign. */
  | { kind: 'enroll' }
  /** Consent refused, by this signup or as last recorded: stored, never enrolled. */
  | { kind: 'no_consent' }
  /** Suppressed and this signup cannot lift it. */
  | { kind: 'suppressed'; reason: string }
  /** Suppressed by the person's choice, and the signup claims new consent: ask the person. */
  | { kind: 'confirm'; reason: string };

/** A consent value as stored (leads.consent): refused only when explicitly `given: false`. */
export function consentRefused(consent: unknown): boolean {
  return typeof consent === 'object' && consent !== null && (consent as { given?: unknown }).given === false;
}

export function decideSignup(input: {
  /** This signup's consent, if it brought any. */
  consent?: ConsentClaim;
  /** The lead's latest recorded consent (null for a new lead or none recorded). */
  recorded: unknown;
  /** The address's global suppression reason, if any. */
  suppression: string | null;
}): SignupDecision {
  if (input.consent?.given === false) return { kind: 'no_consent' };
  if (input.suppression !== null) {
    return input.consent?.given === true && PERSON_CHOSEN_SUPPRESSIONS.includes(input.suppression)
      ? { kind: 'confirm', reason: input.suppression }
      : { kind: 'suppressed', reason: input.suppression };
  }
  if (input.consent === undefined && consentRefused(input.recorded)) return { kind: 'no_consent' };
  return { kind: 'enroll' };
}
