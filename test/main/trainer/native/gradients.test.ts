/**
 * The native path's own gradients (what the histograms record after each
 * epoch) are tfjs's autograd gradients on the layers model with the
 * inference forward: no dropout, batch norm by its moving statistics, no
 * update, nothing leaked.
 */
import type { Scalar, Variable } from '@tensorflow/tfjs-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Hyperparams } from '../../../../src/shared/hyperparams';
import { presetSpec, type ModelSpec } from '../../../../src/shared/model-spec';
import { loadTf } from '../../../../src/main/native';
import { buildModel, inferenceForward, lossFunction } from '../../../../src/main/trainer/model';
import { NativePath } from '../../../../src/main/trainer/native/path';
import { seededRandom } from '../../../../src/main/trainer/random';
import { realDigitSplit } from '../../../helpers/native-training';

const tf = loadTf();
const ROWS = 256;
const train = realDigitSplit(tf, ROWS);
afterAll(() => {
  train.x.dispose();
  train.y.dispose();
});

const conv = { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'valid', activation: 'tanh' } as const;
const CASES: { name: string; spec: ModelSpec; hp: Pick<Hyperparams, 'optimizer' | 'learningRate' | 'loss'> }[] = [
  { name: 'the mlp preset', spec: presetSpec('mlp'), hp: { optimizer: 'adam', learningRate: 0.001, loss: 'cross-entropy' } },
  { name: 'the cnn preset', spec: presetSpec('cnn'), hp: { optimizer: 'adam', learningRate: 0.001, loss: 'cross-entropy' } },
  {
    name: 'dropout and a flat batch norm',
    spec: {
      name: 'bn-dropout',
      layers: [
        { type: 'flatten' },
        { type: 'dense', units: 24, activation: 'relu' },
        { type: 'batchNormalization', momentum: 0.5, epsilon: 0.001 },
        { type: 'dropout', rate: 0.5 },
        { type: 'dense', units: 10, activation: 'linear' },
      ],
    },
    hp: { optimizer: 'adam', learningRate: 0.003, loss: 'cross-entropy' },
  },
  {
    name: 'batch norm first and on maps, mse',
    spec: {
      name: 'bn-conv',
      layers: [
        { type: 'batchNormalization', momentum: 0.5, epsilon: 0.001 },
        conv,
        { type: 'batchNormalization', momentum: 0.5, epsilon: 0.01 },
        { type: 'maxPooling2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'linear' },
      ],
    },
    hp: { optimizer: 'momentum', learningRate: 0.05, loss: 'mse' },
  },
];

describe('NativePath.gradients', () => {
  for (const c of CASES) {
    it(`equal tfjs's autograd on the layers model with the inference forward: ${c.name}`, () => {
      const model = buildModel(tf, c.spec, seededRandom(3));
      const path = new NativePath({ tf, model, spec: c.spec, hp: c.hp, train, dropoutRand: seededRandom(5) });
      try {
        // A few steps first: weights and moving statistics away from their initial values.
        for (let k = 0; k < 5; k++) path.step(Int32Array.from({ length: 32 }, (_, i) => (k * 32 + i) % ROWS));
        path.drain();
        path.sync();
        const rows = Int32Array.from({ length: 64 }, (_, i) => (i * 3) % ROWS);
        // The first call makes the constants of a new batch size (kept, as for a step's); later calls hold nothing more.
        path.gradients(rows);
        const handles = path.liveHandles;
        const tensors = tf.memory().numTensors;
        const native = path.gradients(rows);
        expect(path.liveHandles).toBe(handles);
        expect(tf.memory().numTensors).toBe(tensors);
        // No update: the weights are as they were.
        const before = model.getWeights().map((w) => Array.from(w.dataSync()));
        expect(path.weights().map((w) => Array.from(w))).toEqual(before);

        const trainable = model.trainableWeights.map((w) => w.read() as Variable);
        const { grads, value } = tf.tidy(() => {
          const index = tf.tensor1d(rows, 'int32');
          const forward = inferenceForward(model);
          const loss = lossFunction(tf, c.hp.loss);
          return tf.variableGrads(() => loss(tf.gather(train.y, index), forward(tf.gather(train.x, index))) as Scalar, trainable);
        });
        value.dispose();
        const positions = new Map(model.weights.map((w, i) => [w.name, i]));
        const trainableNames = new Set(model.trainableWeights.map((w) => w.name));
        expect(native.filter((g) => g !== null)).toHaveLength(trainable.length);
        for (const w of model.weights) {
          const g = native[positions.get(w.name)!]!;
          if (!trainableNames.has(w.name)) {
            expect(g).toBeNull();
            continue;
          }
          const expected = grads[(w.read() as Variable).name]!.dataSync();
          let norm = 0;
          let off = 0;
          for (let i = 0; i < expected.length; i++) {
            norm += expected[i]! ** 2;
            off += (expected[i]! - g[i]!) ** 2;
          }
          expect(g).toHaveLength(expected.length);
          expect(Math.sqrt(off), `${w.name}: off by ${Math.sqrt(off)} of ${Math.sqrt(norm)}`).toBeLessThanOrEqual(1e-4 * Math.sqrt(norm) + 1e-7);
        }
        for (const g of Object.values(grads)) g.dispose();
      } finally {
        path.dispose();
        model.dispose();
      }
    });
  }
});
