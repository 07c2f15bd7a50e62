/**
 * The dataset as tensors, built once per run: every training image
 * normalised in one float tensor and its one-hot label in another, so a
 * batch is two gathers and nothing crosses from JavaScript per step.
 */
import type { Tensor } from '@tensorflow/tfjs-node';
import type { DatasetSplit, LoadedDataset } from '@shared/datasets';
import { NUM_CLASSES, PIXELS } from '@shared/datasets';
import type { Hyperparams } from '@shared/hyperparams';
import { mixRowsPerBatch } from '@shared/mix';
import { StudioError } from '@shared/result';
import { INPUT_SHAPE } from '@shared/model-spec';
import type { Tf } from '../native';
import { nativeAccess, type NativeBinding } from './native/binding';
import { shuffle } from './random';

/** Images ([n, 28, 28, 1], normalised), one-hot labels ([n, 10]) and the raw labels, for one split. */
export interface SplitTensors {
  x: Tensor;
  y: Tensor;
  labels: Uint8Array;
  count: number;
}

/**
 * A data set mixed into each batch (`hyperparams.mix`). Its training split
 * sits in `train` after the main set's rows (from `offset` on), so a batch
 * of both is still one gather.
 */
export interface MixData {
  /** Its rows trained on and held out, as rows of `train`. */
  trainIndices: Int32Array;
  holdoutIndices: Int32Array;
  /** The held-out rows as rows of the mixed-in set's own training split, ascending (what the run records). */
  holdoutRows: number[];
  offset: number;
  /** Rows of each full batch drawn from the set. */
  rowsPerBatch: number;
  /**
   * One epoch's order: the main rows as shuffled, `batch − rowsPerBatch` a
   * batch, each batch followed by its share of the set's rows (drawn
   * without replacement, reshuffled when used up: a personal set is small).
   * Every batch but the last is `batchSize` rows.
   */
  interleave(mainOrder: Int32Array, batchSize: number): Int32Array;
}

/** What a run trains and tests on. Training and validation rows are indices into `train`. */
export interface TrainingData {
  train: SplitTensors;
  /** The main set's training rows (the mixed-in set's are in `mix`). */
  trainIndices: Int32Array;
  validationIndices: Int32Array;
  test: SplitTensors;
  /** The data set mixed into each batch; null without one. */
  mix?: MixData | null;
  dispose(): void;
}

/**
 * Which rows of a small set are held out: per class, round(holdout × its
 * rows), chosen by `rand` (so every digit is measured). Returns the rows
 * trained on (in a seeded order) and the held-out ones, ascending.
 */
export function chooseHoldout(labels: Uint8Array, holdout: number, rand: () => number): { train: Int32Array; holdout: Int32Array } {
  const order = shuffle(
    Int32Array.from({ length: labels.length }, (_, i) => i),
    rand,
  );
  const byClass = new Map<number, number[]>();
  for (const row of order) {
    const list = byClass.get(labels[row]!) ?? [];
    list.push(row);
    byClass.set(labels[row]!, list);
  }
  const held: number[] = [];
  for (const rows of byClass.values()) held.push(...rows.slice(0, Math.round(rows.length * holdout)));
  const heldSet = new Set(held);
  return { train: order.filter((row) => !heldSet.has(row)), holdout: Int32Array.from(held.sort((a, b) => a - b)) };
}

