import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import type { Plugin } from 'vite';

const alias = { '@shared': resolve('src/shared') };
// Rolldown's "[PLUGIN_TIMINGS]" report after every build (in `npm install`, `npm start`, `npm test`) says which
// plugins were slow: a note for whoever profiles the build, noise to everyone else.
const checks = { bundlerTimings: false };

/**
 * Fontsource's CSS names a .woff beside each .woff2; Chromium (Electron and
 * any browser web mode serves) reads woff2, so the bundled Chinese font
 * leaves the .woff fallbacks out (~6 MB less in the built renderer).
 */
function woff2Only(): Plugin {
  return {
    name: 'mnist-studio:woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]@fontsource[\\/]noto-sans-sc[\\/].*\.css$/.test(id)) return null;
      return { code: code.replace(/,\s*url\([^)]*\.woff\) format\('woff'\)/g, ''), map: null };
    },
  };
}

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      // Bundled, not loaded from node_modules: the modules every process of `train` loads (the CLI, its trainer and
      // the read-ahead worker), as one file each instead of zod's ~100 (zod: ~55 → ~27 ms per process here).
      externalizeDeps: { exclude: ['zod', 'commander', 'cli-progress'] },
      rolldownOptions: {
        checks,
        // One bundle per process that runs main-side code: the Electron main
        // process, the command line (plain Node) and the trainer process,
        // and one for the trainer's read-ahead worker thread.
        // `npm run bench` builds its own, outside out/, so the app never ships it.
        input: {
          index: resolve('src/main/electron/index.ts'),
          cli: resolve('src/main/cli/index.ts'),
          trainer: resolve('src/main/trainer/entry.ts'),
          'read-ahead': resolve('src/main/trainer/read-ahead-worker.ts'),
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
    plugins: [woff2Only(), vue()],
    build: {
      // Fonts stay files: the CSP's font-src 'self' refuses a small slice vite would otherwise inline as a data: URL.
      assetsInlineLimit: (file: string) => (/\.woff2?$/.test(file) ? false : undefined),
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
