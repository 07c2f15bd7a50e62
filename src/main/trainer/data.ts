/**
 * The dataset as tensors, built once per run: every training image
 * normalised in one float tensor and its one-hot label in another, so a
 * batch is two gathers and nothing crosses from JavaScript per step.
 */
import type { Tensor } from '@tensorflow/tfjs-node';
import type { DatasetSplit, LoadedDataset } from '@shared/datasets';
import { NUM_CLASSES, PIXELS } from '@shared/datasets';
import type { Hyperparams } from '@shared/hyperparams';
import { StudioError } from '@shared/result';
import { INPUT_SHAPE } from '@shared/model-spec';
import type { Tf } from '../native';
import { shuffle } from './random';

/** Images ([n, 28, 28, 1], normalised), one-hot labels ([n, 10]) and the raw labels, for one split. */
export interface SplitTensors {
  x: Tensor;
  y: Tensor;
  labels: Uint8Array;
  count: number;
}

/** What a run trains and tests on. Training and validation rows are indices into `train`. */
export interface TrainingData {
  train: SplitTensors;
  trainIndices: Int32Array;
  validationIndices: Int32Array;
  test: SplitTensors;
  dispose(): void;
}

/** ((p / 255) − mean) / std for every pixel, as float32. */
export function normalizePixels(images: Uint8Array, normalization: Hyperparams['normalization']): Float32Array {
  const out = new Float32Array(images.length);
  const scale = 1 / (255 * normalization.std);
  const shift = normalization.mean / normalization.std;
  for (let i = 0; i < images.length; i++) out[i] = images[i]! * scale - shift;
  return out;
}

export function splitTensors(tf: Tf, split: DatasetSplit, normalization: Hyperparams['normalization']): SplitTensors {
  if (split.images.length !== split.count * PIXELS || split.labels.length !== split.count) {
    throw new StudioError('INTEGRITY', `a split of ${split.count} images holds ${split.images.length} pixels and ${split.labels.length} labels`);
  }
  const x = tf.tensor4d(normalizePixels(split.images, normalization), [split.count, ...INPUT_SHAPE]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(split.labels), 'int32'), NUM_CLASSES).toFloat());
  return { x, y, labels: split.labels, count: split.count };
}

/**
 * Which training images a run uses: a permutation fixed by the seed, cut to
 * `limit`, and its last `validationSplit` share held out for validation.
 */
export function chooseRows(count: number, hp: Pick<Hyperparams, 'limit' | 'validationSplit'>, rand: () => number): { train: Int32Array; validation: Int32Array } {
  const order = shuffle(
    Int32Array.from({ length: count }, (_, i) => i),
    rand,
  );
  const used = order.subarray(0, Math.min(count, hp.limit ?? count));
  const validationCount = hp.validationSplit > 0 ? Math.max(1, Math.round(used.length * hp.validationSplit)) : 0;
  const train = used.slice(0, used.length - validationCount);
  if (train.length === 0) {
    throw new StudioError('INVALID_ARGUMENT', `no training images left: ${used.length} used and ${validationCount} held out for validation`, 'hyperparams.limit');
  }
  return { train, validation: used.slice(used.length - validationCount) };
}

/** `ready`: the splits' tensors made earlier for this dataset and normalisation (a warm trainer's); the data then owns them. */
export function prepareData(tf: Tf, dataset: LoadedDataset, hp: Hyperparams, rand: () => number, ready?: { train: SplitTensors; test: SplitTensors } | null): TrainingData {
  if (dataset.test.count === 0) {
    if (ready) for (const t of [ready.train.x, ready.train.y, ready.test.x, ready.test.y]) t.dispose();
    throw new StudioError('INVALID_ARGUMENT', `dataset ${dataset.id} has no test images`, 'dataset');
  }
  const rows = chooseRows(dataset.train.count, hp, rand);
  const train = ready?.train ?? splitTensors(tf, dataset.train, hp.normalization);
  const test = ready?.test ?? splitTensors(tf, dataset.test, hp.normalization);
  return {
    train,
    trainIndices: rows.train,
    validationIndices: rows.validation,
    test,
    dispose() {
      for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    },
  };
}
