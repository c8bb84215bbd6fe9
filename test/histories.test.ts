// Every committed golden history (test/histories/<release>/, recorded by
// `npm run histories:record`) replays against the workflow code of this checkout: a change to
// workflows/ or to the journey interpreter that changes the commands of a running journey
// without patched() fails here, naming the history. See workflows/README.md.
// The replayer decrypts as production does (PAYLOAD_KEYS, infra/payload-codec.ts): histories
// recorded before the codec hold plain payloads, which it passes through, so they still replay.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { dataConverterFor } from '../infra/payload-codec.ts';
import { historyFromJSON } from './support/history-json.ts';

const HISTORIES = fileURLToPath(new URL('./histories/', import.meta.url));

// The replay worker's state changes are noise; a nondeterminism is logged as a WARN too.
Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });

/** Release folders: every folder holding a manifest.json (campaigns/ holds the inputs). */
function releases(): string[] {
  return fs
    .readdirSync(HISTORIES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(HISTORIES, d.name, 'manifest.json')))
    .map((d) => d.name)
    .sort();
}

function historyFiles(release: string): string[] {
  return fs
    .readdirSync(path.join(HISTORIES, release))
    .filter((n) => n.endsWith('.json') && n !== 'manifest.json')
    .sort();
}

describe('golden workflow histories', () => {
  it('has the histories of at least the release before 4062d8f and of v0.1.0', () => {
    expect(releases()).toEqual(expect.arrayContaining(['v0.1.0-pre-4062d8f', 'v0.1.0']));
  });

  it.each(releases())('%s: every history replays against the current workflow code', async (release) => {
    const dir = path.join(HISTORIES, release);
    const files = historyFiles(release);
    expect(files.length, `${dir} holds no histories`).toBeGreaterThan(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      scenarios: Array<{ histories: Array<{ file: string }> }>;
    };
    expect(
      manifest.scenarios.flatMap((s) => s.histories.map((h) => h.file)).sort(),
      'manifest.json and the files disagree',
    ).toEqual(files);

    // The workflow id only labels the result: one history per file.
    const histories = files.map((file) => ({
      workflowId: `${release}/${file}`,
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      {
        workflowBundle: { codePath: inject('workflowBundlePath') },
        replayName: `histories-${release}`,
        dataConverter: dataConverterFor(loadConfig({})),
      },
      histories,
    )) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures, `histories that no longer replay (see workflows/README.md):\n${failures.join('\n')}`).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
