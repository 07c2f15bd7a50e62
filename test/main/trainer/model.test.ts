import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import { describe, expect, it } from 'vitest';
import { presetSpec, type ModelSpec } from '../../../src/shared/model-spec';
import { loadTf } from '../../../src/main/native';
import { buildModel, inferenceForward, trainingForward } from '../../../src/main/trainer/model';
import { seededRandom } from '../../../src/main/trainer/random';

const tf = loadTf();
const values = (t: Tensor) => Array.from(t.dataSync());
const weights = (model: LayersModel) => model.getWeights().map(values);

describe('tfjs randomness, as the engine finds it (tfjs-node 4.22)', () => {
  it('ignores a seed of 0 in normal initialisers: two draws differ, so engine seeds are never 0', () => {
    const draw = (seed: number) => values(tf.initializers.glorotNormal({ seed }).apply([8, 8]));
    expect(draw(0)).not.toEqual(draw(0));
    expect(draw(5)).toEqual(draw(5));
  });

  it('gives a Dropout layer with a seed the same mask on every call, and without one a Math.random mask', () => {
    const x = tf.ones([4, 64]);
    const seeded = tf.layers.dropout({ rate: 0.5, seed: 3 });
    const a = values(seeded.apply(x, { training: true }) as Tensor);
    const b = values(seeded.apply(x, { training: true }) as Tensor);
    expect(a).toEqual(b);
    const unseeded = tf.layers.dropout({ rate: 0.5 });
    expect(values(unseeded.apply(x, { training: true }) as Tensor)).not.toEqual(values(unseeded.apply(x, { training: true }) as Tensor));
  });
});

describe('buildModel and the forward passes', () => {
  const withDropout: ModelSpec = {
    name: 'drop',
    layers: [{ type: 'flatten' }, { type: 'dense', units: 32, activation: 'relu' }, { type: 'dropout', rate: 0.5 }, { type: 'dense', units: 10, activation: 'linear' }],
  };

  it('draws every initial weight from the run’s seed: same seed, same weights; another seed, others', () => {
    for (const preset of ['mlp', 'cnn'] as const) {
      const a = buildModel(tf, presetSpec(preset), seededRandom(1));
      const b = buildModel(tf, presetSpec(preset), seededRandom(1));
      const c = buildModel(tf, presetSpec(preset), seededRandom(2));
      expect(weights(a)).toEqual(weights(b));
      expect(weights(a)[0]).not.toEqual(weights(c)[0]);
      expect(a.countParams()).toBe(preset === 'mlp' ? 109_386 : 61_706);
      for (const m of [a, b, c]) m.dispose();
    }
  });

  it('draws a new dropout mask each step from the seed, and none at inference', () => {
    const model = buildModel(tf, withDropout, seededRandom(1));
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 7);
    const steps = (seed: number) => {
      const forward = trainingForward(tf, model, withDropout, seededRandom(seed));
      return [values(forward(x)), values(forward(x))];
    };
    const [first, second] = steps(9);
    expect(first).not.toEqual(second);
    expect(steps(9)).toEqual([first, second]);
    const infer = inferenceForward(model);
    expect(values(infer(x))).toEqual(values(infer(x)));
    model.dispose();
  });
});
