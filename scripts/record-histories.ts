// `npm run histories:record -- <release>`: records the golden workflow histories of a release.
// Starts its own real stack (see histories/stack.ts), runs every scenario of
// histories/scenarios.ts to its checkpoint, and writes each kept run's history as Temporal's
// JSON history format to test/histories/<release>/<scenario>[.<n>].json with a manifest.json
// (commit, date, scenarios, campaign files). Then it stops everything and drops its database.
// test/histories.test.ts replays every folder against the current workflow code.
//
// Options: --out <dir> (default test/histories), --force (replace an existing release folder),
// --only <name,...> (run those scenarios and write nothing: for working on a scenario).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '../test/support/history-json.ts';
import { campaignVersion } from '../core/campaign/load.ts';
import { TEMPORAL_CLI_VERSION } from '../infra/dev/temporal-dev.ts';
import { isClosed, ScenarioKit, type RunRef } from './histories/kit.ts';
import { SCENARIOS, type Scenario } from './histories/scenarios.ts';
import { SHORT_HISTORY_LIMIT, startRecordingStack, type CampaignFile, type RecordingStack } from './histories/stack.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCENARIO_TIMEOUT_MS = 120_000;
const RELEASE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

interface Args {
  release: string;
  out: string;
  force: boolean;
  only?: string[];
}

function parseArgs(argv: string[]): Args {
  const usage = 'usage: npm run histories:record -- <release> [--out <dir>] [--force] [--only <scenario,...>]';
  let release: string | undefined;
  let out = path.join(ROOT, 'test', 'histories');
  let force = false;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--force') force = true;
    else if (a === '--only') {
      only = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = only.filter((n) => !SCENARIOS.some((s) => s.name === n));
      if (only.length === 0 || unknown.length)
        throw new Error(`--only: unknown scenario(s) ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
    } else if (a === '--out') {
      const dir = argv[++i];
      if (!dir) throw new Error(`--out: needs a directory\n${usage}`);
      out = path.resolve(dir);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${usage}`);
    else if (release === undefined) release = a;
    else throw new Error(`one release label only (got "${release}" and "${a}")\n${usage}`);
  }
  if (release === undefined) throw new Error(`a release label is required, e.g. v0.2.0\n${usage}`);
  if (!RELEASE.test(release))
    throw new Error(`release "${release}": must be letters, digits, ".", "_" or "-" (it names a folder)`);
  return { release, out, force, only };
}

function git(args: string[]): string | null {
  try {
    // Not trimmed: porcelain status lines start with a space.
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\n$/, '');
  } catch {
    return null;
  }
}

function campaignFiles(): CampaignFile[] {
  const dir = path.join('test', 'histories', 'campaigns');
  const sources = [
    path.join('campaigns', 'example.yaml'),
    ...fs
      .readdirSync(path.join(ROOT, dir))
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()
      .map((n) => path.join(dir, n)),
  ];
  return sources.map((source) => ({ source, text: fs.readFileSync(path.join(ROOT, source), 'utf8') }));
}

async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Recorded {
  scenario: Scenario;
  kit: ScenarioKit;
  runs: RunRef[];
}

async function runScenarios(stack: RecordingStack, scenarios: Scenario[]): Promise<Recorded[]> {
  const results = await Promise.allSettled(
    scenarios.map(async (scenario) => {
      const kit = new ScenarioKit(scenario.name, stack, (line) => console.log(`  [${scenario.name}] ${line}`));
      const runs = await withTimeout(scenario.name, SCENARIO_TIMEOUT_MS, scenario.run(kit));
      kit.log(`checkpoint reached (${runs.length} run${runs.length === 1 ? '' : 's'})`);
      return { scenario, kit, runs };
    }),
  );
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message ?? String(r.reason)] : []));
  if (failed.length)
    throw new Error(`${failed.length} scenario(s) did not reach their checkpoint:\n${failed.map((f) => `  - ${f}`).join('\n')}`);
  return results.map((r) => (r as PromiseFulfilledResult<Recorded>).value);
}

async function writeRelease(
  args: Args,
  stack: RecordingStack,
  recorded: Recorded[],
  uncommitted: string[],
): Promise<{ dir: string; files: number; bytes: number }> {
  const dir = path.join(args.out, args.release);
  if (fs.existsSync(dir) && !args.force)
    throw new Error(`${dir} exists: histories of a release are recorded once (--force replaces them)`);
  fs.mkdirSync(args.out, { recursive: true });
  const staging = fs.mkdtempSync(path.join(args.out, `.${args.release}-`));
  let files = 0;
  let bytes = 0;
  try {
    const scenarios = [];
    for (const { scenario, kit, runs } of recorded) {
      const histories = [];
      for (const [i, run] of runs.entries()) {
        const history = await kit.quietHistory(run);
        const file = runs.length === 1 ? `${scenario.name}.json` : `${scenario.name}.${i + 1}.json`;
        const json = historyToJSON(history);
        fs.writeFileSync(path.join(staging, file), json);
        files++;
        bytes += json.length;
        histories.push({
          file,
          workflowId: run.workflowId,
          runId: run.runId,
          events: history.events?.length ?? 0,
          closed: isClosed(history),
        });
      }
      scenarios.push({ name: scenario.name, campaign: scenario.campaign, about: scenario.about, histories });
    }
    const worker = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'node_modules', '@temporalio', 'worker', 'package.json'), 'utf8'),
    ) as { version: string };
    const manifest = {
      release: args.release,
      commit: git(['rev-parse', 'HEAD']),
      // Uncommitted paths of the checkout when recording started (the recorder itself, when it
      // was copied into an older tree to record that tree's workflow code).
      uncommitted,
      recordedAt: new Date().toISOString(),
      temporal: { sdk: worker.version, cli: TEMPORAL_CLI_VERSION },
      continueAsNewHistoryLimit: SHORT_HISTORY_LIMIT,
      campaigns: stack.campaigns.map((c) => ({ file: c.source, version: campaignVersion(c.written) })),
      scenarios,
    };
    fs.writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return { dir, files, bytes };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const uncommitted = (git(['status', '--porcelain', '--untracked-files=all']) ?? '')
    .split('\n')
    .flatMap((l) => /^.. (.+)$/.exec(l)?.[1] ?? []);
  const log = (line: string) => console.log(`histories: ${line}`);
  log(`recording release ${args.release} from ${git(['rev-parse', '--short', 'HEAD']) ?? 'an unknown commit'}`);
  const stack = await startRecordingStack({ root: ROOT, campaigns: campaignFiles(), log });
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    log('interrupted: stopping the stack and dropping the database');
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const scenarios = args.only ? SCENARIOS.filter((s) => args.only!.includes(s.name)) : SCENARIOS;
    log(`running ${scenarios.length} scenarios`);
    const recorded = await runScenarios(stack, scenarios);
    if (args.only) {
      log(`--only: all checkpoints reached; nothing written`);
    } else {
      const { dir, files, bytes } = await writeRelease(args, stack, recorded, uncommitted);
      log(
        `wrote ${files} histories (${Math.round(bytes / 1024)} KiB) and manifest.json to ${path.relative(process.cwd(), dir) || dir}`,
      );
    }
  } finally {
    log('stopping the stack and dropping the database');
    await stack.stop();
  }
  log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`histories: ${err.message}`);
    process.exit(1);
  },
);
