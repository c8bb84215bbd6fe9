// `npm run build [-- --out-dir <dir>]`: the production build, plain JavaScript in dist/ (or
// <dir>) that bin/nurture.mjs runs without tsx, and the workflow code bundled once here so the
// worker does not run webpack at every start (worker/index.ts, PREBUILT_WORKFLOW_BUNDLE).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PACKAGE_ROOT } from '../infra/package.ts';
import { FAILURE_CONVERTER_PATH } from '../infra/payload-codec.ts';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../worker/index.ts';

const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
const outDir = path.resolve(values['out-dir'] ?? path.join(PACKAGE_ROOT, 'dist'));

/** Files the code reads by path at run time, which tsc does not emit: copied beside their module. */
const ASSETS = [path.relative(PACKAGE_ROOT, FAILURE_CONVERTER_PATH)];

const started = Date.now();
fs.rmSync(outDir, { recursive: true, force: true });

const tsc = spawnSync(
  process.execPath,
  [path.join(PACKAGE_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
  { cwd: PACKAGE_ROOT, stdio: 'inherit' },
);
if (tsc.status !== 0) {
  console.error(`build: tsc failed (exit ${tsc.status})`);
  process.exit(1);
}

for (const asset of ASSETS) fs.copyFileSync(path.join(PACKAGE_ROOT, asset), path.join(outDir, asset));

// The same inputs as the worker's own bundling (dataConverterFor): the failure converter
// must be inside the bundle, or failures would reach Temporal unencrypted; so must tracing's
// workflow interceptors, which a bundle cannot gain later.
const { code } = await bundleWorkflowCode({
  workflowsPath: WORKFLOWS_PATH,
  workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
  failureConverterPath: FAILURE_CONVERTER_PATH,
});
fs.writeFileSync(path.join(outDir, 'workflow-bundle.js'), code);

console.log(`build: ${path.relative(process.cwd(), outDir) || outDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
