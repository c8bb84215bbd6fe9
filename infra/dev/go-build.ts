// Builds Go programs once into a per-user cache shared by every clone. The vendors' installers
// download binaries from hosts these machines cannot reach; the Go module proxy is reachable,
// so `go install module/pkg@version` is how we obtain the Temporal CLI and server.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Log = (line: string) => void;

/** `${XDG_CACHE_HOME:-~/.cache}/nurture/bin/<name>`: outside the work tree, so CI's fresh clone reuses it. */
export function binCacheDir(name: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'nurture', 'bin', name);
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function findGo(): string | undefined {
  return onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/**
 * Fills `dir` once: `fill(staging, go)` builds into a private staging folder which is then
 * renamed to `dir`, so two clones building at once never see a half-written result.
 */
export function buildOnce(dir: string, what: string, fill: (staging: string, go: string) => void, log: Log): void {
  if (fs.existsSync(dir)) return;
  const go = findGo();
  if (!go) throw new Error(`${what} is not built yet, and Go (>= 1.25) is not installed to build it.`);
  log(`building ${what} once into ${dir}; this takes a few minutes…`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), '.build-'));
  try {
    fill(staging, go);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  try {
    fs.renameSync(staging, dir);
  } catch {
    // Another process finished first; its build is as good as ours.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`${what} ready in ${dir}`);
}

/** `go install <packages>` with GOBIN=`bin`; throws with the exit code on failure. */
export function goInstall(go: string, bin: string, packages: string[]): void {
  const result = spawnSync(go, ['install', ...packages], {
    env: { ...process.env, GOBIN: bin, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`go install ${packages.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** Where the module cache holds `module@version` (downloading it if needed). */
export function goModuleDir(go: string, moduleAtVersion: string): string {
  const result = spawnSync(go, ['mod', 'download', '-json', moduleAtVersion], {
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    cwd: os.tmpdir(), // outside any go.mod
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`go mod download ${moduleAtVersion} failed: ${result.stderr || result.stdout}`);
  const dir = (JSON.parse(result.stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${moduleAtVersion} gave no directory`);
  return dir;
}
