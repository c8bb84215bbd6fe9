import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { campaignVersion, formatErrors, parseCampaign, templateReferences } from './load.ts';

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../campaigns/example.yaml');

// Line numbers below are those of this text; keep the layout when editing.
const BAD_WITHIN = `id: broken
name: Broken
stages:
  awareness:
    steps:
      - send: welcome
  desire:
    steps:
      - send: testimonial
      - wait: 3d
      - waitFor: click
        within: three days
        then:
          - goto: action
`;

function errorsOf(text: string, file = 'campaigns/x.yaml') {
  const r = parseCampaign(text, file);
  if (r.ok) throw new Error('expected the campaign to be rejected');
  return r.errors;
}

describe('parseCampaign', () => {
  it('accepts the shipped example campaign with its version hash', async () => {
    const r = parseCampaign(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    if (!r.ok) throw new Error(formatErrors(r.errors).join('\n'));
    expect(r.campaign.id).toBe('example');
    expect(Object.keys(r.campaign.stages)).toEqual(['awareness', 'interest', 'desire', 'action', 'delight']);
    expect(r.version).toMatch(/^[0-9a-f]{64}$/);
    for (const stage of Object.values(r.campaign.stages)) expect(stage.stall).toBeDefined();
    expect(r.campaign.scoring.points).toMatchObject({ open: 1, click: 3, reply: 10, pricing_viewed: 5, demo_requested: 15 });
    expect(r.campaign.sendWindow).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { from: 540, to: 1020 } });
    expect(r.campaign.frequencyCap?.per).toBe(7 * 86_400_000);
  });

  it('fills in the defaults', () => {
    const r = parseCampaign('id: t\nname: T\nstages:\n  only:\n    steps:\n      - send: welcome\n', 't.yaml');
    if (!r.ok) throw new Error(formatErrors(r.errors).join('\n'));
    expect(r.campaign.timezone).toBe('UTC');
    expect(r.campaign.allowReenrollment).toBe(false);
    expect(r.campaign.exitOn).toEqual([
      { on: ['unsubscribe'] },
      { on: ['complaint'] },
      { on: ['bounce'], where: { kind: 'hard' } },
    ]);
    expect(r.campaign.stages.only?.steps).toEqual([{ kind: 'send', send: 'welcome' }]);
  });

  it('normalises step shapes: durations in ms, event lists, empty branches', () => {
    const r = parseCampaign(
      'id: t\nname: T\nstages:\n  a:\n    steps:\n      - id: hello\n        waitFor: click\n        where: { link: "https://x.example/p" }\n      - wait: 1d12h\n',
      't.yaml',
    );
    if (!r.ok) throw new Error(formatErrors(r.errors).join('\n'));
    expect(r.campaign.stages.a?.steps).toEqual([
      {
        kind: 'waitFor',
        id: 'hello',
        waitFor: ['click'],
        where: { link: 'https://x.example/p' },
        within: null,
        then: [],
        otherwise: [],
      },
      { kind: 'wait', wait: 129_600_000 },
    ]);
  });

  it('reports a bad within with file, line, column and path', () => {
    const errors = errorsOf(BAD_WITHIN);
    expect(errors).toEqual([
      {
        file: 'campaigns/x.yaml',
        line: 12,
        column: 17,
        path: 'stages.desire.steps[2].within',
        message: 'must be a duration like 3d',
      },
    ]);
    expect(formatErrors(errors)).toEqual(['campaigns/x.yaml:12:17 stages.desire.steps[2].within: must be a duration like 3d']);
  });

  it('rejects goto to an undeclared stage, naming the declared ones', () => {
    const errors = errorsOf(BAD_WITHIN.replace('three days', '3d'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 14, path: 'stages.desire.steps[2].then[0].goto' });
    expect(errors[0]?.message).toMatch(/unknown stage "action".*awareness, desire/);
  });

  it('checks goal and qualification references', () => {
    const text = `id: t
name: T
goals:
  - on: purchase
    goto: action
  - on: pricing_viewed
    goto: a
    at: nope
scoring:
  qualification: { threshold: 10, stage: sales }
stages:
  a:
    steps:
      - send: welcome
`;
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.path, e.line])).toEqual([
      ['goals[0].goto', 5],
      ['goals[1].at', 8],
      ['scoring.qualification.stage', 10],
    ]);
  });

  it('points at unknown fields and steps that do two things', () => {
    const text = `id: t
name: T
stages:
  a:
    steps:
      - send: welcome
        withn: 3d
      - send: faq
        wait: 1d
      - {}
`;
    const errors = errorsOf(text);
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`)).toEqual([
      '7:9 stages.a.steps[0].withn: unknown field "withn"',
      '8:9 stages.a.steps[1]: a step does one thing, but this one has send and wait',
      '10:9 stages.a.steps[2]: a step needs one of: send, wait, waitFor, goto, if, discount, notifySales, flag, exit',
    ]);
  });

  it('reports missing fields at their parent, and bad values in nested settings', () => {
    const text = `name: T
timezone: Mars/Olympus
sendWindow:
  days: [mon, funday]
  hours: { from: 17, to: 9 }
stages:
  a:
    steps:
      - send: welcome
    stall:
      after: soon
`;
    const byPath = Object.fromEntries(errorsOf(text).map((e) => [e.path, `${e.line} ${e.message}`]));
    expect(byPath).toEqual({
      id: '1 is required',
      timezone: '2 must be an IANA time zone such as Europe/Paris',
      'sendWindow.days[1]': '4 must be one of mon, tue, wed, thu, fri, sat, sun',
      'sendWindow.hours': '5 from must be before to',
      'stages.a.stall.after': '11 must be a duration like 3d',
    });
  });

  it('reports YAML syntax errors with their line', () => {
    const errors = errorsOf('id: t\nname: T\nstages:\n  a:\n    steps: [\n', 'bad.yaml');
    expect(errors[0]?.file).toBe('bad.yaml');
    expect(errors[0]?.line).toBeGreaterThanOrEqual(5);
  });

  it('gives every edit a new version', () => {
    expect(campaignVersion('a')).not.toBe(campaignVersion('a '));
    expect(campaignVersion('a')).toBe(campaignVersion('a'));
  });
});

describe('templateReferences', () => {
  it('lists every template the example sends, with lines', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(EXAMPLE, 'utf8');
    const refs = templateReferences(text, 'campaigns/example.yaml');
    const ids = new Set(refs.map((r) => r.templateId));
    expect([...ids].sort()).toEqual(
      [
        'welcome',
        'first-value',
        'faq',
        'tutorial',
        'testimonial',
        'case-study',
        'discount',
        'offer',
        'onboarding-start',
        'onboarding-tips',
        'onboarding-checkin',
        'referral',
        'review',
        're-engagement',
      ].sort(),
    );
    const lines = text.split('\n');
    for (const r of refs) expect(lines[r.line - 1]).toContain(`send: ${r.templateId}`);
  });

  it('works on invalid campaigns too, so a linter can still point at them', () => {
    const refs = templateReferences(BAD_WITHIN, 'x.yaml');
    expect(refs).toEqual([
      { file: 'x.yaml', line: 6, column: 15, path: 'stages.awareness.steps[0].send', templateId: 'welcome' },
      { file: 'x.yaml', line: 9, column: 15, path: 'stages.desire.steps[0].send', templateId: 'testimonial' },
    ]);
  });
});
