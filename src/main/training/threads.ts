/**
 * How many threads TensorFlow uses inside each op of a run
 * (TF_NUM_INTRAOP_THREADS, read once when tfjs-node loads, so it is set in
 * the trainer process's environment). Small steps are dominated by op
 * dispatch, where one thread wins (no hand-off between threads); large
 * convolutions want every core. The crossovers below were measured on a
 * 2-core machine with `npm run bench -- --threads` (see bench.ts).
 */
import os from 'node:os';
import { forwardWork, stepTowers, type ModelSpec } from '@shared/model-spec';
import type { RunEnvironment, TrainConfig } from '@shared/training';
import { trainerBaseEnv } from './trainer-process';

/**
 * Per-step work (forward multiply-adds × batch size) from which TensorFlow's
 * default (a thread per core) beats one thread. Measured with the native
 * path on 2 cores (`npm run bench -- --threads`): the mlp (110k per image)
 * ran faster on one thread up to batch 512 and even at 1024; the cnn (358k
 * per image in its convolutions) faster on one thread up to batch 256 and
 * on two from 512 (1.26× at 512, 1.47× at 1024; at 64 one thread is 1.9×
 * faster). The native path's steps are many small ops, and handing each
 * to a second thread costs more than it gains until the batch is large.
 */
export const MULTI_THREAD_FROM = { dense: 100_000_000, conv: 128_000_000 } as const;

/**
 * The studio's choice for a run: a count, or undefined for TensorFlow's
 * default (every core). A step the native path splits into two towers run
 * side by side in one graph (`stepTowers`, native/graph.ts), one per
 * inter-op thread (TF_NUM_INTEROP_THREADS, by default a thread per core),
 * gives each tower its share of the cores: on 2 cores one thread.
 */
export function autoIntraOpThreads(spec: ModelSpec, batchSize: number, cores = os.availableParallelism()): string | undefined {
  if (stepTowers(spec, batchSize, cores) > 1) return String(Math.floor(cores / 2));
  const work = forwardWork(spec);
  const enough = work.conv * batchSize >= MULTI_THREAD_FROM.conv || work.dense * batchSize >= MULTI_THREAD_FROM.dense;
  return enough ? undefined : '1';
}

/** TF_NUM_INTRAOP_THREADS for a run's trainer and who chose it: the run's `threads`, then the user's environment, then the studio. */
export function chooseIntraOpThreads(config: TrainConfig, base: NodeJS.ProcessEnv): { value: string | undefined; from: RunEnvironment['intraOpThreadsFrom'] } {
  const asked = config.hyperparams.threads;
  if (asked !== undefined) return { value: String(asked), from: 'hyperparams' };
  if (base.TF_NUM_INTRAOP_THREADS) return { value: base.TF_NUM_INTRAOP_THREADS, from: 'environment' };
  return { value: autoIntraOpThreads(config.model, config.hyperparams.batchSize), from: 'auto' };
}

/** The trainer's environment: `base` with TF_NUM_INTRAOP_THREADS as chosen, and on Linux the huge-page tunable unless one is set. */
export function trainerEnv(base: NodeJS.ProcessEnv, config: TrainConfig, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const { value } = chooseIntraOpThreads(config, base);
  const env = trainerBaseEnv(base, platform);
  if (value === undefined) delete env.TF_NUM_INTRAOP_THREADS;
  else env.TF_NUM_INTRAOP_THREADS = value;
  return env;
}
