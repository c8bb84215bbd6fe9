// Mutation testing of the pure domain (`npm run mutation`; outside CI: minutes on two cores).
// Only the unit tests beside core/ run (vitest.mutation.config.ts), one mutant at a time.
// The journey interpreter alone: npm run mutation -- --mutate 'core/journey/**/!(*.test).ts'
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['core/**/*.ts', '!core/**/*.test.ts'],
  concurrency: 1,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'test-results/mutation/index.html' },
  tempDirName: 'test-results/stryker-tmp',
  cleanTempDir: 'always',
};
