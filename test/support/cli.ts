// The `nurture` command as a child process, bounded: a command that hangs is killed after
// `timeoutMs` and the test fails saying so, instead of hanging the run past CI's limit.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Long enough for tsx to start and a command to run on a loaded two-core machine. */
const CLI_TIMEOUT_MS = 60_000;

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

export async function nurture(args: string[], env: Record<string, string> = {}, timeoutMs = CLI_TIMEOUT_MS): Promise<CliResult> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/nurture.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `nurture ${args.join(' ')} did not finish within ${timeoutMs} ms (killed)\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    const code = await Promise.race([exited, timedOut]);
    return { code, out, err };
  } finally {
    clearTimeout(timer);
  }
}

/** A temporary folder holding these files (paths relative to it), for a command to read. */
export function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-cli-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
