import { defineConfig } from 'vitest/config';

const globalSetup = ['packages/test-kit/src/global-setup.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'integration',
          include: ['apps/api/**/*.test.ts', 'packages/**/*.test.ts'],
          globalSetup,
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['apps/web/e2e/**/*.test.ts'],
          globalSetup,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
