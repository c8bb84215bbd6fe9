// fast-check generators for the simulator-vs-workflow differential test (issue 18): a random
// second-scale campaign as a marketer would write it, a lead, and a script of what happens to
// that lead (events, a person moving it, a second signup). Pure: no I/O, no Temporal.
//
// Everything is built from combinators, and every choice that depends on another part of the
// case (a goto's target, a step id a goal points at, a duplicate event's id) is generated as a
// plain number and resolved in a final .map, so fast-check shrinks each part independently.
//
// The cases run for real on a Temporal server in wall-clock time, so durations are whole
// seconds and short, and a campaign never loops without time passing: a goto only goes
// forward, except a rare backward one that always comes right after its own `wait`.
import fc from 'fast-check';

/** A campaign as a marketer writes it (the object a YAML file holds), durations as strings like "7s". */
type RawCampaign = Record<string, unknown>;
type Data = Record<string, string | number | boolean>;
export type ScriptItem =
  | { at: number; event: { type: string; data?: Data }; id: string }
  | { at: number; move: string } // a person moves the lead to this stage (dashboard)
  | { at: number; signup: true }; // the same lead signs up again (re-enrollment if the journey ended and allowed)
export type SendWindowPlan = { days: 'every day' | 'not today'; opensAfterMinutes: 0 | 1 | 2; openMinutes: 1 | 2 };
export interface DiffCase {
  campaign: RawCampaign; // must pass campaignSchema (core/campaign/schema.ts) as is
  window?: SendWindowPlan; // materialized into sendWindow by the harness, relative to the start time
  lead: { firstName?: string; timezone?: string; properties?: Record<string, string | number | boolean> };
  script: ScriptItem[]; // sorted by `at` (ms after the journey starts), strictly increasing
}

/** The templates a generated send may use: all in templates/emails/ except `discount`, which needs a code. */
const TEMPLATE_IDS: readonly string[] = [
  'welcome',
  'faq',
  'tutorial',
  'testimonial',
  'case-study',
  'first-value',
  'offer',
  'onboarding-start',
  'onboarding-tips',
  'onboarding-checkin',
  'referral',
  'review',
  're-engagement',
];

const STAGE_NAMES = ['awareness', 'interest', 'desire', 'action', 'delight'] as const;
const EVENT_TYPES = [
  'open',
  'click',
  'reply',
  'purchase',
  'pricing_viewed',
  'unsubscribe',
  'bounce',
  'complaint',
  'not_interested',
] as const;
const LINKS = ['https://example.com/pricing', 'https://example.com/docs'] as const;
const SALES_EMAIL = 'sales@example.com';
const REASONS = ['asked for a demo', 'high value lead', 'not a fit', 'check by hand', 'done here'] as const;
const NAMES = ['Diff', 'Random funnel', 'Generated', 'Short journey'] as const;
const ZONES = ['Asia/Bangkok', 'America/New_York'] as const;

type RawStep = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Small helpers

// withCrossShrink: a counterexample shrinks to the first alternative (no option, a plain send)
// when that still fails, not only within the alternative it was drawn from.
const SHRINK = { withCrossShrink: true };

/** The value with probability `percent`/100, else undefined (shrinks towards undefined). */
function maybe<T>(arb: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(SHRINK, { weight: 100 - percent, arbitrary: fc.constant(undefined) }, { weight: percent, arbitrary: arb });
}

/** One of the values (primitives), by weight; shrinks towards the first. */
function weighted<T extends string | number | boolean>(...pairs: Array<[number, T]>): fc.Arbitrary<T> {
  return fc.oneof(SHRINK, ...pairs.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })));
}

const seconds = (min: number, max: number) => fc.integer({ min, max }).map((n) => `${n}s`);

/** The object without its undefined fields, so the YAML and the schema see absent keys. */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const reasonArb = fc.constantFrom(...REASONS);
const linkArb = fc.constantFrom(...LINKS);
const anyEventType = fc.constantFrom(...EVENT_TYPES);
/** What a campaign waits for or aims a goal at: mostly engagement, sometimes anything. */
const awaitedType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('open', 'click', 'reply', 'purchase', 'pricing_viewed') },
  { weight: 1, arbitrary: anyEventType },
);
/** One event type or a list of them, as the file allows. */
const typeOrList: fc.Arbitrary<string | string[]> = fc.oneof(
  SHRINK,
  { weight: 3, arbitrary: awaitedType },
  { weight: 1, arbitrary: fc.uniqueArray(awaitedType, { minLength: 1, maxLength: 3 }) },
);
const linkFilter = linkArb.map((link) => ({ link }));
// A fresh object each time (never one shared instance), so the YAML has no anchors and a
// harness may change one case without touching another.
const salesTarget = fc.constant(SALES_EMAIL).map((email) => ({ email }));

