/**
 * Training callbacks: the short forms and the schedule's arithmetic, then
 * real short runs on both training paths (in this process, as a trainer
 * runs a job): early stopping ends the run, the schedule's rate is the one
 * each epoch trains with (and it acts on the weights), and restore-best
 * leaves the model with the best epoch's weights.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { callbackProblem, parseEarlyStop, parseLrSchedule, scheduledLearningRate } from '../../../src/shared/callbacks';
import { Hyperparams } from '../../../src/shared/hyperparams';
import { presetSpec } from '../../../src/shared/model-spec';
import { TrainConfigInput, type EpochPoint, type TrainConfig, type TrainEvent } from '../../../src/shared/training';
import { loadTf } from '../../../src/main/native';
import { EpochCallbacks } from '../../../src/main/trainer/callbacks';
import { RunControl } from '../../../src/main/trainer/control';
import { runJob } from '../../../src/main/trainer/run';
import { tmpDir } from '../../helpers/tmp';
import { homeWithFixture } from '../../helpers/training';

const tf = loadTf();

describe('callback settings', () => {
  it('parses the CLI short forms and names what is wrong', () => {
    expect(parseEarlyStop('val-loss:3')).toEqual({ monitor: 'val-loss', patience: 3, minDelta: 0 });
    expect(parseEarlyStop('val-accuracy:2:0.001')).toEqual({ monitor: 'val-accuracy', patience: 2, minDelta: 0.001 });
    expect(() => parseEarlyStop('val-loss')).toThrow(/MONITOR:PATIENCE\[:MIN_DELTA\]/);
    expect(() => parseEarlyStop('loss:3')).toThrow(/monitor must be one of val-loss, val-accuracy/);
    expect(() => parseEarlyStop('val-loss:-1')).toThrow(/patience must be a whole number from 0 to 1000/);
    expect(() => parseEarlyStop('val-loss:x')).toThrow(/patience/);
    expect(() => parseEarlyStop('val-loss:3:2')).toThrow(/minDelta must be a number from 0 to 1/);
    expect(parseLrSchedule('cosine')).toEqual({ type: 'cosine', minLr: 0 });
    expect(parseLrSchedule('step:2:0.5')).toEqual({ type: 'step', every: 2, factor: 0.5 });
    expect(parseLrSchedule('exp:0.9')).toEqual({ type: 'exponential', gamma: 0.9 });
    expect(parseLrSchedule('plateau:1:0.2')).toEqual({ type: 'plateau', patience: 1, factor: 0.2, minLr: 0 });
    expect(() => parseLrSchedule('linear')).toThrow(/use cosine, step:EVERY:FACTOR, exp:GAMMA or plateau:PATIENCE:FACTOR/);
    expect(() => parseLrSchedule('step:2')).toThrow(/write it as step:EVERY:FACTOR/);
    expect(() => parseLrSchedule('exp:1.5')).toThrow(/gamma must be a number above 0 and at most 1/);
    expect(() => parseLrSchedule('step:0:0.5')).toThrow(/every must be a whole number from 1/);
  });

  it('checks the settings in the hyperparameters and asks for a validation split where one is watched', () => {
    expect(Hyperparams.safeParse({ lrSchedule: { type: 'cosine', extra: 1 } }).success).toBe(false);
    expect(Hyperparams.safeParse({ earlyStopping: { monitor: 'loss' } }).error?.issues[0]?.path).toEqual(['earlyStopping', 'monitor']);
    const hp = Hyperparams.parse({ earlyStopping: {}, lrSchedule: { type: 'cosine' } });
    expect(hp.earlyStopping).toEqual({ monitor: 'val-loss', patience: 0, minDelta: 0 });
    expect(callbackProblem(hp)).toMatchObject({ field: 'hyperparams.earlyStopping', message: expect.stringMatching(/validation split above 0/) });
    expect(callbackProblem({ ...hp, earlyStopping: undefined, restoreBest: true })?.field).toBe('hyperparams.restoreBest');
    expect(callbackProblem({ ...hp, earlyStopping: undefined, lrSchedule: { type: 'plateau', patience: 1, factor: 0.5, minLr: 0 } })?.field).toBe('hyperparams.lrSchedule');
    expect(callbackProblem({ ...hp, earlyStopping: undefined })).toBeNull();
    expect(callbackProblem({ ...hp, validationSplit: 0.1 })).toBeNull();
  });

  it('computes each schedule per epoch', () => {
    expect([1, 2, 3, 4, 5].map((e) => scheduledLearningRate({ type: 'step', every: 2, factor: 0.5 }, 0.1, e, 5))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    expect(scheduledLearningRate({ type: 'exponential', gamma: 0.5 }, 0.1, 3, 5)).toBeCloseTo(0.025, 12);
    expect(scheduledLearningRate({ type: 'cosine', minLr: 0 }, 0.1, 1, 4)).toBeCloseTo(0.1, 12);
    expect(scheduledLearningRate({ type: 'cosine', minLr: 0 }, 0.1, 3, 4)).toBeCloseTo(0.05, 12);
  });

  it('stops as Keras does and cuts the rate on a plateau', () => {
    const point = (epoch: number, validationLoss: number): EpochPoint => ({
      epoch,
      trainLoss: 1,
      trainAccuracy: 0.5,
      validationLoss,
      validationAccuracy: 0.5,
      elapsedMs: 1,
      samplesPerSec: 1,
    });
    const es = new EpochCallbacks({ epochs: 10, learningRate: 0.1, validationSplit: 0.1, earlyStopping: { monitor: 'val-loss', patience: 2, minDelta: 0.01 } });
    // 1.0 best; 0.995 is not better by more than 0.01 (wait 1); 0.98 is (wait 0); 0.985, 0.99: wait 1, 2 → stop after epoch 5.
    expect([1, 0.995, 0.98, 0.985, 0.99].map((v, i) => es.epochEnd(point(i + 1, v)).stop)).toEqual([false, false, false, false, true]);
    expect(es.outcome(false)).toEqual({ stoppedEarlyAt: 5, monitor: 'val-loss', bestEpoch: 3, bestValue: 0.98, restoredEpoch: null });
    const plateau = new EpochCallbacks({ epochs: 10, learningRate: 0.1, validationSplit: 0.1, lrSchedule: { type: 'plateau', patience: 2, factor: 0.5, minLr: 0.03 } });
    const rates = [1, 1.1, 1.2, 1.3, 1.4, 1.5].map((v, i) => {
      plateau.epochEnd(point(i + 1, v));
      return plateau.learningRate(i + 2);
    });
    // Not better for 2 epochs in a row (epochs 2–3, then 4–5): the rate halves, then stops at minLr.
    expect(rates).toEqual([0.1, 0.1, 0.05, 0.05, 0.03, 0.03]);
  });
});

const PATHS = ['layers', 'native'] as const;

function config(hyperparams: Record<string, unknown>): TrainConfig {
  const parsed = TrainConfigInput.parse({ dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams });
  return { ...parsed, hyperparams: { ...parsed.hyperparams, seed: parsed.hyperparams.seed ?? 1 } };
}

async function run(home: string, cfg: TrainConfig, id: string) {
  const events: TrainEvent[] = [];
  const done = await runJob(tf, { runId: id, modelId: `model-${id}`, home, config: cfg, appVersion: '0.0.0-test', intraOpThreadsFrom: 'auto' }, new RunControl(), (event) =>
    events.push(event),
  );
  if (done.kind !== 'done') throw new Error(`run ${id} ended with ${done.kind}`);
  const started = events.find((e) => e.kind === 'started');
  const epochs = events.filter((e): e is Extract<TrainEvent, { kind: 'epoch' }> => e.kind === 'epoch');
  return { done, path: started?.kind === 'started' ? started.environment.trainingPath : undefined, epochs };
}

const SMALL = { limit: 1200, batchSize: 32, logEvery: 10, validationSplit: 0.25, seed: 3 };

describe.each(PATHS)('callbacks on the %s path, real runs', (trainingPath) => {
  let home = '';
  beforeEach(() => {
    home = homeWithFixture('digits', tmpDir());
  });

  it('early stopping ends the run as done after the epoch that did not improve enough', { timeout: 120_000 }, async () => {
    // Validation accuracy cannot rise by 0.5 after epoch 1: with patience 0 the run stops after epoch 2 of 6.
    const r = await run(home, config({ ...SMALL, trainingPath, epochs: 6, earlyStopping: { monitor: 'val-accuracy', patience: 0, minDelta: 0.5 } }), `es-${trainingPath}`);
    expect(r.path).toBe(trainingPath);
    expect(r.done.status).toBe('done');
    expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(r.done.callbacks).toMatchObject({ stoppedEarlyAt: 2, monitor: 'val-accuracy', bestEpoch: expect.any(Number) as number, restoredEpoch: null });
    // A large learning rate (plain SGD) makes validation loss jumpy: patience 0 stops after the first epoch that is not better than all before it.
    const wild = await run(
      home,
      config({ ...SMALL, trainingPath, epochs: 6, optimizer: 'sgd', learningRate: 0.3, earlyStopping: { monitor: 'val-loss', patience: 0 } }),
      `wild-${trainingPath}`,
    );
    const losses = wild.epochs.map((e) => e.validationLoss!);
    const firstWorse = losses.findIndex((v, i) => i > 0 && v >= Math.min(...losses.slice(0, i)));
    console.log(`${trainingPath}: validation losses at lr 0.3: ${losses.map((v) => v.toFixed(4)).join(', ')}`);
    expect(wild.done.callbacks?.stoppedEarlyAt).toBe(firstWorse < 0 ? null : firstWorse + 1);
    expect(wild.epochs.length).toBe(firstWorse < 0 ? 6 : firstWorse + 1);
  });

  it('each epoch trains with the schedule’s rate, recorded per epoch, and the rate reaches the optimizer', { timeout: 120_000 }, async () => {
    const lr = 0.002;
    const cosine = await run(home, config({ ...SMALL, trainingPath, epochs: 4, learningRate: lr, lrSchedule: { type: 'cosine' } }), `cos-${trainingPath}`);
    const expected = [1, 2, 3, 4].map((e) => (lr * (1 + Math.cos((Math.PI * (e - 1)) / 4))) / 2);
    cosine.epochs.forEach((e, i) => expect(e.learningRate).toBeCloseTo(expected[i]!, 12));
    expect(cosine.done.callbacks).toMatchObject({ stoppedEarlyAt: null, restoredEpoch: null });
    // A rate cut to ~0 after epoch 1 freezes the weights: validation loss stays as it was, unlike the constant rate's.
    const frozen = await run(home, config({ ...SMALL, trainingPath, epochs: 3, learningRate: lr, lrSchedule: { type: 'exponential', gamma: 1e-9 } }), `frozen-${trainingPath}`);
    const constant = await run(home, config({ ...SMALL, trainingPath, epochs: 3, learningRate: lr }), `const-${trainingPath}`);
    expect(frozen.epochs[0]!.validationLoss).toBeCloseTo(constant.epochs[0]!.validationLoss!, 4);
    expect(Math.abs(frozen.epochs[2]!.validationLoss! - frozen.epochs[0]!.validationLoss!)).toBeLessThan(1e-4);
    expect(Math.abs(constant.epochs[2]!.validationLoss! - constant.epochs[0]!.validationLoss!)).toBeGreaterThan(1e-2);
    expect(constant.epochs.map((e) => e.learningRate)).toEqual([lr, lr, lr]);
    expect(constant.done.callbacks).toBeNull();
  });

  it('restore-best leaves the model with the best epoch’s weights: the test result of a run that ended there', { timeout: 180_000 }, async () => {
    // 300 training images, 8 epochs: the network overfits, validation loss is best early, then rises.
    const hp = { ...SMALL, limit: 400, trainingPath, learningRate: 0.003, seed: 5 };
    const restored = await run(home, config({ ...hp, epochs: 8, restoreBest: true }), `best-${trainingPath}`);
    const losses = restored.epochs.map((e) => e.validationLoss!);
    const bestEpoch = losses.indexOf(Math.min(...losses)) + 1;
    console.log(`${trainingPath}: validation losses, 300 images: ${losses.map((v) => v.toFixed(4)).join(', ')}`);
    expect(restored.done.callbacks).toMatchObject({ monitor: 'val-loss', bestEpoch, restoredEpoch: bestEpoch, stoppedEarlyAt: null });
    expect(bestEpoch).toBeLessThan(8);
    const short = await run(home, config({ ...hp, epochs: bestEpoch }), `short-${trainingPath}`);
    const last = await run(home, config({ ...hp, epochs: 8 }), `last-${trainingPath}`);
    expect(restored.done.evaluation.loss).toBeCloseTo(short.done.evaluation.loss, 3);
    expect(Math.abs(restored.done.evaluation.accuracy - short.done.evaluation.accuracy)).toBeLessThanOrEqual(0.002);
    // …and not the last epoch's.
    expect(Math.abs(restored.done.evaluation.loss - last.done.evaluation.loss)).toBeGreaterThan(1e-3);
  });
});
