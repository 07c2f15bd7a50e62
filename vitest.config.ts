import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const alias = { '@shared': resolve('src/shared'), '@renderer': resolve('src/renderer/src') };

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/shared/**/*.test.ts', 'test/main/**/*.test.ts', 'test/tools/**/*.test.ts'],
          // tfjs-node loads once per process; worker threads break its addon.
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        plugins: [vue()],
        test: {
          name: 'web',
          environment: 'happy-dom',
          include: ['test/renderer/**/*.test.ts'],
          setupFiles: ['test/renderer/setup.ts'],
          // Screens mount with the real router, i18n and stores: seconds on a loaded machine, not the default 5 s.
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Hostile inputs, faults and load (issue 7): `npm run check:robustness` runs these alone and prints a summary.
          name: 'robustness',
          environment: 'node',
          include: ['test/robustness/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
