// `npm run bench`: builds the bundles, then runs out/main/bench.js (see
// src/main/trainer/bench.ts), which prints JSON: samples/s of the native
// and tfjs-layers paths (and a bare tfjs-node loop) for the mlp and cnn
// presets at batch 64 and 512, each case in its own process with the
// threads a run would get. `npm run bench -- --threads` measures one
// thread against all instead. BENCH_ROUNDS, BENCH_PRESETS and
// BENCH_BATCHES narrow it down.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const build = spawnSync(path.join(root, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);

const bench = spawnSync(process.execPath, [path.join(root, 'out', 'main', 'bench.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(bench.status ?? 1);
