import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests beside the code they test, and integration tests in test/
// that share one Temporal dev server, one SMTP inbox per file and one PostgreSQL database
// per run (started by test/global-setup.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{core,email,reports,api,activities,workflows,worker,infra,app,config,cli,privacy,observability}/**/*.test.ts',
          ],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
          // Its own group: runs after the unit project, with its own worker count.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