/** The mixed-in set's part of the data: its hold-out split and the sampler of its rows, `offset` being where its rows start in `train`. */
export function mixData(labels: Uint8Array, offset: number, mix: NonNullable<Hyperparams['mix']>, batchSize: number, rand: () => number, name: string): MixData {
  const split = chooseHoldout(labels, mix.holdout, rand);
  if (split.train.length === 0) {
    throw new StudioError(
      'INVALID_ARGUMENT',
      `data set ${name}: no rows left to train on after holding out ${split.holdout.length} of ${labels.length}; lower the hold-out`,
      'hyperparams.mix',
    );
  }
  const trainIndices = split.train.map((row) => row + offset);
  const rowsPerBatch = mixRowsPerBatch(mix.share, batchSize);
  // The sampler: a pass over the set's rows in a seeded order, reshuffled at each new pass.
  const pool = trainIndices.slice();
  let next = pool.length;
  const draw = (): number => {
    if (next === pool.length) {
      shuffle(pool, rand);
      next = 0;
    }
    return pool[next++]!;
  };
  return {
    trainIndices,
    holdoutIndices: split.holdout.map((row) => row + offset),
    holdoutRows: Array.from(split.holdout),
    offset,
    rowsPerBatch,
    interleave(mainOrder, size) {
      const main = size - rowsPerBatch;
      const steps = Math.ceil(mainOrder.length / main);
      // The last, short batch keeps the mix's proportion (at least one row of the set).
      const lastMain = mainOrder.length - (steps - 1) * main;
      const lastMix = Math.max(1, Math.round((lastMain * rowsPerBatch) / main));
      const out = new Int32Array(mainOrder.length + (steps - 1) * rowsPerBatch + lastMix);
      let k = 0;
      for (let s = 0; s < steps; s++) {
        const from = s * main;
        const to = Math.min(mainOrder.length, from + main);
        out.set(mainOrder.subarray(from, to), k);
        k += to - from;
        const extra = s === steps - 1 ? lastMix : rowsPerBatch;
        for (let j = 0; j < extra; j++) out[k++] = draw();
      }
      return out;
    },
  };
}

/** ((p / 255) − mean) / std for every pixel, as float32, into `out` (a new array by default). */
export function normalizePixels(images: Uint8Array, normalization: Hyperparams['normalization'], out = new Float32Array(images.length)): Float32Array {
  const scale = 1 / (255 * normalization.std);
  const shift = normalization.mean / normalization.std;
  for (let i = 0; i < images.length; i++) out[i] = images[i]! * scale - shift;
  return out;
}

/**
 * TensorFlow uses a tensor's memory in place only when it is aligned to 64
 * bytes (EIGEN_MAX_ALIGN_BYTES); otherwise tfjs-node's binding copies it, on
 * first use: for a training split 188 MB more, and on this kind of machine
 * touching fresh memory costs ~3 ms per MB. So a split's pixels live in a
 * buffer with 64 spare bytes and are moved to where TensorFlow takes them.
 */
const TF_ALIGNMENT = 64;
/** Where glibc puts a large (mmap'd) block: 16 bytes into a page, so 48 bytes on is aligned; only a guess, `tensorPixels` checks it. */
const LIKELY_ALIGNED_OFFSET = 48;

/** A split's normalised pixels: `length` floats from byte `offset` of `buffer`, which has room to move them to an alignment. */
export interface PixelBuffer {
  buffer: ArrayBuffer;
  offset: number;
  length: number;
}

/** A split's images normalised into a new pixel buffer. */
export function pixelBuffer(images: Uint8Array, normalization: Hyperparams['normalization']): PixelBuffer {
  const buffer = new ArrayBuffer(images.length * 4 + TF_ALIGNMENT);
  normalizePixels(images, normalization, new Float32Array(buffer, LIKELY_ALIGNED_OFFSET, images.length));
  return { buffer, offset: LIKELY_ALIGNED_OFFSET, length: images.length };
}

/** Whether TensorFlow uses `view`'s memory in place: a tensor over its first floats, written after it is made, is read back. */
function usedInPlace(b: NativeBinding, view: Float32Array): boolean {
  const probe = view.subarray(0, Math.min(view.length, 16));
  const kept = probe[0]!;
  const id = b.createTensor([probe.length], b.TF_FLOAT, probe);
  try {
    probe[0] = kept === 1 ? 2 : 1;
    return b.tensorDataSync(id)[0] === probe[0];
  } finally {
    probe[0] = kept;
    b.deleteTensor(id);
  }
}

/**
 * The pixels as a view TensorFlow uses in place (moved within their buffer
 * if needed). Without the native binding, the view as it is: tfjs copies it.
 */
