/**
 * Choosing the training path at trainer start (the self-test and its
 * fallback), and the native path inside the real loop: its handles stay
 * flat across epochs and are all released after the run, and a pause puts
 * the trained weights into the layers model.
 */
import type { LayersModel } from '@tensorflow/tfjs-node';
import { afterAll, describe, expect, it } from 'vitest';
import { Hyperparams } from '../../../src/shared/hyperparams';
import { presetSpec, type ModelSpec } from '../../../src/shared/model-spec';
import { StudioError } from '../../../src/shared/result';
import type { TrainEvent } from '../../../src/shared/training';
import { loadTf } from '../../../src/main/native';
import { RunControl } from '../../../src/main/trainer/control';
import type { TrainingData } from '../../../src/main/trainer/data';
import { trainLoop } from '../../../src/main/trainer/loop';
import { buildModel } from '../../../src/main/trainer/model';
import { nativeAccess } from '../../../src/main/trainer/native/binding';
import { NativePath } from '../../../src/main/trainer/native/path';
import { seededRandom } from '../../../src/main/trainer/random';
import { nativeFault, openTrainingPath, selfTest } from '../../../src/main/trainer/training-path';
import { realDigitSplit } from '../../helpers/native-training';

const tf = loadTf();
const { binding, idOf } = nativeAccess(tf);

const ROWS = 600;
const train = realDigitSplit(tf, ROWS);
const data: TrainingData = {
  train,
  trainIndices: Int32Array.from({ length: ROWS }, (_, i) => i),
  validationIndices: new Int32Array(0),
  test: train,
  dispose: () => {},
};
// The dataset's handles exist before anything is counted.
idOf(train.x);
idOf(train.y);
afterAll(() => {
  train.x.dispose();
  train.y.dispose();
});

