// `nurture <command>` as a child process of a test or script, its output collected, with a way
// to wait for a line (the build test and `npm run verify:production` run the built CLI so).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface NurtureProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output; fails if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

const DEFAULT_WAIT_MS = 60_000;

/** Runs `bin/nurture.mjs` of `root` with only the given environment (PATH and HOME besides). */
export function spawnNurture(root: string, args: string[], env: Record<string, string>): NurtureProcess {
  const child = spawn(process.execPath, [path.join(root, 'bin/nurture.mjs'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchNurture(child, args);
}

/** Collects the output of a `nurture <args>` child started some other way (stdout and stderr piped). */
export function watchNurture(child: ChildProcess, args: string[]): NurtureProcess {
  let out = '';
  const listeners = new Set<() => void>();
  const read = (d: Buffer) => {
    out += d.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
      for (const l of listeners) l();
    }),
  );
  return {
    child,
    output: () => out,
    exited: () => exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exit;
    },
    waitFor: (pattern, timeoutMs = DEFAULT_WAIT_MS) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`nurture ${args.join(' ')}: no ${pattern} in ${timeoutMs} ms:\n${out}`)),
          timeoutMs,
        );
        const check = () => {
          const m = out.match(pattern);
          if (m) done(undefined, m);
          else if (child.exitCode !== null || child.signalCode !== null)
            done(new Error(`nurture ${args.join(' ')} exited ${child.exitCode ?? child.signalCode} before ${pattern}:\n${out}`));
        };
        const done = (err?: Error, m?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve(m!);
        };
        listeners.add(check);
        check();
      }),
  };
}
