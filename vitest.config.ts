import { defineConfig } from 'vitest/config';

// Three projects: pure unit tests beside the code they test, integration tests in test/
// that share one Temporal dev server, one SMTP inbox per file and one PostgreSQL database
// per run (started by test/global-setup.ts), and the differential test on the same ones.
const DIFFERENTIAL = 'test/differential/differential.test.ts';

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
          exclude: [DIFFERENTIAL],
          globalSetup: ['test/global-setup.ts'],
          // The `nurture` these tests spawn runs the sources under test, not a build a
          // developer left in dist/ (test/build.test.ts runs its own build).
          env: { NURTURE_FROM_SOURCE: '1' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
          // Its own group: runs after the unit project, with its own worker count.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // Compares real timing with the simulator's: it runs last and alone, so that no
          // other test's load decides how late the real journeys are.
          name: 'differential',
          include: [DIFFERENTIAL],
          globalSetup: ['test/global-setup.ts'],
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
