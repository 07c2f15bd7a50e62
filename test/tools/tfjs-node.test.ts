import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-node';
import { describe, expect, it } from 'vitest';
import { libtensorflowVersion, loadTf, readProvenance } from '../../src/main/native';
import { tmpDir } from '../helpers/tmp';

describe('the installed tfjs-node', () => {
  const tf = loadTf();

  it('runs on the native TensorFlow backend the install step recorded', () => {
    expect(tf.getBackend()).toBe('tensorflow');
    const provenance = readProvenance();
    expect(provenance, 'tools/tfjs-native did not record where libtensorflow came from').not.toBeNull();
    expect(libtensorflowVersion(tf)).toBe(provenance!.version);
  });

  it('trains a Dense and a Conv2D model, saves and loads them with the same predictions', async () => {
    const x = tf.randomUniform([64, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 64 }, (_, i) => i % 10),
        'int32',
      ),
      10,
    );
    const dense = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 32, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })],
    });
    const conv = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const dir = tmpDir();
    for (const [name, model] of [
      ['dense', dense],
      ['conv', conv],
    ] as const) {
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const history = await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
      const losses = history.history.loss as number[];
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[2]!).toBeLessThan(losses[0]!);
      await model.save(`file://${path.join(dir, name)}`);
      const loaded = await tf.loadLayersModel(`file://${path.join(dir, name, 'model.json')}`);
      const a = model.predict(x) as Tensor;
      const b = loaded.predict(x) as Tensor;
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-6);
    }
  });
});
