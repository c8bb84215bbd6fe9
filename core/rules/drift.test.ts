// The same strings pass at every edge: a campaign file, the webhooks and the dashboard share one
// rule for each identifier, so what a marketer may write is exactly what a sender may send.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { campaignSchema } from '../campaign/schema.ts';
import { engagementEventSchema } from '../events.ts';
import { signupSchema } from '../lead.ts';
import { periodSchema } from '../../reports/query.ts';

const base = { id: 'c', name: 'C', stages: { a: { steps: [{ send: 'welcome' }] } } };
const campaignAcceptsEvent = (type: string) =>
  campaignSchema.safeParse({ ...base, stages: { a: { steps: [{ waitFor: type }] } } }).success;
const webhookAcceptsEvent = (type: string) =>
  engagementEventSchema.safeParse({ type, email: 'a@example.com', eventId: 'e1' }).success;
const campaignAcceptsId = (id: string) => campaignSchema.safeParse({ ...base, id }).success;
const signupAcceptsCampaign = (id: string) => signupSchema.safeParse({ email: 'a@example.com', campaign: id }).success;
const dashboardAcceptsCampaign = (id: string) => periodSchema.safeParse({ campaign: id }).success;

// Strings near the rules' edges: letters of both cases, digits and the punctuation they allow.
const identifier = fc.string({ unit: fc.constantFrom(...'aZz09_-.A '.split('')), minLength: 1, maxLength: 12 });

describe('edge rules agree', () => {
  it('an event type a campaign may wait for is one the events webhook accepts, and no other', () => {
    for (const t of ['pricing-viewed', 'Click', 'trial.started'])
      expect([t, campaignAcceptsEvent(t)]).toEqual([t, webhookAcceptsEvent(t)]);
    fc.assert(fc.property(identifier, (t) => campaignAcceptsEvent(t) === webhookAcceptsEvent(t)));
  });

  it('a campaign id a file may declare is one a signup and the dashboard may name, and no other', () => {
    for (const id of ['Spring', 'spring-2025']) {
      expect([id, campaignAcceptsId(id)]).toEqual([id, signupAcceptsCampaign(id)]);
      expect([id, campaignAcceptsId(id)]).toEqual([id, dashboardAcceptsCampaign(id)]);
    }
    fc.assert(
      fc.property(
        identifier,
        (id) => campaignAcceptsId(id) === signupAcceptsCampaign(id) && campaignAcceptsId(id) === dashboardAcceptsCampaign(id),
      ),
    );
  });
});
