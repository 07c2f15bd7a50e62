/**
 * `npm run bench`: the engine's training throughput against a bare
 * tfjs-node loop of the same model on the same data, in this one process,
 * rounds interleaved so both see the same machine load. Prints JSON.
 *
 * The bare loop is the least a tfjs-node user would write: slice a batch,
 * `optimizer.minimize`, never read the loss. The engine is the real
 * `trainLoop` with shuffling, gathers, kept losses and logits, logging
 * every 100 batches and its progress events.
 */
import os from 'node:os';
import type { Scalar, Tensor } from '@tensorflow/tfjs-node';
import { NUM_CLASSES, PIXELS, type LoadedDataset } from '@shared/datasets';
import { Hyperparams } from '@shared/hyperparams';
import { presetSpec, type Preset } from '@shared/model-spec';
import { loadTf, type Tf } from '../native';
import { RunControl } from './control';
import { prepareData, type TrainingData } from './data';
import { createOptimizer, layersStep, trainLoop } from './loop';
import { buildModel, lossFunction, trainingForward } from './model';
import { runStreams, seededRandom, shuffle } from './random';

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

/** Times `fn`, which returns how many samples it trained on. */
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
  const steps = Math.floor(data.train.count / batchSize);
  const rand = seededRandom(SEED);
  const result = await timing(() => {
    for (let e = 0; e < epochs; e++) {
      const order = shuffled ? shuffle(Int32Array.from({ length: data.train.count }, (_, i) => i), rand) : null;
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
          optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as Scalar) as Scalar, false);
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

async function engine(tf: Tf, data: TrainingData, preset: Preset, batchSize: number, epochs: number): Promise<Timing> {
  const spec = presetSpec(preset);
  const hp = Hyperparams.parse({ batchSize, epochs, seed: SEED });
  const streams = runStreams(SEED);
  const model = buildModel(tf, spec, streams.init);
  const optimizer = createOptimizer(tf, hp);
  // Whole batches only, like the bare loop.
  const rows = data.trainIndices.subarray(0, Math.floor(data.trainIndices.length / batchSize) * batchSize);
  const result = await timing(async () => {
    const loop = await trainLoop({
      tf,
      runId: 'bench',
      data: { ...data, trainIndices: rows },
      step: layersStep(tf, trainingForward(tf, model, spec, streams.dropout), lossFunction(tf, hp.loss), optimizer),
      hp,
      validate: () => null,
      shuffleRand: streams.shuffle,
      control: new RunControl(),
      emit: () => {},
    });
    return loop.samples;
  });
  optimizer.dispose();
  model.dispose();
  return result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (t: Timing, by: 'wallMs' | 'cpuMs') => (t.samples * 1000) / t[by];

async function main(): Promise<void> {
  const preset = (process.env.BENCH_PRESET ?? 'mlp') as Preset;
  const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
  const tf = loadTf();
  const data = prepareData(tf, syntheticDataset(SAMPLES), Hyperparams.parse({}), seededRandom(SEED));
  const results = [];
  for (const batchSize of [64, 512]) {
    const epochs = batchSize === 64 ? 1 : 4;
    // Warm-up: kernels, allocator and JIT settle before anything is timed.
    await bare(tf, data, preset, batchSize, 1, true);
    await engine(tf, data, preset, batchSize, 1);
    const runners = {
      bare: () => bare(tf, data, preset, batchSize, epochs, true),
      unshuffled: () => bare(tf, data, preset, batchSize, epochs, false),
      engine: () => engine(tf, data, preset, batchSize, epochs),
    };
    const names = Object.keys(runners) as (keyof typeof runners)[];
    const times: Record<keyof typeof runners, Timing[]> = { bare: [], unshuffled: [], engine: [] };
    for (let r = 0; r < rounds; r++) {
      // Back to back, in a rotating order: each round sees about the same machine load.
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length]!;
        times[name].push(await runners[name]());
      }
    }
    const perSec = (name: keyof typeof runners, by: 'wallMs' | 'cpuMs') => Math.round(median(times[name].map((t) => rate(t, by))));
    /** Median over rounds of engine ÷ another loop, by wall or CPU time. */
    const ratio = (other: keyof typeof runners, by: 'wallMs' | 'cpuMs') =>
      Number(median(times.engine.map((t, i) => rate(t, by) / rate(times[other][i]!, by))).toFixed(3));
    results.push({
      batchSize,
      bareSamplesPerSec: perSec('bare', 'wallMs'),
      engineSamplesPerSec: perSec('engine', 'wallMs'),
      ratio: ratio('bare', 'wallMs'),
      cpuRatio: ratio('bare', 'cpuMs'),
      unshuffledSamplesPerSec: perSec('unshuffled', 'wallMs'),
      ratioToUnshuffled: ratio('unshuffled', 'wallMs'),
      cpuRatioToUnshuffled: ratio('unshuffled', 'cpuMs'),
      rounds,
    });
  }
  data.dispose();
  process.stdout.write(
    `${JSON.stringify(
      {
        model: preset,
        samples: SAMPLES,
        intraOpThreads: process.env.TF_NUM_INTRAOP_THREADS ?? 'default',
        cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
        cpus: os.availableParallelism(),
        loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
        tensorsLeft: tf.memory().numTensors,
        results,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
