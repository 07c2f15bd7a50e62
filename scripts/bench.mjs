// `npm run bench`: builds src/main/trainer/bench.ts into .bench/ (its own
// bundle, outside out/, so the packaged app never carries it), then runs it:
// it prints JSON: samples/s of the native
// and tfjs-layers paths (and a bare tfjs-node loop) for the mlp and cnn
// presets at batch 64 and 512, each case in its own process with the
// threads a run would get. `npm run bench -- --threads` measures one
// thread against all instead. BENCH_ROUNDS, BENCH_PRESETS and
// BENCH_BATCHES narrow it down. `npm run bench -- --pytorch PYTHON` holds
// the native path to the same networks in PyTorch (scripts/bench_pytorch.py,
// skipped with a message where that Python has no torch); `--startup` times
// Start → first loss in the GUI path and the CLI's whole `train` (needs the
// built app; BENCH_WARM=0 without the warm trainer); `--profile PRESET BATCH` lists a native step's time per op;
// `--sweep` times a 12-trial sweep serial against parallel (needs the built app);
// `--histograms` gives the per-epoch cost of the weight and gradient histograms as a % of a native epoch (mlp, cnn).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, '.bench');
// A server-side build: Node built-ins and node_modules stay imports (tfjs-node loads its addon from node_modules).
await build({
  configFile: false,
  root,
  logLevel: 'warn',
  resolve: { alias: { '@shared': path.join(root, 'src', 'shared') } },
  build: {
    ssr: path.join(root, 'src', 'main', 'trainer', 'bench.ts'),
    outDir,
    emptyOutDir: true,
    target: 'node20',
    rolldownOptions: { output: { format: 'es', entryFileNames: 'bench.js' } },
  },
});

const bench = spawnSync(process.execPath, [path.join(outDir, 'bench.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(bench.status ?? 1);
