/**
 * `npm run bench`: training throughput of the engine, as JSON.
 *
 * For the mlp and cnn presets at batch 64 and 512, one trainer-like process
 * per case (started with the TF_NUM_INTRAOP_THREADS a run would get) times
 * in rotating rounds, so all see the same machine load:
 * - `native`: the real `trainLoop` on the native path (each step one
 *   TensorFlow graph, native/graph.ts), and `nativeEager` (op by op);
 *   each runner trains one path for all its rounds, as a run does,
 * - `layers`: the real `trainLoop` on the tfjs-layers path,
 * - `bare`: the least a tfjs-node user would write (a gathered batch,
 *   `optimizer.minimize`, no loss read), and `unshuffled` (contiguous
 *   slices instead of gathers), the reference the layers engine is held to,
 * - `augmented`: the native path with the `handwriting` augmentation where
 *   a run computes it (batchImages: the loop's thread unless
 *   MNIST_STUDIO_AUGMENT_WORKER=1 asks for the worker; `augmentedWhere`),
 *   and `augmentedWorker` / `augmentedInline` (always one or the other);
 *   `augmentedToNative` is the share of samples/s kept (issue 17: ≥ 0.8).
 *
 * Unless TF_NUM_INTRAOP_THREADS is set, the layers path is also timed
 * with the other choice of threads (one, or TensorFlow's default), and
 * `nativeToLayersBest` holds the native path to the faster of the two.
 *
 * `--threads` instead measures the native path at several batch sizes
 * with one thread and with TensorFlow's default, alternating processes:
 * the data behind MULTI_THREAD_FROM in training/threads.ts.
 * `--profile PRESET BATCH` lists where a native step's time goes, per op (op by op: a graph step is one call).
 * `--pytorch PYTHON` holds the native path to the same networks in PyTorch
 * (scripts/bench_pytorch.py) in one sitting; `--startup` times the wait
 * from Start to the first loss and the CLI's whole `train` command;
 * `--sweep` a 12-trial sweep one trial at a time and in parallel.
 *
 * Environment: BENCH_ROUNDS (rounds per case), BENCH_PRESETS (e.g. `mlp`),
 * BENCH_BATCHES (e.g. `64,512`); TF_NUM_INTRAOP_THREADS set by the user
 * applies to every case.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayersModel, Scalar, Tensor } from '@tensorflow/tfjs-node';
import { NUM_CLASSES, PIXELS, type LoadedDataset } from '@shared/datasets';
import { AUGMENT_PRESET_VALUES } from '@shared/augment';
import { Hyperparams } from '@shared/hyperparams';
import { PRESETS, presetSpec, type Preset } from '@shared/model-spec';
import { loadTf, type Tf } from '../native';
import { dispatch } from '../dispatch';
import { appRoot } from '../paths';
import { createStudio, type Studio } from '../studio';
import { readRun } from '../training/runs-store';
import { autoInterOpThreads, autoIntraOpThreads } from '../training/threads';
import { setEnvVars } from '../training/trainer-process';
import { augmentInWorker, batchImages, inlineBatchImages, workerBatchImages } from './batch-images';
import { RunControl } from './control';
import { prepareData, type TrainingData } from './data';
import { trainLoop } from './loop';
import { histogramRecorder } from './histograms';
import { buildModel, inferenceForward, lossFunction } from './model';
import { nativeAccess, type NativeBinding } from './native/binding';
import { NativePath } from './native/path';
import { runStreams, seededRandom, shuffle } from './random';
import type { TrainingPath } from './path';
import { createOptimizer, layersPath, trainableVariables } from './training-path';

const SAMPLES = 8192;
const SEED = 1234;

function syntheticDataset(count: number): LoadedDataset {
  const rand = seededRandom(SEED);
  const images = Uint8Array.from({ length: count * PIXELS }, () => Math.floor(rand() * 256));
  const labels = Uint8Array.from({ length: count }, () => Math.floor(rand() * NUM_CLASSES));
  const split = { count, images, labels };
  return { id: 'synthetic', name: 'synthetic', classNames: Array.from({ length: NUM_CLASSES }, (_, i) => String(i)), train: split, test: split, digests: {} };
}

/** Wall and CPU time of one timed stretch; CPU time (all threads) suffers less from other processes on a shared machine. */
interface Timing {
  samples: number;
  wallMs: number;
  cpuMs: number;
}

