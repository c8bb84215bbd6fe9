#!/usr/bin/env node
// Runs the build (dist/, `npm run build`) when there is one: plain JavaScript, no compiler at
// run time. Otherwise, or with NURTURE_FROM_SOURCE=1, runs the TypeScript through tsx.
import fs from 'node:fs';

const built = new URL('../dist/cli/index.js', import.meta.url);

if (process.env.NURTURE_FROM_SOURCE !== '1' && fs.existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/index.ts');
}