// ---------------------------------------------------------------------------------------------
// Steps, generated with placeholders for what depends on the stage list, then resolved.

/**
 * A step before resolution: `body` is the raw step without id, goto target and branches;
 * `goto` picks a target stage among those after (or, if `back`, at or before) its own stage;
 * `branches` are the nested step lists of a waitFor or an if.
 */
type GenStep = {
  withId: boolean;
  body: RawStep;
  goto?: { back: boolean; pick: number; backWait: string };
  branches?: Array<[name: string, steps: GenStep[] | undefined]>;
};

const withIdArb = weighted<boolean>([7, false], [3, true]);
const plain = (body: fc.Arbitrary<RawStep>): fc.Arbitrary<GenStep> =>
  fc.record({ withId: withIdArb, body }).map(({ withId, body }) => ({ withId, body }));

const sendBody = fc
  .record({ send: fc.constantFrom(...TEMPLATE_IDS), anytime: maybe(fc.constant(true as const), 20) })
  .map(compact);
const waitBody = seconds(2, 15).map((wait) => ({ wait }));
const discountBody = fc
  .record({ percent: fc.integer({ min: 1, max: 100 }), validFor: seconds(2, 60) })
  .map((discount) => ({ discount }));
const notifyBody = fc
  .record({ email: fc.constant(SALES_EMAIL), reason: maybe(reasonArb, 60) })
  .map((n) => ({ notifySales: compact(n) }));
const flagBody = reasonArb.map((flag) => ({ flag }));
const exitBody = reasonArb.map((exit) => ({ exit }));
const waitForBody = (withinPercent: number) =>
  fc.record({ waitFor: typeOrList, where: maybe(linkFilter, 25), within: maybe(seconds(3, 15), withinPercent) }).map(compact);

const SCORE_OPS = ['gte', 'gt', 'lte', 'lt', 'eq'] as const;
const scoreTest = fc
  .tuple(
    fc.constantFrom(...SCORE_OPS),
    fc.integer({ min: 0, max: 20 }),
    maybe(fc.tuple(fc.constantFrom(...SCORE_OPS), fc.integer({ min: 0, max: 20 })), 25),
  )
  .map(([op, n, second]) => ({ [op]: n, ...(second ? { [second[0]]: second[1] } : {}) }));
const propertyTest: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constantFrom('pro', 'free').map((equals) => ({ name: 'plan', equals })),
  fc.subarray(['pro', 'free', 'team'], { minLength: 1 }).map((list) => ({ name: 'plan', in: list })),
  fc.constantFrom(1, 5, 10, 50).map((equals) => ({ name: 'seats', equals })),
  fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 4 }).map((list) => ({ name: 'seats', in: list })),
  fc.record({ name: fc.constantFrom('plan', 'seats', 'company'), exists: fc.boolean() }),
);
const condition: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  SHRINK,
  scoreTest.map((score) => ({ score })),
  propertyTest.map((property) => ({ property })),
  fc.record({ score: scoreTest, property: propertyTest }),
);

const gotoStep: fc.Arbitrary<GenStep> = fc
  .record({
    withId: withIdArb,
    back: weighted<boolean>([29, false], [1, true]),
    pick: fc.nat({ max: 4 }),
    backWait: seconds(2, 15),
  })
  .map(({ withId, back, pick, backWait }) => ({ withId, body: {}, goto: { back, pick, backWait } }));

/** Branch lists are shorter the deeper they sit; lists at depth 2 hold no more branches. */
const BRANCH_LENGTH = [0, 3, 2];