async function timing(fn: () => number | Promise<number>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const samples = await fn();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { samples, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * The least a tfjs-node user would write: a batch, `optimizer.minimize`,
 * never a read of the loss. `shuffled`: the batches of a fresh permutation
 * each epoch by `tf.gather`, as the seed's DataLoader(shuffle=True) and the
 * engine train; otherwise the same contiguous slices every epoch.
 */
async function bare(tf: Tf, data: TrainingData, preset: Preset, batchSize: number, epochs: number, shuffled: boolean): Promise<Timing> {
  const spec = presetSpec(preset);
  const model = buildModel(tf, spec, seededRandom(SEED));
  const optimizer = createOptimizer(tf, { optimizer: 'adam', learningRate: 0.001 });
  const variables = trainableVariables(model);
  const steps = Math.floor(data.train.count / batchSize);
  const rand = seededRandom(SEED);
  const result = await timing(() => {
    for (let e = 0; e < epochs; e++) {
      const order = shuffled
        ? shuffle(
            Int32Array.from({ length: data.train.count }, (_, i) => i),
            rand,
          )
        : null;
      for (let s = 0; s < steps; s++) {
        tf.tidy(() => {
          let x: Tensor;
          let y: Tensor;
          if (order) {
            const index = tf.tensor1d(order.subarray(s * batchSize, (s + 1) * batchSize), 'int32');
            x = tf.gather(data.train.x, index);
            y = tf.gather(data.train.y, index);
          } else {
            x = tf.slice(data.train.x, s * batchSize, batchSize);
            y = tf.slice(data.train.y, s * batchSize, batchSize);
          }
          optimizer.minimize(() => tf.losses.softmaxCrossEntropy<Tensor, Scalar>(y, model.apply(x) as Tensor), false, variables);
        });
      }
    }
    tf.tidy(() => tf.sum(model.getWeights()[0]!).dataSync());
    return steps * batchSize * epochs;
  });
  optimizer.dispose();
  model.dispose();
  return result;
}

/** The engine's own loop on one path, as a run trains (shuffling, logging every 100 batches, progress events); `augment`: with the handwriting preset, where a run puts it (`run`), in a worker thread or inline. */
async function engine(
  tf: Tf,
  data: TrainingData,
  preset: Preset,
  batchSize: number,
  epochs: number,
  /** `nativeEager`: the native path with every op run as it is called (no step graphs). */
  which: 'native' | 'nativeEager' | 'layers',
  augment?: { images: Uint8Array; where: 'run' | 'worker' | 'inline' },
  /** Paths kept from round to round of a case (as a run keeps one for all its epochs), by runner; absent: a fresh path for this call. */
  kept?: Map<string, KeptPath>,
): Promise<Timing> {
  const spec = presetSpec(preset);
  const hp = Hyperparams.parse({ batchSize, epochs, seed: SEED });
  const streams = runStreams(SEED);
  const key = `${which} ${augment?.where ?? ''}`;
  let own = kept?.get(key);
  const fresh = !own;
  if (!own) {
    const model = buildModel(tf, spec, streams.init);
    const options = { tf, model, spec, hp, train: data.train, dropoutRand: streams.dropout };
    own = { model, path: which === 'layers' ? layersPath(options) : new NativePath({ ...options, graphs: which === 'native' }) };
    kept?.set(key, own);
  }
  const { path } = own;
  // Whole batches only, like the bare loop.
  const rows = data.trainIndices.subarray(0, Math.floor(data.trainIndices.length / batchSize) * batchSize);
  // Started before the clock, as a run starts it before training.
  const job = augment && { images: augment.images, augment: AUGMENT_PRESET_VALUES.handwriting, seed: SEED, normalization: hp.normalization };
  const images = job && (augment.where === 'run' ? batchImages(job) : augment.where === 'worker' ? workerBatchImages(job) : inlineBatchImages(job));
  try {
    return await timing(async () => {
      const loop = await trainLoop({
        tf,
        runId: 'bench',
        data: { ...data, trainIndices: rows },
        path,
        hp,
        validate: () => null,
        shuffleRand: streams.shuffle,
        images: images ?? undefined,
        control: new RunControl(),
        emit: () => {},
      });
      // Where a run puts its weights before evaluating: part of the native path's cost.
      path.sync();
      return loop.samples;
    });
  } finally {
    await images?.dispose();
    if (fresh && !kept) disposeKept(own);
  }
}

interface KeptPath {
  model: LayersModel;
  path: TrainingPath;
}
function disposeKept({ model, path }: KeptPath): void {
  path.dispose();
  model.dispose();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (t: Timing, by: 'wallMs' | 'cpuMs') => (t.samples * 1000) / t[by];

/**
 * `augmented`: the native path with the handwriting augmentation where a run computes it (batchImages);
 * `augmentedWorker`: always in a worker thread, batches ahead of the loop; `augmentedInline`: always on the loop's thread.
 */
type Runner = 'native' | 'nativeEager' | 'layers' | 'bare' | 'unshuffled' | 'augmented' | 'augmentedWorker' | 'augmentedInline';

/** Epochs of the 8192 samples per timed round: about a second or more of the faster paths each. */
function epochsPerRound(preset: Preset, batchSize: number): number {
  if (preset === 'cnn') return 1;
  return batchSize >= 512 ? 4 : 1;
}

/** One case in this process: rounds of every runner in rotating order. */
async function runCase(preset: Preset, batchSize: number, rounds: number, runners: Runner[]): Promise<Record<string, unknown>> {
  const tf = loadTf();
  const dataset = syntheticDataset(SAMPLES);
  const data = prepareData(tf, dataset, Hyperparams.parse({}), seededRandom(SEED));
  const epochs = epochsPerRound(preset, batchSize);
  const binding = nativeAccess(tf).binding;
  // Each runner trains one path for all its rounds, as a run does for all its epochs (and PyTorch's bench one model):
  // the warm-up round measures the kernel choices and compiles the step graph, which a run does once.
  const kept = new Map<string, KeptPath>();
  let keep = false;
  const keptOnes = () => (keep ? kept : undefined);
  const run: Record<Runner, (e: number) => Promise<Timing>> = {
    native: (e) => engine(tf, data, preset, batchSize, e, 'native', undefined, keptOnes()),
    nativeEager: (e) => engine(tf, data, preset, batchSize, e, 'nativeEager', undefined, keptOnes()),
    layers: (e) => engine(tf, data, preset, batchSize, e, 'layers', undefined, keptOnes()),
    bare: (e) => bare(tf, data, preset, batchSize, e, true),
    unshuffled: (e) => bare(tf, data, preset, batchSize, e, false),
    augmented: (e) => engine(tf, data, preset, batchSize, e, 'native', { images: dataset.train.images, where: 'run' }, keptOnes()),
    augmentedWorker: (e) => engine(tf, data, preset, batchSize, e, 'native', { images: dataset.train.images, where: 'worker' }, keptOnes()),
    augmentedInline: (e) => engine(tf, data, preset, batchSize, e, 'native', { images: dataset.train.images, where: 'inline' }, keptOnes()),
  };
  // Warm-up: kernels, allocator and JIT settle before anything is timed (a short epoch each, on a path of its own).
  for (const name of runners) await run[name](1);
  // After the warm-up: the dataset's tensors have their native handles by now.
  const before = { tensors: tf.memory().numTensors, handles: binding.getNumOfTensors() };
  keep = true;
  for (const name of runners) await run[name](1);
  const times = Object.fromEntries(runners.map((r) => [r, [] as Timing[]])) as Record<Runner, Timing[]>;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < runners.length; k++) {
      const name = runners[(r + k) % runners.length]!;
      times[name].push(await run[name](epochs));
    }
  }
  for (const k of kept.values()) disposeKept(k);
  kept.clear();
  // Whatever outlived its run: 0 and 0 unless something leaks.
  const left = { tensors: tf.memory().numTensors - before.tensors, handles: binding.getNumOfTensors() - before.handles };
  data.dispose();
  const perSec = (name: Runner, by: 'wallMs' | 'cpuMs' = 'wallMs') => Math.round(median(times[name].map((t) => rate(t, by))));
  /** Median over rounds of a ÷ b (same round, so about the same load). */
  const ratio = (a: Runner, b: Runner, by: 'wallMs' | 'cpuMs' = 'wallMs') => Number(median(times[a].map((t, i) => rate(t, by) / rate(times[b][i]!, by))).toFixed(3));
  const result: Record<string, unknown> = {
    model: preset,
    batchSize,
    intraOpThreads: process.env.TF_NUM_INTRAOP_THREADS ?? 'default',
    interOpThreads: process.env.TF_NUM_INTEROP_THREADS ?? 'default',
    rounds,
  };
  for (const name of runners) result[`${name}SamplesPerSec`] = perSec(name);
  if (runners.includes('native') && runners.includes('nativeEager')) Object.assign(result, { graphToEager: ratio('native', 'nativeEager') });
  if (runners.includes('native') && runners.includes('layers')) {
    Object.assign(result, { nativeToLayers: ratio('native', 'layers'), nativeToLayersCpu: ratio('native', 'layers', 'cpuMs') });
  }
  if (runners.includes('native') && runners.includes('augmented')) {
    // Share of the samples/s kept with augmentation (issue 17 asks for ≥ 0.8).
    Object.assign(result, {
      augmentedWhere: augmentInWorker(process.env, os.availableParallelism()) ? 'worker' : 'inline',
      augmentedToNative: ratio('augmented', 'native'),
      augmentedWorkerToNative: runners.includes('augmentedWorker') ? ratio('augmentedWorker', 'native') : null,
      augmentedInlineToNative: runners.includes('augmentedInline') ? ratio('augmentedInline', 'native') : null,
      // By CPU time too: on a loaded machine wall-clock ratios measure the neighbours; inline, CPU time is the augmentation's own cost.
      augmentedInlineToNativeCpu: runners.includes('augmentedInline') ? ratio('augmentedInline', 'native', 'cpuMs') : null,
    });
  }
  if (runners.includes('layers') && runners.includes('bare')) {
    Object.assign(result, { layersToBare: ratio('layers', 'bare'), layersToBareCpu: ratio('layers', 'bare', 'cpuMs') });
  }
  if (runners.includes('layers') && runners.includes('unshuffled')) {
    Object.assign(result, { layersToUnshuffled: ratio('layers', 'unshuffled'), layersToUnshuffledCpu: ratio('layers', 'unshuffled', 'cpuMs') });
  }
  result.left = left;
  return result;
}

/**
 * `--histograms`: what recording the weight and gradient histograms costs
 * after an epoch (issue 18 asks for under 5 %), on the native path at
 * batch 64: the epoch of the SAMPLES rows as a run trains it, then one
 * record with the path's own gradients (what runs do) and one with tfjs's
 * autograd on the layers model (what they did before), medians of rounds.
 */
async function histogramCase(preset: Preset, rounds: number): Promise<Record<string, unknown>> {
  const tf = loadTf();
  const data = prepareData(tf, syntheticDataset(SAMPLES), Hyperparams.parse({}), seededRandom(SEED));
  const spec = presetSpec(preset);
  const hp = Hyperparams.parse({ batchSize: 64, epochs: 1, seed: SEED });
  const streams = runStreams(SEED);
  const model = buildModel(tf, spec, streams.init);
  const native = new NativePath({ tf, model, spec, hp, train: data.train, dropoutRand: streams.dropout });
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-bench-histograms-')));
  const base = { model, forward: inferenceForward(model), loss: lossFunction(tf, hp.loss), train: data.train, rows: data.trainIndices };
  const own = histogramRecorder(tf, { ...base, runDir: dirs[0]!, gradients: (rows) => native.gradients(rows) });
  const autograd = histogramRecorder(tf, { ...base, runDir: dirs[1]! });
  const epochMs: number[] = [];
  try {
    // Round 0 warms up (first calls trace and allocate) and is not counted, as a run's epoch 0 is not.
    for (let r = 0; r <= rounds; r++) {
      const t = await timing(async () => {
        const loop = await trainLoop({ tf, runId: 'bench', data, path: native, hp, validate: () => null, shuffleRand: streams.shuffle, control: new RunControl(), emit: () => {} });
        native.sync();
        return loop.samples;
      });
      if (r > 0) epochMs.push(t.wallMs);
      // Alternating which goes first, so neither always meets a cold cache.
      for (const recorder of r % 2 ? [own, autograd] : [autograd, own]) recorder.record(r);
    }
    await Promise.all([own.flush(), autograd.flush()]);
  } finally {
    native.dispose();
    model.dispose();
    data.dispose();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  const costOf = (recorder: typeof own) => median(recorder.data.epochs.slice(1).map((e) => e.costMs));
  const epoch = median(epochMs);
  const percent = (ms: number) => Number(((ms / epoch) * 100).toFixed(2));
  return {
    model: preset,
    batchSize: 64,
    rows: SAMPLES,
    intraOpThreads: process.env.TF_NUM_INTRAOP_THREADS ?? 'default',
    rounds,
    epochMs: Number(epoch.toFixed(1)),
    histogramMs: Number(costOf(own).toFixed(2)),
    histogramPercentOfEpoch: percent(costOf(own)),
    autogradHistogramMs: Number(costOf(autograd).toFixed(2)),
    autogradHistogramPercentOfEpoch: percent(costOf(autograd)),
  };
}

/** `--histograms`: the histogram cost per preset, each in its own process with the threads a run would get. */
function histogramCosts(): void {
  const rounds = process.env.BENCH_ROUNDS ?? '5';
  const presets = list(process.env.BENCH_PRESETS, [...PRESETS]) as Preset[];
  const out = header();
  const results = presets.map((preset) =>
    child(['--histogram-case', preset, rounds], process.env.TF_NUM_INTRAOP_THREADS || autoIntraOpThreads(presetSpec(preset), 64), runInterOpThreads(preset, 64)),
  );
  process.stdout.write(`${JSON.stringify({ ...out, loadAverageAfter: load(), results }, null, 2)}\n`);
}

const list = (value: string | undefined, fallback: string[]) => (value ? value.split(',').map((s) => s.trim()) : fallback);
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));

