#!/usr/bin/env node
// Runs the TypeScript CLI without a build step (tsx); `tsc --noEmit` type-checks in CI.
import { register } from 'tsx/esm/api';

register();
await import('../cli/index.ts');
