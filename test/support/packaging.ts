// What test/deploy.test.ts needs to read the packaging files the way Docker and Compose read
// them: a small Dockerfile parser (the instructions our Dockerfile uses, one per line), the
// build context as Docker would send it (tracked files minus .dockerignore), and Compose's
// variable interpolation. Small on purpose: anything they do not understand is an error, so
// a Dockerfile that outgrows them fails the test instead of being half-read.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Instruction {
  op: string;
  /** Leading `--name=value` options (COPY --from, HEALTHCHECK --interval). */
  flags: Record<string, string>;
  /** The rest: a string (shell form) or an array (exec form). */
  args: string | string[];
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

const OPS = new Set(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'EXPOSE', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD']);

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.endsWith('\\')) throw new Error(`Dockerfile:${i + 1}: line continuations are not read by this test`);
    const m = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (!m || !OPS.has(m[1]!)) throw new Error(`Dockerfile:${i + 1}: unknown instruction: ${line}`);
    const op = m[1]!;
    let rest = m[2]!;
    const flags: Record<string, string> = {};
    for (let f = /^--([a-z-]+)=(\S+)\s+/.exec(rest); f; f = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
      flags[f[1]!] = f[2]!;
      rest = rest.slice(f[0].length);
    }
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`Dockerfile:${i + 1}: FROM <image> AS <name>`);
      stages.push({ from: from[1]!, name: from[2] ?? String(stages.length), instructions: [] });
      return;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile:${i + 1}: ${op} before FROM`);
    // HEALTHCHECK [options] CMD ["exec", "form"] reads as ['CMD', 'exec', 'form'].
    const healthcheck = op === 'HEALTHCHECK' ? /^CMD\s+(\[.*)$/.exec(rest) : null;
    const args = healthcheck
      ? ['CMD', ...(JSON.parse(healthcheck[1]!) as string[])]
      : rest.startsWith('[')
        ? (JSON.parse(rest) as string[])
        : rest;
    stage.instructions.push({ op, flags, args });
  });
  return stages;
}

/** `ENV A=b C=d` (no quoting): the variables a stage sets, in order. */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.op === 'ENV'))
    for (const pair of (i.args as string).split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new Error(`ENV ${String(i.args)}: only KEY=value is read by this test`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  return env;
}

/** `COPY [--from=x] <src>... <dest>` as sources and destination. */
export function copyArgs(i: Instruction): { from?: string; sources: string[]; dest: string } {
  const words = Array.isArray(i.args) ? i.args : i.args.split(/\s+/);
  if (words.length < 2) throw new Error(`COPY ${words.join(' ')}: needs a source and a destination`);
  return { from: i.flags.from, sources: words.slice(0, -1), dest: words.at(-1)! };
}

/**
 * The build context: the repository's tracked files (what a clean clone holds, so nothing a
 * developer left lying around) minus what .dockerignore leaves out.
 */
export function buildContext(root: string): Set<string> {
  const ls = spawnSync('git', ['ls-files', '-z', '--cached'], { cwd: root, encoding: 'utf8' });
  if (ls.status !== 0) throw new Error(`git ls-files failed: ${ls.stderr}`);
  const ignore = fs
    .readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const patterns = ignore.map(globToRegExp);
  // A pattern that matches a folder leaves out everything in it.
  const ignored = (file: string) =>
    file.split('/').some((_, n, parts) => patterns.some((p) => p.test(parts.slice(0, n + 1).join('/'))));
  return new Set(
    ls.stdout
      .split('\0')
      .filter(Boolean)
      .filter((f) => fs.existsSync(path.join(root, f)) && !ignored(f)),
  );
}

/** A .dockerignore pattern (`*`, `?`, `**`), anchored at the context's root as Docker reads it. */
function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re.replace(/^\//, '')}$`);
}

/**
 * Docker's COPY into `destRoot` (the stage's WORKDIR): a folder's contents go into the
 * destination; several sources need a destination ending in `/`. Files come from `files`
 * (relative paths under `srcRoot`), so only what the context holds is copied.
 */
export function copyInto(srcRoot: string, files: Iterable<string>, sources: string[], dest: string, destRoot: string): number {
  if (sources.length > 1 && !dest.endsWith('/'))
    throw new Error(`COPY ${sources.join(' ')} ${dest}: several sources need a folder`);
  const all = [...files];
  let copied = 0;
  for (const src of sources) {
    const rel = path.posix.normalize(src.replace(/^\/app\/?/, '')).replace(/\/$/, '');
    const under = all.filter((f) => f === rel || f.startsWith(`${rel}/`));
    if (under.length === 0) throw new Error(`COPY ${src}: nothing in the context`);
    for (const f of under) {
      const target =
        f === rel
          ? dest.endsWith('/')
            ? path.join(destRoot, dest, path.basename(f))
            : path.join(destRoot, dest)
          : path.join(destRoot, dest, path.relative(rel, f));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(srcRoot, f), target);
      fs.chmodSync(target, fs.statSync(path.join(srcRoot, f)).mode);
      copied++;
    }
  }
  return copied;
}

/**
 * Compose's interpolation of `$VAR`, `${VAR}`, `${VAR:?message}`, `${VAR:-default}` and `$$`,
 * from `vars`. Records every name it met, and throws as Compose does on a missing `:?`.
 */
export function interpolate(value: string, vars: Record<string, string>, seen: Set<string>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([?-])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, braced, kind, arg, bare) => {
      if (m === '$$') return '$';
      const name = (braced ?? bare) as string;
      seen.add(name);
      const v = vars[name];
      if (v !== undefined && v !== '') return v;
      if (kind === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
      if (kind === '-') return arg as string;
      return '';
    },
  );
}
