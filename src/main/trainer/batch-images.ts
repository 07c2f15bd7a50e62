/**
 * Augmented batches for the loop (loop.ts `BatchImages`), computed by the
 * kernel in augment.ts from the training split's bytes. Each batch's
 * randomness is fixed by the run's augmentation seed and the batch's step,
 * so both ways below give the same images, and a run repeats exactly.
 *
 * - `workerBatchImages`: a worker thread (no TensorFlow in it) augments the
 *   next few batches while the current step runs, so the hot loop only
 *   receives finished arrays (transferred, not copied). Several in flight,
 *   not one: a step shorter than a batch's augmentation then still finds
 *   its images ready whenever the worker keeps up on average.
 * - `inlineBatchImages`: on this thread, when a batch is asked for: the
 *   default, faster in every case measured (see `batchImages`).
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Augment } from '@shared/augment';
import type { Hyperparams } from '@shared/hyperparams';
import { Augmenter, batchSeed, KERNEL_SOURCE } from './augment';
import type { BatchImages } from './loop';

/** Batch images that hold a resource until disposed. */
export interface BatchImageSource extends BatchImages {
  readonly where: 'worker' | 'inline';
  dispose(): Promise<void>;
}

interface AugmentJob {
  images: Uint8Array;
  augment: Augment;
  seed: number;
  normalization: Hyperparams['normalization'];
}

/** Augments each batch when the loop asks for it, on this thread. */
export function inlineBatchImages(job: AugmentJob): BatchImageSource {
  const augmenter = new Augmenter(job.images, job.augment);
  return {
    where: 'inline',
    ahead: 0,
    get: (rows, step) => augmenter.batch(rows, batchSeed(job.seed, step), job.normalization),
    dispose: () => Promise.resolve(),
  };
}

/** The worker's program: the kernel's source, then a loop over batch requests. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Augmenter, batchSeed } = ${KERNEL_SOURCE};
const augmenter = new Augmenter(workerData.images, workerData.augment);
parentPort.on('message', (m) => {
  const out = augmenter.batch(m.rows, batchSeed(workerData.seed, m.step), workerData.normalization);
  parentPort.postMessage({ step: m.step, images: out }, [out.buffer]);
});
`;

interface Pending {
  promise: Promise<Float32Array>;
  resolve: (images: Float32Array) => void;
  reject: (err: Error) => void;
}

/** Batches the worker augments ahead of the loop. */
const WORKER_AHEAD = 3;

/** Augments in a worker thread, the loop's upcoming batches ahead of it. */
export function workerBatchImages(job: AugmentJob): BatchImageSource {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { images: job.images, augment: job.augment, seed: job.seed, normalization: job.normalization },
  });
  const pending = new Map<number, Pending>();
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure ??= new Error(`the augmentation worker failed: ${err.message}`);
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on('message', (m: { step: number; images: Float32Array }) => {
    const p = pending.get(m.step);
    pending.delete(m.step);
    p?.resolve(m.images);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (pending.size > 0) fail(new Error(`it exited with code ${code}`));
  });
  const request = (rows: Int32Array, step: number): Pending => {
    let p = pending.get(step);
    if (p) return p;
    let resolve!: (images: Float32Array) => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<Float32Array>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // An unawaited prefetch that fails is reported when (if) its batch is asked for.
    promise.catch(() => {});
    p = { promise, resolve, reject };
    pending.set(step, p);
    worker.postMessage({ rows: rows.slice(), step });
    return p;
  };
  return {
    where: 'worker',
    ahead: WORKER_AHEAD,
    get(rows, step, upcoming) {
      if (failure) return Promise.reject(failure);
      const current = request(rows, step);
      for (const u of upcoming) request(u.rows, u.step);
      return current.promise;
    },
    async dispose() {
      pending.clear();
      await worker.terminate();
    },
  };
}

/**
 * This thread, unless `MNIST_STUDIO_AUGMENT_WORKER=1` asks for the worker (and there is a second CPU). Measured
 * with `npm run bench` on two CPUs, the worker lost to this thread in every case, even with three batches in
 * flight and TensorFlow on one thread: the share of samples/s kept was 0.30 against 0.41 (mlp, batch 64),
 * 0.80 against 0.89 (cnn, 64) and 0.59 against 0.83 (cnn, 512, where TensorFlow's threads take both CPUs).
 */
export function batchImages(job: AugmentJob, env: NodeJS.ProcessEnv = process.env, cpus = os.availableParallelism()): BatchImageSource {
  return augmentInWorker(env, cpus) ? workerBatchImages(job) : inlineBatchImages(job);
}

/** Whether `batchImages` uses a worker thread, for a trainer with environment `env` on `cpus` CPUs. */
export function augmentInWorker(env: NodeJS.ProcessEnv, cpus: number): boolean {
  return env.MNIST_STUDIO_AUGMENT_WORKER === '1' && cpus >= 2;
}
