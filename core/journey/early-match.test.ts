// Engagement that lands between a send and the waitFor after it (a signal processed in the
// same instant the send completes) still answers that waitFor, once.
import { describe, expect, it } from 'vitest';
import type { JourneyEffects } from './effects.ts';
import { campaignFromYaml } from './fixtures.ts';
import { runJourney } from './interpreter.ts';
import { newJourneyState, receiveEvent } from './state.ts';

const campaign = campaignFromYaml(`
id: early
name: Early
stages:
  one:
    steps:
      - send: welcome
      - waitFor: click
        within: 1h
        then:
          - send: faq
        otherwise:
          - exit: no click
      - waitFor: click
        within: 1h
        then:
          - send: tutorial
        otherwise:
          - exit: no second click
`);

function host(clickDuringSend: string[]) {
  const state = newJourneyState({ campaign, lead: { id: 'l', email: 'l@example.com' }, now: 0 });
  let now = 0;
  let n = 0;
  const sent: string[] = [];
  const effects: JourneyEffects = {
    now: () => now,
    async waitUntil(deadline, done) {
      if (done()) return true;
      now = deadline ?? now;
      return done();
    },
    async send(req) {
      sent.push(req.templateId);
      // The lead clicks while the send is still being recorded.
      if (clickDuringSend.includes(req.templateId))
        receiveEvent(state, campaign, { id: `c${++n}`, type: 'click', occurredAt: now }, now);
      return { status: 'sent' };
    },
    setStage: async () => {},
    flag: async () => {},
    notifySales: async () => {},
    issueDiscount: async () => ({ code: 'X', percent: 1, expiresAt: 1 }),
    shouldContinueAsNew: () => false,
  };
  return { state, effects, sent };
}

describe('a waitFor right after a send', () => {
  it('counts a click that arrived before the wait began', async () => {
    const h = host(['welcome']);
    const result = await runJourney(campaign, h.state, h.effects);
    // The click answered the first waitFor only; the second timed out.
    expect(h.sent).toEqual(['welcome', 'faq']);
    expect(result).toEqual({ kind: 'exited', reason: 'no second click' });
  });

  it('does not count engagement from before the email went out', async () => {
    const h = host([]);
    // A click a minute before the welcome went out (say, on the signup page's own email).
    receiveEvent(h.state, campaign, { id: 'old', type: 'click', occurredAt: -60_000 }, -60_000);
    const result = await runJourney(campaign, h.state, h.effects);
    expect(h.sent).toEqual(['welcome']);
    expect(result).toEqual({ kind: 'exited', reason: 'no click' });
  });
});
