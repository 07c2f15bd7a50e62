/**
 * Which engine a real trainer process uses, and what the run record says
 * about it: the native path after its self-test, the layers path when
 * asked or when the binding lacks an op (the test-only switch
 * MNIST_STUDIO_NATIVE_FAULT stands in for another tfjs-node), and a failed
 * run when `native` is insisted on and the self-test disagrees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainEvent } from '../../../src/shared/training';
import { TrainingHost } from '../../../src/main/training/host';
import { tmpDir } from '../../helpers/tmp';
import { collectEvents, fixtureConfig, requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

const started = (events: TrainEvent[]) => events.find((e): e is Extract<TrainEvent, { kind: 'started' }> => e.kind === 'started')!;

describe('the training path of a run', () => {
  it('trains on the native path by default and records it, with the threads and who chose them', async () => {
    const home = tmpDir();
    const host = new TrainingHost({ home, env: { ...process.env, TF_NUM_INTRAOP_THREADS: '' } });
    const events = collectEvents(host);
    const { runId } = await host.start(fixtureConfig({ epochs: 2, limit: 1000, seed: 2 }));
    const record = await host.whenFinished(runId);
    expect(record.status).toBe('done');
    expect(record.environment).toMatchObject({
      trainingPath: 'native',
      trainingPathReason: 'the native path passed its self-test against tfjs-layers',
      trainingPathCause: 'self-test-passed',
      intraOpThreads: '1',
      intraOpThreadsFrom: 'auto',
    });
    expect(started(events).environment).toEqual(record.environment);
    expect(record.testAccuracy).toBeGreaterThan(0.8);

    const asked = await host.start(fixtureConfig({ epochs: 1, limit: 500, seed: 2, trainingPath: 'layers', threads: 2 }));
    expect((await host.whenFinished(asked.runId)).environment).toMatchObject({
      trainingPath: 'layers',
      trainingPathReason: 'asked for the tfjs-layers path',
      trainingPathCause: 'asked',
      intraOpThreads: '2',
      intraOpThreadsFrom: 'hyperparams',
    });
  });

  it('falls back to tfjs-layers in a trainer whose binding lacks an op or disagrees, and says so; fails the run when native was insisted on', async () => {
    const home = tmpDir();
    const host = new TrainingHost({ home, env: { ...process.env, MNIST_STUDIO_NATIVE_FAULT: 'missing-op', TF_NUM_INTRAOP_THREADS: '2' } });
    const events = collectEvents(host);
    const { runId } = await host.start(fixtureConfig({ epochs: 1, limit: 500, seed: 2 }));
    const record = await host.whenFinished(runId);
    expect(record.status).toBe('done');
    expect(record.environment).toMatchObject({ trainingPath: 'layers', trainingPathCause: 'native-unavailable', intraOpThreads: '2', intraOpThreadsFrom: 'environment' });
    expect(record.environment?.trainingPathReason).toMatch(
      /^the native path could not run here \('ResourceApplyAdamNotInThisBinding' is neither .*\); training on the tfjs-layers path instead$/,
    );
    expect(started(events).environment).toEqual(record.environment);
    expect(record.testAccuracy).toBeGreaterThan(0.5);

    const disagreeing = new TrainingHost({ home, env: { ...process.env, MNIST_STUDIO_NATIVE_FAULT: 'disagree' } });
    const fellBack = await disagreeing.start(fixtureConfig({ epochs: 1, limit: 500, seed: 2 }));
    const fallback = await disagreeing.whenFinished(fellBack.runId);
    expect(fallback).toMatchObject({ status: 'done', environment: { trainingPath: 'layers', trainingPathCause: 'native-disagreed' } });
    expect(fallback.environment?.trainingPathReason).toMatch(
      /^the native path disagreed with tfjs-layers in the self-test: (loss|weight) .*; training on the tfjs-layers path instead$/,
    );
    expect(fallback.testAccuracy).toBeGreaterThan(0.5);

    const insisting = new TrainingHost({ home, env: { ...process.env, MNIST_STUDIO_NATIVE_FAULT: 'disagree' } });
    const failed = await insisting.start(fixtureConfig({ epochs: 1, limit: 500, trainingPath: 'native' }));
    expect(await insisting.whenFinished(failed.runId)).toMatchObject({
      status: 'failed',
      modelId: null,
      reason: expect.stringMatching(/^the native training path was asked for, but the native path disagreed with tfjs-layers in the self-test/),
    });
  });
});