export function tensorPixels(tf: Tf, pixels: PixelBuffer): Float32Array {
  const view = (offset: number) => new Float32Array(pixels.buffer, offset, pixels.length);
  let binding: NativeBinding;
  try {
    binding = nativeAccess(tf).binding;
  } catch {
    return view(pixels.offset);
  }
  if (pixels.length === 0 || usedInPlace(binding, view(pixels.offset))) return view(pixels.offset);
  for (let offset = 0; offset < TF_ALIGNMENT; offset += 4) {
    if (offset === pixels.offset) continue;
    // Probed where the pixels are not yet: the first 16 floats at `offset` may overlap them, and are restored.
    if (usedInPlace(binding, new Float32Array(pixels.buffer, offset, Math.min(pixels.length, 16)))) {
      new Uint8Array(pixels.buffer).copyWithin(offset, pixels.offset, pixels.offset + pixels.length * 4);
      return view(offset);
    }
  }
  return view(pixels.offset);
}

/** A split's tensors; `pixels`: its images already normalised (read ahead in a worker), else normalised here. */
export function splitTensors(tf: Tf, split: DatasetSplit, normalization: Hyperparams['normalization'], pixels?: PixelBuffer): SplitTensors {
  if (split.images.length !== split.count * PIXELS || split.labels.length !== split.count || (pixels && pixels.length !== split.images.length)) {
    throw new StudioError('INTEGRITY', `a split of ${split.count} images holds ${split.images.length} pixels and ${split.labels.length} labels`);
  }
  const x = tf.tensor4d(tensorPixels(tf, pixels ?? pixelBuffer(split.images, normalization)), [split.count, ...INPUT_SHAPE]);
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

/** The main set's training split followed by the mixed-in set's, as one split (the rows of a mixed batch index it). */
export function joinSplits(a: DatasetSplit, b: DatasetSplit): DatasetSplit {
  const images = new Uint8Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  const labels = new Uint8Array(a.labels.length + b.labels.length);
  labels.set(a.labels);
  labels.set(b.labels, a.labels.length);
  return { count: a.count + b.count, images, labels };
}

/** Refuses a set to mix in that does not fit the run's: another number of classes or another image size. */
export function checkMixFits(dataset: LoadedDataset, mixed: LoadedDataset): void {
  const why =
    mixed.classNames.length !== dataset.classNames.length
      ? `it has ${mixed.classNames.length} classes and ${dataset.name} has ${dataset.classNames.length}`
      : mixed.train.images.length !== mixed.train.count * PIXELS
        ? `its images are not ${Math.sqrt(PIXELS)}×${Math.sqrt(PIXELS)}`
        : mixed.train.count === 0
          ? 'it has no images'
          : null;
  if (why) throw new StudioError('INVALID_ARGUMENT', `data set ${mixed.id} cannot be mixed in: ${why}`, 'hyperparams.mix');
}

/**
 * `ready`: the splits' tensors made earlier for this dataset and normalisation (a warm trainer's); the data then owns them.
 * `mixed`: the set mixed into each batch (`hp.mix`), with the random stream of its hold-out split and sampling.
 */
export function prepareData(
  tf: Tf,
  dataset: LoadedDataset,
  hp: Hyperparams,
  rand: () => number,
  ready?: { train: SplitTensors; test: SplitTensors } | null,
  mixed?: { dataset: LoadedDataset; rand: () => number } | null,
): TrainingData {
  if (dataset.test.count === 0) {
    if (ready) for (const t of [ready.train.x, ready.train.y, ready.test.x, ready.test.y]) t.dispose();
    throw new StudioError('INVALID_ARGUMENT', `dataset ${dataset.id} has no test images`, 'dataset');
  }
  const rows = chooseRows(dataset.train.count, hp, rand);
  const mix = mixed && hp.mix ? mixData(mixed.dataset.train.labels, dataset.train.count, hp.mix, hp.batchSize, mixed.rand, mixed.dataset.id) : null;
  // With a mix the training tensors hold both sets: a warm trainer's are of the main set alone.
  if (mix && ready) {
    ready.train.x.dispose();
    ready.train.y.dispose();
  }
  const train = mix ? splitTensors(tf, joinSplits(dataset.train, mixed!.dataset.train), hp.normalization) : (ready?.train ?? splitTensors(tf, dataset.train, hp.normalization));
  const test = ready?.test ?? splitTensors(tf, dataset.test, hp.normalization);
  return {
    train,
    trainIndices: rows.train,
    validationIndices: rows.validation,
    test,
    mix,
    dispose() {
      for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    },
  };
}
