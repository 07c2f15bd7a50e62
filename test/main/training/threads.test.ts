import { describe, expect, it } from 'vitest';
import { Hyperparams } from '../../../src/shared/hyperparams';
import { presetSpec, type ModelSpec } from '../../../src/shared/model-spec';
import type { TrainConfig } from '../../../src/shared/training';
import { autoIntraOpThreads, chooseIntraOpThreads, forwardWork, trainerEnv } from '../../../src/main/training/threads';
import { HUGE_PAGE_TUNABLE } from '../../../src/main/training/trainer-process';
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

  it('gives small steps one thread and large ones every core', () => {
    expect(autoIntraOpThreads(presetSpec('mlp'), 64)).toBe('1');
    expect(autoIntraOpThreads(presetSpec('mlp'), 512)).toBe('1');
    expect(autoIntraOpThreads(presetSpec('mlp'), 1024)).toBeUndefined();
    expect(autoIntraOpThreads(presetSpec('cnn'), 8)).toBe('1');
    expect(autoIntraOpThreads(presetSpec('cnn'), 64)).toBe('1');
    expect(autoIntraOpThreads(presetSpec('cnn'), 256)).toBe('1');
    expect(autoIntraOpThreads(presetSpec('cnn'), 512)).toBeUndefined();
  });

  it('lets the run’s threads win over the environment, and the environment over the studio', () => {
    const mlp = config(presetSpec('mlp'));
    expect(chooseIntraOpThreads(mlp, {})).toEqual({ value: '1', from: 'auto' });
    expect(chooseIntraOpThreads(mlp, { TF_NUM_INTRAOP_THREADS: '2' })).toEqual({ value: '2', from: 'environment' });
    expect(chooseIntraOpThreads(config(presetSpec('mlp'), { threads: 3 }), { TF_NUM_INTRAOP_THREADS: '2' })).toEqual({ value: '3', from: 'hyperparams' });
    expect(trainerEnv({ PATH: '/bin' }, mlp, 'darwin')).toEqual({ ...run, PATH: '/bin', TF_NUM_INTRAOP_THREADS: '1' });
    // TensorFlow's default is the variable unset, even when the parent had it empty.
    expect(trainerEnv({ TF_NUM_INTRAOP_THREADS: '' }, config(presetSpec('cnn'), { batchSize: 512 }), 'win32')).toEqual(run);
  });

  it('asks glibc for huge pages on Linux, leaving a user’s own tunables alone', () => {
    const mlp = config(presetSpec('mlp'));
    expect(trainerEnv({}, mlp, 'linux')).toEqual({ ...run, TF_NUM_INTRAOP_THREADS: '1', GLIBC_TUNABLES: HUGE_PAGE_TUNABLE });
    expect(trainerEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, mlp, 'linux').GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2');
    expect(trainerEnv({}, mlp, 'darwin').GLIBC_TUNABLES).toBeUndefined();
  });
});