/** A step at nesting depth `depth` (0: the stage's own list). */
function stepArb(depth: number): fc.Arbitrary<GenStep> {
  const nested = depth < 2;
  const branch = () => maybe(fc.array(stepArb(depth + 1), { minLength: 1, maxLength: BRANCH_LENGTH[depth + 1] }), 55);
  const waitFor: fc.Arbitrary<GenStep> = fc
    .record({
      withId: withIdArb,
      body: waitForBody(80),
      then: nested ? branch() : fc.constant(undefined),
      otherwise: nested ? branch() : fc.constant(undefined),
    })
    .map(({ withId, body, then, otherwise }) => ({
      withId,
      body,
      branches: [
        ['then', then],
        ['otherwise', otherwise],
      ],
    }));
  const ifStep: fc.Arbitrary<GenStep> = fc
    .record({
      withId: withIdArb,
      cond: condition,
      then: nested ? branch() : fc.constant(undefined),
      else: nested ? branch() : fc.constant(undefined),
    })
    .map(({ withId, cond, then, else: otherwise }) => ({
      withId,
      body: { if: cond },
      branches: [
        ['then', then],
        ['else', otherwise],
      ],
    }));
  return fc.oneof(
    SHRINK,
    { weight: 8, arbitrary: plain(sendBody) },
    { weight: 4, arbitrary: plain(waitBody) },
    { weight: nested ? 5 : 2, arbitrary: waitFor },
    { weight: 3, arbitrary: gotoStep },
    { weight: nested ? 3 : 1, arbitrary: ifStep },
    { weight: 1, arbitrary: plain(discountBody) },
    { weight: 1, arbitrary: plain(notifyBody) },
    { weight: 1, arbitrary: plain(flagBody) },
    { weight: 1, arbitrary: plain(exitBody) },
  );
}

/** Re-engagement: short, and any waitFor in it has a timeout and no branches. */
const reengageStep: fc.Arbitrary<GenStep> = fc.oneof(
  SHRINK,
  { weight: 5, arbitrary: plain(sendBody) },
  { weight: 2, arbitrary: plain(seconds(2, 8).map((wait) => ({ wait }))) },
  { weight: 2, arbitrary: plain(waitForBody(100)) },
  { weight: 1, arbitrary: plain(flagBody) },
  { weight: 1, arbitrary: plain(notifyBody) },
  { weight: 1, arbitrary: plain(discountBody) },
  { weight: 1, arbitrary: plain(exitBody) },
);

/** Ids unique within a stage (its steps and its stall.reengage), in the order they appear. */
type IdCounter = { next: number; ids: string[] };

function resolveSteps(list: GenStep[], names: readonly string[], stage: number, ids: IdCounter): RawStep[] {
  return list.flatMap((g): RawStep[] => {
    const id = () => {
      if (!g.withId) return {};
      const value = `s${++ids.next}`;
      ids.ids.push(value);
      return { id: value };
    };
    if (g.goto !== undefined) {
      const forward = names.slice(stage + 1);
      if (!g.goto.back) {
        // The last stage has nowhere forward to go: the goto is left out.
        if (forward.length === 0) return [];
        return [{ ...id(), goto: forward[g.goto.pick % forward.length] }];
      }
      // Backward (or to the stage itself): its own wait first, so every loop takes time.
      const back = names.slice(0, stage + 1);
      return [{ wait: g.goto.backWait }, { ...id(), goto: back[g.goto.pick % back.length] }];
    }
    const step: RawStep = { ...id(), ...g.body };
    for (const [name, steps] of g.branches ?? []) {
      if (steps !== undefined) step[name] = resolveSteps(steps, names, stage, ids);
    }
    return [step];
  });
}

// ---------------------------------------------------------------------------------------------
// Stages and the campaign

type GenStage = {
  steps: GenStep[];
  stall?: { after: string; notify?: { email: string }; reengage?: GenStep[]; dormantAfter?: string };
  description?: string;
};

function stageArb(maxSteps: number): fc.Arbitrary<GenStage> {
  const stall = fc
    .record({
      after: seconds(5, 30),
      notify: maybe(salesTarget, 50),
      reengage: maybe(fc.array(reengageStep, { minLength: 1, maxLength: 2 }), 50),
      dormantAfter: maybe(seconds(5, 20), 75),
    })
    .map(compact);
  return fc
    .record({
      steps: fc.array(stepArb(0), { maxLength: maxSteps }),
      stall: maybe(stall, 50),
      description: maybe(fc.constant('generated stage'), 10),
    })
    .map(compact);
}

type GenGoal = { on: string | string[]; where?: { link: string }; stagePick: number; atPick?: number };
const goalArb: fc.Arbitrary<GenGoal> = fc
  .record({ on: typeOrList, where: maybe(linkFilter, 20), stagePick: fc.nat({ max: 4 }), atPick: maybe(fc.nat({ max: 5 }), 50) })
  .map(compact);

const exitRuleArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('unsubscribe', 'complaint', 'not_interested'),
  fc.record({ on: fc.constant('bounce'), where: fc.constant('hard').map((kind) => ({ kind })) }),
  fc.record({ on: fc.constantFrom('not_interested', 'unsubscribe', 'reply'), reason: maybe(reasonArb, 50) }).map(compact),
  fc.record({ on: fc.uniqueArray(fc.constantFrom('unsubscribe', 'complaint', 'bounce'), { minLength: 1, maxLength: 3 }) }),
);

const pointsArb = fc.record(
  {
    open: fc.integer({ min: -2, max: 5 }),
    click: fc.integer({ min: 0, max: 8 }),
    reply: fc.integer({ min: 0, max: 15 }),
    purchase: fc.integer({ min: 0, max: 20 }),
    pricing_viewed: fc.integer({ min: 0, max: 8 }),
    not_interested: fc.integer({ min: -10, max: 0 }),
  },
  { requiredKeys: [] },
);

type GenQualification = { threshold: number; stagePick?: number; notify?: { email: string } };
const qualificationArb: fc.Arbitrary<GenQualification> = fc
  .record({
    threshold: fc.integer({ min: 1, max: 30 }),
    stagePick: maybe(fc.nat({ max: 4 }), 50),
    notify: maybe(salesTarget, 50),
  })
  .map(compact);

type GenCampaign = {
  name: string;
  names: string[];
  stages: GenStage[];
  goals?: GenGoal[];
  exitOn?: unknown[];
  engagement?: string[];
  scoring?: { points?: Record<string, number>; qualification?: GenQualification };
  frequencyCap?: { max: number; per: string };
  allowReenrollment?: boolean;
  timezone?: string;
};

function campaignGenArb(maxStages: number, maxSteps: number): fc.Arbitrary<GenCampaign> {
  return fc
    .record({
      name: fc.constantFrom(...NAMES),
      names: fc.subarray([...STAGE_NAMES], { minLength: 1, maxLength: maxStages }),
      stages: fc.array(stageArb(maxSteps), { minLength: maxStages, maxLength: maxStages }),
      goals: maybe(fc.array(goalArb, { minLength: 1, maxLength: 3 }), 40),
      exitOn: maybe(fc.array(exitRuleArb, { minLength: 1, maxLength: 3 }), 35),
      engagement: maybe(fc.subarray([...EVENT_TYPES], { minLength: 1, maxLength: 4 }), 25),
      scoring: maybe(fc.record({ points: maybe(pointsArb, 85), qualification: maybe(qualificationArb, 50) }).map(compact), 50),
      frequencyCap: maybe(fc.record({ max: fc.integer({ min: 1, max: 3 }), per: seconds(5, 30) }), 12),
      allowReenrollment: maybe(fc.boolean(), 40),
      timezone: maybe(fc.constantFrom(...ZONES), 30),
    })
    .map(compact);
}

function resolveCampaign(g: GenCampaign): RawCampaign {
  const names = g.names;
  const stages: Record<string, unknown> = {};
  const topIds = new Map<string, string[]>();
  names.forEach((name, i) => {
    const s = g.stages[i]!;
    const ids: IdCounter = { next: 0, ids: [] };
    const steps = resolveSteps(s.steps, names, i, ids);
    // Only ids in the stage's own steps can be a goal's `at`; reengage ids still count as used.
    topIds.set(name, [...ids.ids]);
    const stall =
      s.stall === undefined
        ? undefined
        : compact({ ...s.stall, reengage: s.stall.reengage ? resolveSteps(s.stall.reengage, names, i, ids) : undefined });
    stages[name] = compact({ description: s.description, steps, stall });
  });
  const goals = g.goals?.map((goal) => {
    const stage = names[goal.stagePick % names.length]!;
    const ids = topIds.get(stage) ?? [];
    const at = goal.atPick !== undefined && ids.length > 0 ? ids[goal.atPick % ids.length] : undefined;
    return compact({ on: goal.on, where: goal.where, goto: stage, at });
  });
  const q = g.scoring?.qualification;
  const scoring =
    g.scoring === undefined
      ? undefined
      : compact({
          points: g.scoring.points,
          qualification:
            q === undefined
              ? undefined
              : compact({
                  threshold: q.threshold,
                  stage: q.stagePick === undefined ? undefined : names[q.stagePick % names.length],
                  notify: q.notify,
                }),
        });
  return compact({
    id: 'diff',
    name: g.name,
    timezone: g.timezone,
    stages,
    goals,
    exitOn: g.exitOn,
    engagement: g.engagement,
    scoring,
    frequencyCap: g.frequencyCap,
    allowReenrollment: g.allowReenrollment,
  });
}

// ---------------------------------------------------------------------------------------------
// The lead, the send window plan and the script

