/**
 * How many threads TensorFlow uses inside each op of a run
 * (TF_NUM_INTRAOP_THREADS, read once when tfjs-node loads, so it is set in
 * the trainer process's environment). Small steps are dominated by op
 * dispatch, where one thread wins (no hand-off between threads); large
 * convolutions want every core. The crossovers below were measured on a
 * 2-core machine with `npm run bench -- --threads` (see bench.ts).
 */
import os from 'node:os';
import { forwardWork, stepTowers, TOWERS_FROM, type ModelSpec } from '@shared/model-spec';
import type { RunEnvironment, TrainConfig } from '@shared/training';
import { setEnvVars, trainerBaseEnv } from './trainer-process';

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

/**
 * TF_NUM_INTEROP_THREADS of a run with a small step: negative, so that
 * TensorFlow runs a session's ops in the thread that asked for them (the
 * trainer's own) instead of handing each step to its inter-op pool and
 * waiting for it. Measured with `npm run bench` (2 cores, the native path's
 * step graphs, one intra-op thread): the mlp at batch 64 96–126k samples/s
 * against 85–89k with the pool, and on Fashion-MNIST at batch 8 16.3k
 * against 12.5k, at 16 34k against 20k. Steps split into towers need the
 * pool to run them side by side: there the pool won (the cnn at 64 15–21k
 * against 10–17k, at 512 21–27k against 11–21k).
 */
export const IN_CALLER_THREAD = '-1';

/** The studio's TF_NUM_INTEROP_THREADS for a run: ops in the trainer's thread for a step below TOWERS_FROM (undefined: a thread per core). */
export function autoInterOpThreads(spec: ModelSpec, batchSize: number): string | undefined {
  const work = forwardWork(spec);
  return (work.dense + work.conv) * batchSize < TOWERS_FROM ? IN_CALLER_THREAD : undefined;
}

/** TF_NUM_INTRAOP_THREADS for a run's trainer and who chose it: the run's `threads`, then the user's environment, then the studio. */
export function chooseIntraOpThreads(config: TrainConfig, base: NodeJS.ProcessEnv): { value: string | undefined; from: RunEnvironment['intraOpThreadsFrom'] } {
  const asked = config.hyperparams.threads;
  if (asked !== undefined) return { value: String(asked), from: 'hyperparams' };
  if (base.TF_NUM_INTRAOP_THREADS) return { value: base.TF_NUM_INTRAOP_THREADS, from: 'environment' };
  return { value: autoIntraOpThreads(config.model, config.hyperparams.batchSize), from: 'auto' };
}

/** TF_NUM_INTEROP_THREADS for a run's trainer: the environment's (a user's, or a sweep's for trials side by side), else the studio's. */
export function chooseInterOpThreads(config: TrainConfig, base: NodeJS.ProcessEnv): string | undefined {
  return base.TF_NUM_INTEROP_THREADS || autoInterOpThreads(config.model, config.hyperparams.batchSize);
}

/** Both thread variables of a trainer's environment, as one key: a spare trainer serves a run only if they match (TensorFlow reads them once). */
export function threadsKey(env: NodeJS.ProcessEnv): string {
  return `${env.TF_NUM_INTRAOP_THREADS ?? 'default'}/${env.TF_NUM_INTEROP_THREADS ?? 'default'}`;
}

/** The trainer's environment: `base` with TF_NUM_INTRAOP_THREADS and TF_NUM_INTEROP_THREADS as chosen. */
export function trainerEnv(base: NodeJS.ProcessEnv, config: TrainConfig): NodeJS.ProcessEnv {
  return setEnvVars(trainerBaseEnv(base), {
    TF_NUM_INTRAOP_THREADS: chooseIntraOpThreads(config, base).value,
    TF_NUM_INTEROP_THREADS: chooseInterOpThreads(config, base),
  });
}