/** The TF_NUM_INTEROP_THREADS a run of this network and batch size gets: the user's, else the studio's (threads.ts). */
function runInterOpThreads(preset: Preset, batchSize: number): string | undefined {
  return process.env.TF_NUM_INTEROP_THREADS || autoInterOpThreads(presetSpec(preset), batchSize);
}

/** Runs one case in a child process with `threads` intra-op and `interOp` inter-op threads (undefined: TensorFlow's default). */
function child(args: string[], threads: string | undefined, interOp = process.env.TF_NUM_INTEROP_THREADS): Record<string, unknown> {
  const env = { ...process.env };
  setEnvVars(env, { TF_NUM_INTRAOP_THREADS: threads || undefined, TF_NUM_INTEROP_THREADS: interOp || undefined });
  const res = spawnSync(process.execPath, [process.argv[1]!, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (res.status !== 0) throw new Error(`bench case ${args.join(' ')} failed (exit ${res.status})`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

function header(): Record<string, unknown> {
  return { samples: SAMPLES, cpu: os.cpus()[0]?.model.trim() ?? 'unknown', cpus: os.availableParallelism(), loadAverageBefore: load() };
}

/** The default report: every preset and batch size, each with the threads a run would get. */
function compare(): void {
  const rounds = process.env.BENCH_ROUNDS ?? '5';
  const presets = list(process.env.BENCH_PRESETS, [...PRESETS]) as Preset[];
  const batches = list(process.env.BENCH_BATCHES, ['64', '512']).map(Number);
  const out = header();
  const results = [];
  const userThreads = process.env.TF_NUM_INTRAOP_THREADS;
  for (const preset of presets) {
    for (const batchSize of batches) {
      const threads = userThreads || autoIntraOpThreads(presetSpec(preset), batchSize);
      const interOp = runInterOpThreads(preset, batchSize);
      const result = child(['--case', preset, String(batchSize), rounds, 'native,nativeEager,layers,bare,unshuffled,augmented,augmentedWorker,augmentedInline'], threads, interOp);
      if (!userThreads) {
        // The layers path with the other choice of threads too: the native path is held to the layers path at its best.
        const other = threads === '1' ? undefined : '1';
        const layers = child(['--case', preset, String(batchSize), rounds, 'layers'], other, interOp).layersSamplesPerSec as number;
        const best = Math.max(layers, result.layersSamplesPerSec as number);
        Object.assign(result, {
          layersOtherThreads: { intraOpThreads: other ?? 'default', samplesPerSec: layers },
          layersBestSamplesPerSec: best,
          nativeToLayersBest: Number(((result.nativeSamplesPerSec as number) / best).toFixed(3)),
        });
      }
      results.push(result);
    }
  }
  process.stdout.write(`${JSON.stringify({ ...out, loadAverageAfter: load(), results }, null, 2)}\n`);
}

/** `--threads`: the native path with 1 thread and with all, alternating processes, per preset and batch size. */
function threadSweep(): void {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const presets = list(process.env.BENCH_PRESETS, [...PRESETS]) as Preset[];
  const batches = list(process.env.BENCH_BATCHES, ['16', '32', '64', '128', '256', '512', '1024']).map(Number);
  const out = header();
  const results = [];
  for (const preset of presets) {
    for (const batchSize of batches) {
      const one: number[] = [];
      const all: number[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const [threads, into] of (r % 2 === 0
          ? [
              ['1', one],
              [undefined, all],
            ]
          : [
              [undefined, all],
              ['1', one],
            ]) as [string | undefined, number[]][]) {
          into.push(child(['--case', preset, String(batchSize), '1', 'native'], threads, runInterOpThreads(preset, batchSize)).nativeSamplesPerSec as number);
        }
      }
      results.push({
        model: preset,
        batchSize,
        oneThread: Math.round(median(one)),
        allThreads: Math.round(median(all)),
        allToOne: Number((median(all) / median(one)).toFixed(3)),
        auto: autoIntraOpThreads(presetSpec(preset), batchSize) ?? 'default',
      });
    }
  }
  process.stdout.write(`${JSON.stringify({ ...out, loadAverageAfter: load(), results }, null, 2)}\n`);
}

/**
 * `--profile PRESET BATCH`: where a native step's time goes. Every op the
 * native path runs is timed through the binding (TensorFlow runs CPU ops
 * eagerly and synchronously, so the call's duration is the op's), summed
 * per op and output shape over one epoch, as ms per step.
 */
async function profile(preset: Preset, batchSize: number): Promise<void> {
  const tf = loadTf();
  const data = prepareData(tf, syntheticDataset(SAMPLES), Hyperparams.parse({}), seededRandom(SEED));
  await engine(tf, data, preset, batchSize, 1, 'nativeEager');
  // The binding's properties are read-only: the native path is handed one that times each op in front of it.
  const backend = tf.backend() as unknown as { binding: NativeBinding };
  const binding = backend.binding;
  const spent = new Map<string, { ms: number; calls: number }>();
  const timed: NativeBinding['executeOp'] = (name, attrs, inputs, outputs) => {
    const start = performance.now();
    const out = binding.executeOp(name, attrs, inputs, outputs);
    const ms = performance.now() - start;
    // By op and output shape: the same op in two layers are two lines.
    const key = out[0] ? `${name} → [${out[0].shape.join(',')}]` : name;
    const entry = spent.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls++;
    spent.set(key, entry);
    return out;
  };
  backend.binding = Object.create(binding, { executeOp: { value: timed } }) as NativeBinding;
  const t = await engine(tf, data, preset, batchSize, 1, 'nativeEager');
  backend.binding = binding;
  data.dispose();
  const steps = t.samples / batchSize;
  const ops = [...spent]
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([name, e]) => ({ name, msPerStep: Number((e.ms / steps).toFixed(3)), callsPerStep: Number((e.calls / steps).toFixed(2)) }));
  const inOps = ops.reduce((sum, o) => sum + o.msPerStep, 0);
  process.stdout.write(
    `${JSON.stringify({ ...header(), model: preset, batchSize, intraOpThreads: process.env.TF_NUM_INTRAOP_THREADS ?? 'default', msPerStep: Number((t.wallMs / steps).toFixed(3)), msPerStepInOps: Number(inOps.toFixed(3)), ops }, null, 2)}\n`,
  );
}

/** Runs scripts/bench_pytorch.py with `python` for one case; null with the reason when there is no usable torch. */
function pytorchCase(python: string, preset: Preset, batchSize: number, rounds: string): { result: Record<string, unknown> | null; skipped?: string } {
  const script = path.join(appRoot(), 'scripts', 'bench_pytorch.py');
  const epochs = String(epochsPerRound(preset, batchSize));
  const threads = process.env.BENCH_PYTORCH_THREADS ?? '1,2';
  const res = spawnSync(python, [script, preset, String(batchSize), '--rounds', rounds, '--epochs', epochs, '--threads', threads], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 24,
  });
  if (res.error) return { result: null, skipped: `${python} could not be run (${res.error.message})` };
  if (res.status !== 0) return { result: null, skipped: `${python} ${script} failed (exit ${res.status}): ${res.stderr.trim().split('\n').at(-1) ?? ''}` };
  const line = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  if (typeof line.skipped === 'string') return { result: null, skipped: line.skipped };
  return { result: line };
}

/**
 * `--pytorch PYTHON`: the native path against the same networks in PyTorch
 * (scripts/bench_pytorch.py), in one sitting. Per case the two alternate
 * BENCH_PYTORCH_REPEATS times (default 2), each a process of its own; the
 * studio trains with the threads a run would get, PyTorch with each of
 * BENCH_PYTORCH_THREADS (default 1,2) and counts its best. Ratios are of
 * the medians over repeats.
 */
function comparePytorch(python: string): void {
  const rounds = process.env.BENCH_ROUNDS ?? '3';
  const repeats = Number(process.env.BENCH_PYTORCH_REPEATS ?? 2);
  const presets = list(process.env.BENCH_PRESETS, [...PRESETS]) as Preset[];
  const batches = list(process.env.BENCH_BATCHES, ['64', '512']).map(Number);
  const out = header();
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
    process.stderr.write(`--pytorch: skipped, no PyTorch in ${python} (${why}); pip install torch there to compare\n`);
    process.stdout.write(`${JSON.stringify({ ...out, pytorch: { skipped: `no PyTorch in ${python}: ${why}` } }, null, 2)}\n`);
    return;
  }
  const results = [];
  for (const preset of presets) {
    for (const batchSize of batches) {
      const threads = process.env.TF_NUM_INTRAOP_THREADS || autoIntraOpThreads(presetSpec(preset), batchSize);
      const studio: number[] = [];
      const torch: number[] = [];
      const torchRuns: Record<string, unknown>[] = [];
      for (let r = 0; r < repeats; r++) {
        const runStudio = () =>
          studio.push(child(['--case', preset, String(batchSize), rounds, 'native'], threads, runInterOpThreads(preset, batchSize)).nativeSamplesPerSec as number);
        const runTorch = () => {
          const { result, skipped } = pytorchCase(python, preset, batchSize, rounds);
          if (!result) throw new Error(`--pytorch: ${skipped}`);
          torchRuns.push(result);
          torch.push(result.samplesPerSec as number);
        };
        if (r % 2 === 0) {
          runStudio();
          runTorch();
        } else {
          runTorch();
          runStudio();
        }
      }
      const studioRate = Math.round(median(studio));
      const torchRate = Math.round(median(torch));
      results.push({
        model: preset,
        batchSize,
        intraOpThreads: threads ?? 'default',
        interOpThreads: runInterOpThreads(preset, batchSize) ?? 'default',
        studioSamplesPerSec: studioRate,
        pytorchSamplesPerSec: torchRate,
        studioToPytorch: Number((studioRate / torchRate).toFixed(3)),
        studioRepeats: studio,
        pytorchRepeats: torchRuns.map((t) => t.byThreads),
        pytorch: torchRuns[0]?.torch,
      });
      process.stderr.write(`${preset} batch ${batchSize}: studio ${studioRate}/s, PyTorch ${torchRate}/s, ratio ${(studioRate / torchRate).toFixed(2)}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify({ ...out, loadAverageAfter: load(), results }, null, 2)}\n`);
}

const TUTORIAL_SEED = 1;
/** How long the studio is open before Start is pressed, as a user opens the Train screen and looks (BENCH_STARTUP_IDLE_MS). */
const STARTUP_IDLE_MS = Number(process.env.BENCH_STARTUP_IDLE_MS ?? 3000);

/** Times of one GUI-path run from `train:start`: to the `started` event, the first loss (`batch`) event and the end. */
interface StartupTiming {
  toStartedMs: number;
  toFirstLossMs: number;
  toDoneMs: number;
  trainingMs: number;
}

/** The trace marks of one command (MNIST_STUDIO_TRACE lines `<epoch ms> <pid> <label>`): each label's ms after `startedAt`. */
function traceMarks(file: string, startedAt: number): Record<string, number> {
  const marks: Record<string, number> = {};
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    const m = /^(\d+(?:\.\d+)?) \d+ (.+)$/.exec(line);
    // A mark naming a process id (`cli: trainer prelaunched 4638`) is counted without it.
    if (m) marks[m[2]!.replace(/ \d+$/, '')] ??= Math.round(Number(m[1]) - startedAt);
  }
  return marks;
}

/** Training time of a finished run: its samples over its samples/s (validation and evaluation excluded). */
async function trainingMsOf(home: string, runId: string): Promise<number> {
  const record = await readRun(home, runId);
  if (record.status !== 'done' || !record.samplesPerSec || !record.dataset) throw new Error(`run ${runId} did not finish: ${record.reason ?? record.status}`);
  return ((record.dataset.trainCount * record.epochsDone) / record.samplesPerSec) * 1000;
}

/** One tutorial run through the studio's API, as the GUI (desktop or web) starts it. */
async function guiRun(studio: Studio, home: string, dataset: string): Promise<StartupTiming> {
  const t0 = performance.now();
  const marks: Partial<Record<'started' | 'batch' | 'end', number>> = {};
  let failure = null as string | null;
  const ended = new Promise<void>((resolve) => {
    const off = studio.events.on('train', (e) => {
      const at = performance.now() - t0;
      if (e.kind === 'started') marks.started ??= at;
      if (e.kind === 'batch') marks.batch ??= at;
      if (e.kind === 'done' || e.kind === 'failed') {
        if (e.kind === 'failed') failure = e.reason;
        marks.end = at;
        off();
        resolve();
      }
    });
  });
  const res = await dispatch(studio.handlers, 'train:start', { dataset: { id: dataset }, model: presetSpec('mlp'), hyperparams: { seed: TUTORIAL_SEED } }, { shell: 'web' });
  if (!res.ok) throw new Error(`train:start: ${res.error.message}`);
  await ended;
  if (failure) throw new Error(`the tutorial run failed: ${failure}`);
  const runId = (res.value as { runId: string }).runId;
  return { toStartedMs: marks.started!, toFirstLossMs: marks.batch!, toDoneMs: marks.end!, trainingMs: await trainingMsOf(home, runId) };
}

/**
 * `--startup`: how long a user waits. The tutorial's run (mlp, the default
 * settings, Fashion-MNIST from BENCH_DATASET_DIR or the Debian package's
 * folder) in a fresh studio home:
 * - GUI: a studio as desktop and web mode create it, open BENCH_STARTUP_IDLE_MS
 *   before Start; per run, Start → `started`, Start → first loss event, Start → done
 *   (BENCH_STARTUP_RUNS runs one after another, default 3: the first and the later ones),
 * - CLI: the whole `mnist-studio train` command's wall time against the run's
 *   training time (BENCH_STARTUP_CLI_RUNS, default 3). Needs the built app (npm run build).
 */
async function startup(): Promise<void> {
  const dir = process.env.BENCH_DATASET_DIR ?? '/usr/share/datasets/fashion-mnist';
  if (!fs.existsSync(dir)) {
    process.stderr.write(`--startup: no dataset folder ${dir}; set BENCH_DATASET_DIR to a folder of the four IDX files\n`);
    process.exitCode = 1;
    return;
  }
  const runs = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
  const cliRuns = Number(process.env.BENCH_STARTUP_CLI_RUNS ?? 3);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-bench-startup-'));
  const out = header();
  try {
    // The dataset is installed before the studio opens, as a user's is: its spare trainer prepares it.
    const importer = createStudio({ home, shell: 'web' });
    try {
      const imported = await dispatch(importer.handlers, 'datasets:import', { paths: [dir], name: 'bench' }, { shell: 'cli' });
      if (!imported.ok) throw new Error(`datasets:import ${dir}: ${imported.error.message}`);
    } finally {
      await importer.close();
    }
    const studio = createStudio({ home, shell: 'web', warmTrainer: process.env.BENCH_WARM !== '0' });
    const gui: StartupTiming[] = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, STARTUP_IDLE_MS));
      for (let i = 0; i < runs; i++) {
        gui.push(await guiRun(studio, home, 'bench'));
        process.stderr.write(`GUI run ${i + 1}: first loss ${Math.round(gui.at(-1)!.toFirstLossMs)} ms after Start\n`);
        // A user looks at the result before the next Start.
        await new Promise((resolve) => setTimeout(resolve, STARTUP_IDLE_MS));
      }
    } finally {
      await studio.close();
    }
    const cli: { wallMs: number; trainingMs: number; ratio: number; marks: Record<string, number> }[] = [];
    const bin = path.join(appRoot(), 'bin', 'mnist-studio.js');
    const traceFile = path.join(home, 'trace.txt');
    for (let i = 0; i < cliRuns; i++) {
      fs.rmSync(traceFile, { force: true });
      const started = performance.timeOrigin + performance.now();
      const t0 = performance.now();
      const res = spawnSync(process.execPath, [bin, '--home', home, 'train', '--dataset', 'bench', '--seed', String(TUTORIAL_SEED), '--json'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 1 << 26,
        env: { ...process.env, MNIST_STUDIO_TRACE: traceFile },
      });
      const wallMs = performance.now() - t0;
      if (res.status !== 0) throw new Error(`mnist-studio train failed (exit ${res.status}): ${res.stderr.trim().split('\n').at(-1) ?? ''}`);
      const { runId } = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { runId: string };
      const trainingMs = await trainingMsOf(home, runId);
      cli.push({ wallMs: Math.round(wallMs), trainingMs: Math.round(trainingMs), ratio: Number((wallMs / trainingMs).toFixed(2)), marks: traceMarks(traceFile, started) });
      process.stderr.write(`CLI run ${i + 1}: ${Math.round(wallMs)} ms for ${Math.round(trainingMs)} ms of training\n`);
    }
    const med = (xs: number[]) => (xs.length ? Math.round(median(xs)) : null);
    const round = (t: StartupTiming) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v as number)]));
    process.stdout.write(
      `${JSON.stringify(
        {
          ...out,
          loadAverageAfter: load(),
          gui: {
            firstRun: gui[0] ? round(gui[0]) : null,
            laterRunsMedian: {
              toStartedMs: med(gui.slice(1).map((t) => t.toStartedMs)),
              toFirstLossMs: med(gui.slice(1).map((t) => t.toFirstLossMs)),
              trainingMs: med(gui.slice(1).map((t) => t.trainingMs)),
            },
            runs: gui.map(round),
          },
          cli: {
            wallMsMedian: med(cli.map((c) => c.wallMs)),
            trainingMsMedian: med(cli.map((c) => c.trainingMs)),
            ratioMedian: cli.length ? median(cli.map((c) => c.ratio)) : null,
            // Where the time goes: each mark's median time after the command was spawned (MNIST_STUDIO_TRACE, src/main/trace.ts).
            marksMsMedian: Object.fromEntries(Object.keys(cli[0]?.marks ?? {}).map((label) => [label, med(cli.map((c) => c.marks[label] ?? NaN))])),
            runs: cli.map(({ marks: _, ...c }) => c),
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/**
 * `--sweep`: issue 19's sweep of 12 trials of the tutorial's network (mlp,
 * 2 epochs each, Fashion-MNIST from BENCH_DATASET_DIR or the Debian
 * package's folder) through the CLI's whole `sweep` command, one trial at
 * a time (`--parallel 1`) and at the engine's default (the cores over each
 * trial's threads, `cpus` below), alternating for BENCH_SWEEP_ROUNDS rounds (default 1)
 * in fresh homes so both see the same machine. Needs the built app.
 */
function sweepBench(): void {
  const dir = process.env.BENCH_DATASET_DIR ?? '/usr/share/datasets/fashion-mnist';
  if (!fs.existsSync(dir)) {
    process.stderr.write(`--sweep: no dataset folder ${dir}; set BENCH_DATASET_DIR to a folder of the four IDX files\n`);
    process.exitCode = 1;
    return;
  }
  const rounds = Number(process.env.BENCH_SWEEP_ROUNDS ?? 1);
  const bin = path.join(appRoot(), 'bin', 'mnist-studio.js');
  const spec = {
    dataDir: dir,
    base: { preset: 'mlp', epochs: 2, seed: TUTORIAL_SEED },
    method: 'grid',
    metric: 'testAccuracy',
    vary: { lr: [0.0003, 0.001, 0.003], batchSize: [64, 256], optimizer: ['adam', 'sgd'] },
  };
  const out = header();
  const times: Record<'serial' | 'parallel', { wallMs: number; trials: number }[]> = { serial: [], parallel: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? (['serial', 'parallel'] as const) : (['parallel', 'serial'] as const)) {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-bench-sweep-'));
      try {
        const specFile = path.join(home, 'spec.json');
        fs.writeFileSync(specFile, JSON.stringify(spec));
        const t0 = performance.now();
        const res = spawnSync(process.execPath, [bin, '--home', home, 'sweep', specFile, '--json', ...(mode === 'serial' ? ['--parallel', '1'] : [])], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 1 << 26,
        });
        const wallMs = Math.round(performance.now() - t0);
        if (res.status !== 0) throw new Error(`mnist-studio sweep failed (exit ${res.status}): ${res.stderr.trim().split('\n').at(-1) ?? ''}`);
        const result = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { trials: { runId: string | null; metric: number | null }[] };
        const done = result.trials.filter((t) => t.runId && t.metric !== null).length;
        times[mode].push({ wallMs, trials: done });
        process.stderr.write(`${mode}: ${done} trials in ${wallMs} ms\n`);
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    }
  }
  const med = (xs: { wallMs: number }[]) => median(xs.map((x) => x.wallMs));
  process.stdout.write(
    `${JSON.stringify({ ...out, loadAverageAfter: load(), spec, serial: times.serial, parallel: times.parallel, parallelSpeedup: Number((med(times.serial) / med(times.parallel)).toFixed(2)) }, null, 2)}\n`,
  );
}

const args = process.argv.slice(2);
if (args[0] === '--startup') {
  await startup();
} else if (args[0] === '--sweep') {
  sweepBench();
} else if (args[0] === '--pytorch') {
  if (!args[1]) throw new Error('--pytorch needs the Python to run PyTorch with, e.g. --pytorch /tmp/venv-torch/bin/python');
  comparePytorch(args[1]);
} else if (args[0] === '--profile') {
  await profile((args[1] ?? 'cnn') as Preset, Number(args[2] ?? 64));
} else if (args[0] === '--case') {
  const [, preset, batch, rounds, runners] = args;
  const result = await runCase(preset as Preset, Number(batch), Number(rounds), runners!.split(',') as Runner[]);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else if (args[0] === '--histograms') {
  histogramCosts();
} else if (args[0] === '--histogram-case') {
  process.stdout.write(`${JSON.stringify(await histogramCase(args[1] as Preset, Number(args[2] ?? 5)))}\n`);
} else if (args[0] === '--threads') {
  threadSweep();
} else {
  compare();
}
