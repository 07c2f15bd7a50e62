// `npm run bench`: builds the bundles, then times the training engine
// against a bare tfjs-node loop of the same model in one process (see
// src/main/trainer/bench.ts) and prints the JSON it reports. Like the
// trainer, a dense-only model runs with TF_NUM_INTRAOP_THREADS=1 unless
// the variable is set. BENCH_PRESET=cnn times the CNN; BENCH_ROUNDS sets
// the rounds per batch size (default 5).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const build = spawnSync(path.join(root, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);

const env = { ...process.env };
if (!env.TF_NUM_INTRAOP_THREADS && (env.BENCH_PRESET ?? 'mlp') === 'mlp') env.TF_NUM_INTRAOP_THREADS = '1';
const bench = spawnSync(process.execPath, [path.join(root, 'out', 'main', 'bench.js')], { cwd: root, env, stdio: 'inherit' });
process.exit(bench.status ?? 1);