const withDropout: ModelSpec = {
  name: 'drop',
  layers: [{ type: 'flatten' }, { type: 'dense', units: 32, activation: 'relu' }, { type: 'dropout', rate: 0.3 }, { type: 'dense', units: 10, activation: 'linear' }],
};
const hp = Hyperparams.parse({ seed: 1 });
const values = (m: LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
/** A fresh model whose weights already have native handles (tfjs makes them on first use), so counts compare like with like. */
function freshModel(spec: ModelSpec): LayersModel {
  const built = buildModel(tf, spec, seededRandom(1));
  for (const w of built.getWeights()) idOf(w);
  return built;
}

function open(spec: ModelSpec, choice: 'auto' | 'native' | 'layers', fault?: 'missing-op' | 'disagree') {
  const m = freshModel(spec);
  try {
    return { model: m, ...openTrainingPath({ tf, model: m, spec, hp, train, data, dropoutRand: seededRandom(2), choice, fault }) };
  } catch (err) {
    m.dispose();
    throw err;
  }
}

describe('the self-test and the choice of path', () => {
  it('passes for the presets and dropout, and leaves the model’s weights and handles as they were', () => {
    for (const spec of [presetSpec('mlp'), presetSpec('cnn'), withDropout]) {
      const m = freshModel(spec);
      const before = values(m);
      const handles = binding.getNumOfTensors();
      const tensors = tf.memory().numTensors;
      expect(selfTest({ tf, model: m, spec, hp: { ...hp, optimizer: 'rmsprop' }, train, rows: data.trainIndices })).toBeNull();
      expect(values(m)).toEqual(before);
      expect(binding.getNumOfTensors()).toBe(handles);
      expect(tf.memory().numTensors).toBe(tensors);
      m.dispose();
    }
  });

  it('opens the native path by default, the layers path when asked, each saying why', () => {
    const auto = open(presetSpec('mlp'), 'auto');
    expect(auto.path.name).toBe('native');
    expect(auto.reason).toMatch(/passed its self-test/);
    const layers = open(presetSpec('mlp'), 'layers');
    expect(layers).toMatchObject({ path: { name: 'layers' }, reason: 'asked for the tfjs-layers path' });
    for (const o of [auto, layers]) {
      o.path.dispose();
      o.model.dispose();
    }
  });

  it('falls back to tfjs-layers when the binding lacks an op, naming it', () => {
    const o = open(presetSpec('mlp'), 'auto', 'missing-op');
    expect(o.path.name).toBe('layers');
    expect(o.reason).toMatch(
      /^the native path could not run here \(.*'ResourceApplyAdamNotInThisBinding' is neither a type of a primitive operation.*\); training on the tfjs-layers path instead$/,
    );
    o.path.dispose();
    o.model.dispose();
  });

  it('falls back when the native path computes something else, and fails the run when native was insisted on', () => {
    const o = open(withDropout, 'auto', 'disagree');
    expect(o.path.name).toBe('layers');
    expect(o.reason).toMatch(/^the native path disagreed with tfjs-layers in the self-test: (loss|weight) /);
    o.path.dispose();
    o.model.dispose();
    expect(() => open(withDropout, 'native', 'disagree')).toThrow(StudioError);
    expect(() => open(withDropout, 'native', 'disagree')).toThrow(/^the native training path was asked for, but the native path disagreed/);
  });

  it('reads its test-only fault switch strictly', () => {
    expect(nativeFault({})).toBeUndefined();
    expect(nativeFault({ MNIST_STUDIO_NATIVE_FAULT: 'missing-op' })).toBe('missing-op');
    expect(() => nativeFault({ MNIST_STUDIO_NATIVE_FAULT: 'missing_op' })).toThrow(/must be missing-op, disagree or graph/);
  });
});

describe('the native path in the training loop', () => {
  it('holds a flat number of native handles across epochs and none after the run', async () => {
    const spec = presetSpec('cnn');
    const m = freshModel(spec);
    const baseline = binding.getNumOfTensors();
    const path = new NativePath({ tf, model: m, spec, hp, train, dropoutRand: seededRandom(2) });
    const perEpoch: number[] = [];
    const reported: number[] = [];
    const result = await trainLoop({
      tf,
      runId: 'handles',
      data: { ...data, trainIndices: data.trainIndices.subarray(0, 200) },
      path,
      hp: { ...hp, epochs: 4, batchSize: 32, logEvery: 3 },
      validate: () => null,
      shuffleRand: seededRandom(3),
      control: new RunControl(),
      emit: (event: TrainEvent) => {
        if (event.kind !== 'epoch') return;
        perEpoch.push(binding.getNumOfTensors());
        reported.push(event.tensors);
      },
    });
    expect(result.epochsDone).toBe(4);
    expect(new Set(perEpoch).size).toBe(1);
    expect(new Set(reported).size).toBe(1);
    expect(perEpoch[0]! - baseline).toBe(path.liveHandles);
    // As a run ends: weights into the model (new tfjs tensors, given handles like the ones they replace), then release.
    path.sync();
    for (const w of m.getWeights()) idOf(w);
    path.dispose();
    expect(path.liveHandles).toBe(0);
    expect(binding.getNumOfTensors()).toBe(baseline);
    m.dispose();
  });

  it('puts the trained weights into the layers model when the run pauses', async () => {
    const spec = presetSpec('mlp');
    const m = freshModel(spec);
    const initial = values(m);
    const path = new NativePath({ tf, model: m, spec, hp, train, dropoutRand: seededRandom(2) });
    let atPause: number[][] | null = null;
    let native: number[][] | null = null;
    const control = new RunControl((activity) => {
      if (activity !== 'paused') return;
      atPause = values(m);
      native = path.weights().map((w) => Array.from(w));
      setImmediate(() => control.resume());
    });
    await trainLoop({
      tf,
      runId: 'pause',
      data,
      path,
      hp: { ...hp, epochs: 1, batchSize: 64, logEvery: 2 },
      validate: () => null,
      shuffleRand: seededRandom(3),
      control,
      emit: (event) => {
        if (event.kind === 'batch' && event.points[0]!.step === 4) control.pause();
      },
    });
    expect(atPause).not.toBeNull();
    expect(atPause).toEqual(native);
    expect(atPause).not.toEqual(initial);
    path.dispose();
    m.dispose();
  });
});
