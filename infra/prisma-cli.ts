// Runs the Prisma CLI (generate, migrate) the way these machines need it: the js engine
// with the pg adapter (prisma.config.ts) and the native-engine look-up pointed at a
// placeholder file, since those engines are downloaded from a host we cannot reach.
// Also a script: `tsx infra/prisma-cli.ts <prisma args>` (npm run prisma -- ...).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabase } from './db-admin.ts';
import { PACKAGE_ROOT as ROOT } from './package.ts';

/**
 * Environment for the Prisma CLI: engine paths point at a placeholder file so the CLI does
 * not try to download native engines it never uses with `engine: "js"`.
 */
export function prismaCliEnv(url?: string): NodeJS.ProcessEnv {
  const placeholder = path.join(ROOT, 'node_modules', '.cache', 'nurture-prisma-placeholder');
  fs.mkdirSync(path.dirname(placeholder), { recursive: true });
  if (!fs.existsSync(placeholder)) fs.writeFileSync(placeholder, '');
  return {
    ...process.env,
    ...(url ? { DATABASE_URL: url } : {}),
    PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
    PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
}

export function runPrismaCli(args: string[], url?: string, stdio: 'pipe' | 'inherit' = 'pipe'): Promise<string> {
  const bin = path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, env: prismaCliEnv(url), stdio: ['ignore', stdio, stdio] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`prisma ${args.join(' ')} failed (${code}):\n${out}`)),
    );
  });
}

/** Applies committed migrations (creating the database first when missing). */
export async function migrate(url: string): Promise<string> {
  await ensureDatabase(url);
  return runPrismaCli(['migrate', 'deploy'], url);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runPrismaCli(process.argv.slice(2), undefined, 'inherit').catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