const leadArb: fc.Arbitrary<DiffCase['lead']> = fc
  .record({
    firstName: maybe(fc.constantFrom('Ada', 'Grace', 'Linus'), 70),
    timezone: maybe(fc.constantFrom('UTC', 'Europe/Berlin', ...ZONES), 30),
    properties: maybe(
      fc.record({ plan: fc.constantFrom('pro', 'free'), seats: fc.integer({ min: 1, max: 50 }) }, { requiredKeys: [] }),
      60,
    ),
  })
  .map(compact);

const windowArb: fc.Arbitrary<SendWindowPlan> = fc.record({
  days: fc.constantFrom('every day' as const, 'not today' as const),
  opensAfterMinutes: fc.constantFrom(0 as const, 1 as const, 2 as const),
  openMinutes: fc.constantFrom(1 as const, 2 as const),
});

const eventArb: fc.Arbitrary<{ type: string; data?: Data }> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('open') }) },
  {
    weight: 5,
    arbitrary: fc.record({ type: fc.constant('click'), data: maybe(linkFilter, 50) }).map(compact),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constantFrom('reply', 'purchase', 'pricing_viewed') }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constantFrom('not_interested', 'unsubscribe', 'complaint') }) },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('bounce'), data: fc.record({ kind: fc.constantFrom('hard', 'soft') }) }),
  },
);

/** What a script item will be; `signupIfAllowed` is a signup when re-enrollment is allowed, else an event. */
type ItemKind = 'event' | 'duplicate' | 'move' | 'signup' | 'signupIfAllowed';
type GenItem = { gap: number; kind: ItemKind; event: { type: string; data?: Data }; pick: number };

const SCRIPT_START = 1500;
const MIN_GAP = 1500;
const SCRIPT_END = 60_000;

function scriptGenArb(maxEvents: number): fc.Arbitrary<GenItem[]> {
  const item = fc.record({
    // Tenths of a second, at least 1.5 s apart; the first item comes after 1.5 s.
    gap: fc.integer({ min: MIN_GAP / 100, max: 100 }).map((n) => n * 100),
    kind: weighted<ItemKind>([20, 'event'], [2, 'duplicate'], [1, 'move'], [1, 'signup'], [3, 'signupIfAllowed']),
    event: eventArb,
    pick: fc.nat({ max: 7 }),
  });
  return fc.array(item, { maxLength: maxEvents });
}

function resolveScript(items: GenItem[], names: readonly string[], reenrollment: boolean): ScriptItem[] {
  const script: ScriptItem[] = [];
  const events: Array<Extract<ScriptItem, { event: unknown }>> = [];
  // The first gap is at least 1.5 s, so the first item comes strictly after SCRIPT_START.
  let at = SCRIPT_START - MIN_GAP + 1;
  for (const it of items) {
    at += it.gap;
    if (at > SCRIPT_END) break;
    const kind = it.kind === 'signupIfAllowed' ? (reenrollment ? 'signup' : 'event') : it.kind;
    if (kind === 'move') script.push({ at, move: names[it.pick % names.length]! });
    else if (kind === 'signup') script.push({ at, signup: true });
    else if (kind === 'duplicate' && events.length > 0) {
      const original = events[it.pick % events.length]!;
      const { data, ...event } = original.event;
      script.push({ at, event: { ...event, ...(data ? { data: { ...data } } : {}) }, id: original.id });
    } else {
      const e = { at, event: it.event, id: `e${events.length + 1}` };
      events.push(e);
      script.push(e);
    }
  }
  return script;
}

/** A whole differential case: campaign, optional send window plan, lead and script. */
export function diffCaseArb(opts: { maxStages?: number; maxSteps?: number; maxEvents?: number } = {}): fc.Arbitrary<DiffCase> {
  const maxStages = Math.min(Math.max(opts.maxStages ?? 4, 1), STAGE_NAMES.length);
  const maxSteps = Math.max(opts.maxSteps ?? 6, 0);
  const maxEvents = Math.max(opts.maxEvents ?? 8, 0);
  return fc
    .record({
      campaign: campaignGenArb(maxStages, maxSteps),
      window: maybe(windowArb, 15),
      lead: leadArb,
      script: scriptGenArb(maxEvents),
    })
    .map(({ campaign, window, lead, script }) =>
      compact({
        campaign: resolveCampaign(campaign),
        window,
        lead,
        script: resolveScript(script, campaign.names, campaign.allowReenrollment === true),
      }),
    );
}
