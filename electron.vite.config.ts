import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

const alias = { '@shared': resolve('src/shared') };
// Rolldown's "[PLUGIN_TIMINGS]" report after every build (in `npm install`, `npm start`, `npm test`) says which
// plugins were slow: a note for whoever profiles the build, noise to everyone else.
const checks = { bundlerTimings: false };

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      rolldownOptions: {
        checks,
        // One bundle per process that runs main-side code: the Electron main
        // process, the command line (plain Node) and the trainer process;
        // plus `npm run bench`, which times the trainer's own loop.
        input: {
          index: resolve('src/main/electron/index.ts'),
          cli: resolve('src/main/cli/index.ts'),
          trainer: resolve('src/main/trainer/entry.ts'),
          bench: resolve('src/main/trainer/bench.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      rolldownOptions: {
        checks,
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    resolve: { alias: { ...alias, '@renderer': resolve('src/renderer/src') } },
    plugins: [vue()],
    build: {
      rolldownOptions: {
        checks,
        input: { index: resolve('src/renderer/index.html') },
        output: {
          // zod and the module that makes it jitless in one chunk, which every chunk defining a schema imports: the
          // setting is in place before any schema is built (a schema probes `new Function`, which the CSP reports).
          manualChunks: (id: string) => (/[\\/]node_modules[\\/]zod[\\/]/.test(id) || id.endsWith('zod-csp.ts') ? 'zod' : undefined),
        },
      },
    },
  },
});
