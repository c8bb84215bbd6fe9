import { describe, expect, it } from 'vitest';
import { campaignFromYaml } from '../../test/fixtures/campaigns.ts';
import { simulate } from './simulate.ts';

const campaign = (anytime: boolean) =>
  campaignFromYaml(`
id: anytime
name: Anytime
timezone: UTC
sendWindow: { days: [mon, tue, wed, thu, fri], hours: { from: "09:00", to: "17:00" } }
stages:
  one:
    steps:
      - send: welcome
        anytime: ${anytime}
      - send: faq
`);

describe('send anytime', () => {
  // Saturday 22:00 UTC: outside the window.
  const start = '2025-01-11T22:00:00.000Z';

  it('sends an anytime step at once and holds the next one for the window', async () => {
    const t = await simulate(campaign(true), {}, [], { start, days: 7 });
    const sends = t.entries.filter((e) => e.kind === 'send').map((e) => [e.detail, e.at]);
    expect(sends).toEqual([
      ['welcome', start],
      ['faq', '2025-01-13T09:00:00.000Z'],
    ]);
  });

  it('holds every step for the window without it', async () => {
    const t = await simulate(campaign(false), {}, [], { start, days: 7 });
    expect(t.entries.find((e) => e.kind === 'send')?.at).toBe('2025-01-13T09:00:00.000Z');
  });
});
