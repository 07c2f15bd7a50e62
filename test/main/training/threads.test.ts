import { describe, expect, it } from 'vitest';
import { Hyperparams } from '../../../src/shared/hyperparams';
import { forwardWork, presetSpec, stepTowers, type ModelSpec } from '../../../src/shared/model-spec';
import type { TrainConfig } from '../../../src/shared/training';
import { autoInterOpThreads, autoIntraOpThreads, chooseIntraOpThreads, IN_CALLER_THREAD, threadsKey, trainerEnv } from '../../../src/main/training/threads';
import { RUN_TRAINER_ENV } from '../../../src/main/trainer/protocol';

// Every run's trainer is marked as one: it starts its read-ahead worker before the job comes.
const run = { [RUN_TRAINER_ENV]: '1' };

const config = (model: ModelSpec, hp: Record<string, unknown> = {}): TrainConfig => ({
  dataset: { dir: '/data' },
  model,
  hyperparams: { ...Hyperparams.parse(hp), seed: 1 },
});

describe('TensorFlow threads of a run', () => {
  it('counts the forward multiply-adds of an image by layer type', () => {
    expect(forwardWork(presetSpec('mlp'))).toEqual({ dense: 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10, conv: 0 });
    // LeNet-5: 5×5×1×6 over 28×28, 5×5×6×16 over 10×10.
    expect(forwardWork(presetSpec('cnn')).conv).toBe(25 * 6 * 28 * 28 + 25 * 6 * 16 * 10 * 10);
  });

  it('gives each tower of a step split in two its share of the cores', () => {
    // The mlp at 64 is below TOWERS_FROM: one tower, one thread.
    expect(stepTowers(presetSpec('mlp'), 64, 2)).toBe(1);
    expect(autoIntraOpThreads(presetSpec('mlp'), 64, 2)).toBe('1');
    for (const batch of [64, 512, 1024]) {
      expect(stepTowers(presetSpec('cnn'), batch, 2)).toBe(2);
      expect(autoIntraOpThreads(presetSpec('cnn'), batch, 2)).toBe('1');
    }
    expect(stepTowers(presetSpec('mlp'), 512, 2)).toBe(2);
    expect(autoIntraOpThreads(presetSpec('mlp'), 1024, 2)).toBe('1');
    expect(autoIntraOpThreads(presetSpec('cnn'), 512, 8)).toBe('4');
    // Not with one inter-op thread, an odd batch, or a layer that sees the whole batch.
    expect(stepTowers(presetSpec('cnn'), 64, 1)).toBe(1);
    expect(stepTowers(presetSpec('cnn'), 63, 2)).toBe(1);
    expect(stepTowers({ ...presetSpec('cnn'), layers: [{ type: 'dropout', rate: 0.1 }, ...presetSpec('cnn').layers] }, 64, 2)).toBe(1);
  });

  it('gives other networks one thread for small steps and every core for large ones', () => {
    const withDropout = (spec: ModelSpec): ModelSpec => ({ ...spec, layers: [...spec.layers.slice(0, -1), { type: 'dropout', rate: 0.2 }, spec.layers.at(-1)!] });
    expect(autoIntraOpThreads(withDropout(presetSpec('mlp')), 64, 2)).toBe('1');
    expect(autoIntraOpThreads(withDropout(presetSpec('mlp')), 512, 2)).toBe('1');
    expect(autoIntraOpThreads(withDropout(presetSpec('mlp')), 1024, 2)).toBeUndefined();
    expect(autoIntraOpThreads(withDropout(presetSpec('cnn')), 8, 2)).toBe('1');
    expect(autoIntraOpThreads(withDropout(presetSpec('cnn')), 256, 2)).toBe('1');
    expect(autoIntraOpThreads(withDropout(presetSpec('cnn')), 512, 2)).toBeUndefined();
  });

  it('lets the run’s threads win over the environment, and the environment over the studio', () => {
    const mlp = config(presetSpec('mlp'));
    expect(chooseIntraOpThreads(mlp, {})).toEqual({ value: '1', from: 'auto' });
    expect(chooseIntraOpThreads(mlp, { TF_NUM_INTRAOP_THREADS: '2' })).toEqual({ value: '2', from: 'environment' });
    expect(chooseIntraOpThreads(config(presetSpec('mlp'), { threads: 3 }), { TF_NUM_INTRAOP_THREADS: '2' })).toEqual({ value: '3', from: 'hyperparams' });
    expect(trainerEnv({ PATH: '/bin' }, mlp)).toEqual({ ...run, PATH: '/bin', TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '-1' });
    // TensorFlow's default is the variable unset, even when the parent had it empty.
    const batchNormed: ModelSpec = {
      name: 'bn',
      layers: [
        { type: 'flatten' },
        { type: 'dense', units: 64, activation: 'relu' },
        { type: 'batchNormalization', momentum: 0.99, epsilon: 0.001 },
        { type: 'dense', units: 10, activation: 'linear' },
      ],
    };
    expect(trainerEnv({ TF_NUM_INTRAOP_THREADS: '' }, config(batchNormed, { batchSize: 4096 }))).toEqual(run);
  });

  it('runs a small step’s ops in the trainer’s own thread, and a step split in towers on the inter-op pool', () => {
    // Below TOWERS_FROM (the mlp at 64: 7M multiply-adds) one thread does it all: no hand-off to a pool thread.
    expect(autoInterOpThreads(presetSpec('mlp'), 64)).toBe(IN_CALLER_THREAD);
    expect(autoInterOpThreads(presetSpec('cnn'), 16)).toBe(IN_CALLER_THREAD);
    // From there the pool runs the two towers side by side; a large step that cannot be split keeps the pool too.
    expect(autoInterOpThreads(presetSpec('mlp'), 128)).toBeUndefined();
    expect(autoInterOpThreads(presetSpec('cnn'), 64)).toBeUndefined();
    const withDropout: ModelSpec = { ...presetSpec('mlp'), layers: [...presetSpec('mlp').layers.slice(0, -1), { type: 'dropout', rate: 0.2 }, presetSpec('mlp').layers.at(-1)!] };
    expect(autoInterOpThreads(withDropout, 1024)).toBeUndefined();
    // The environment's choice (a user's, or a sweep's for trials side by side) is kept; an empty one is unset.
    const mlp = config(presetSpec('mlp'));
    expect(trainerEnv({ TF_NUM_INTEROP_THREADS: '2' }, mlp).TF_NUM_INTEROP_THREADS).toBe('2');
    expect(trainerEnv({ TF_NUM_INTEROP_THREADS: '' }, mlp).TF_NUM_INTEROP_THREADS).toBe('-1');
    expect(trainerEnv({ TF_NUM_INTEROP_THREADS: '3' }, config(presetSpec('cnn'))).TF_NUM_INTEROP_THREADS).toBe('3');
    expect('TF_NUM_INTEROP_THREADS' in trainerEnv({ TF_NUM_INTEROP_THREADS: '' }, config(presetSpec('cnn')))).toBe(false);
    // A spare trainer serves a run only if both variables match.
    expect(threadsKey(trainerEnv({}, mlp))).toBe('1/-1');
    expect(threadsKey(trainerEnv({}, config(presetSpec('mlp'), { batchSize: 512 })))).toBe('1/default');
  });

  it('leaves the allocator as the user has it: no tunables of its own, a user’s passed on', () => {
    const mlp = config(presetSpec('mlp'));
    expect(trainerEnv({}, mlp)).toEqual({ ...run, TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '-1' });
    expect(trainerEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, mlp).GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2');
  });
});
