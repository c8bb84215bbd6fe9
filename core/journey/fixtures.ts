// Second-scale campaigns for tests (unit tests here, and integration tests on the real
// Temporal dev server, which cannot wait days). Parsed with the same schema as campaign files,
// without the file loader so nothing here needs Node APIs.
import { parse } from 'yaml';
import { campaignSchema, type Campaign } from '../campaign/schema.ts';

export function campaignFromYaml(text: string): Campaign {
  return campaignSchema.parse(parse(text));
}

const SALES = 'http://127.0.0.1:4010/sales';

/** The example funnel, compressed to seconds. Stage steps mirror campaigns/example.yaml. */
export const FAST_FUNNEL_YAML = `
id: fast-funnel
name: Fast funnel (tests)
scoring:
  points: { open: 1, click: 3, reply: 10, pricing_viewed: 5 }
  qualification:
    threshold: 10
    notify: { webhook: "${SALES}" }
goals:
  - on: purchase
    goto: action
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: click
        within: 10s
        then:
          - goto: interest
      - send: first-value
      - waitFor: [open, click]
        then:
          - goto: interest
    stall:
      after: 30s
      notify: { webhook: "${SALES}" }
      reengage:
        - send: re-engagement
      dormantAfter: 60s
  interest:
    steps:
      - send: faq
      - wait: 5s
      - send: tutorial
      - waitFor: click
        then:
          - goto: desire
    stall:
      after: 30s
      notify: { webhook: "${SALES}" }
      reengage:
        - send: re-engagement
      dormantAfter: 60s
  desire:
    steps:
      - send: testimonial
      - discount: { percent: 15, validFor: 1m }
      - send: discount
      - waitFor: purchase
    stall:
      after: 30s
      notify: { webhook: "${SALES}" }
      dormantAfter: 60s
  action:
    steps:
      - send: onboarding-start
      - wait: 5s
      - send: onboarding-tips
  delight:
    steps:
      - send: referral
`;

/** One send behind a weekday 9-to-5 window in Berlin (leads may have their own zone). */
export const WINDOWED_YAML = `
id: windowed
name: Send window (tests)
timezone: Europe/Berlin
sendWindow:
  days: [mon, tue, wed, thu, fri]
  hours: { from: 9, to: "17:00" }
stages:
  only:
    steps:
      - send: welcome
      - wait: 1h
      - send: first-value
`;

export const fastFunnel = (): Campaign => campaignFromYaml(FAST_FUNNEL_YAML);
export const windowed = (): Campaign => campaignFromYaml(WINDOWED_YAML);
