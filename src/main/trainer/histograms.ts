/**
 * Training over time, recorded in the trainer: after each epoch (and once
 * before the first) every weight tensor's histogram and that of its
 * gradient on a fixed batch of training rows (one forward and backward
 * pass), counted in 30 bins, and written atomically to the run folder's
 * histograms.json.
 *
 * Cost: on the native path the gradients come from the path's own forward
 * and backward ops (`TrainingPath.gradients`, ~30 ops); tfjs's autograd on
 * the layers model, which the layers path uses, took 12–18 ms an epoch for
 * the seed MLP and 30–130 ms for the CNN there, 7 % of a native epoch.
 */
import path from 'node:path';
import type { LayersModel, Scalar, Tensor, Variable } from '@tensorflow/tfjs-node';
import { HISTOGRAM_BINS, HISTOGRAM_GRADIENT_ROWS, HISTOGRAMS_FILE, type Histogram, type HistogramSeries, type RunHistograms } from '@shared/histograms';
import { writeFileAtomic } from '../fs-atomic';
import type { Tf } from '../native';
import type { SplitTensors } from './data';
import type { Forward, LossFn } from './model';

/** A histogram of values: `bins` equal-width bins from their min to their max (all in the first when they are equal). */
export function valuesHistogram(values: ArrayLike<number>, bins = HISTOGRAM_BINS): Histogram {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) min = max = 0;
  const counts = new Array<number>(bins).fill(0);
  const scale = max > min ? bins / (max - min) : 0;
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor((values[i]! - min) * scale))]!++;
  return { min, max, counts };
}

/**
 * A tensor's histogram. Read back and counted here: one sync and a loop over
 * the values (~0.2 ms for the seed MLP's 100,352-value kernel) beat the dozen
 * TensorFlow ops per tensor of an on-device count (~45 µs of dispatch each).
 */
export function tensorHistogram(t: Tensor, bins = HISTOGRAM_BINS): Histogram {
  return valuesHistogram(t.dataSync(), bins);
}

export interface HistogramRecorder {
  /** Records the model's weights and gradients as they are now, as `epoch` (at once), and rewrites the file (in order, in the background). */
  record(epoch: number): void;
  /** Resolves when every file write is done; rejects with the first that failed. */
  flush(): Promise<void>;
  readonly data: RunHistograms;
}

/**
 * A recorder for `model`: its series are its weight tensors, layer by
 * layer; gradients are those of the mean loss on the first
 * HISTOGRAM_GRADIENT_ROWS training rows `rows`, with the inference forward
 * (no dropout), so epoch after epoch they are measured alike.
 */
export function histogramRecorder(
  tf: Tf,
  o: {
    model: LayersModel;
    forward: Forward;
    loss: LossFn;
    train: SplitTensors;
    rows: Int32Array;
    runDir: string;
    /** The training path's own gradients on those rows, per weight of `model.getWeights()` (TrainingPath.gradients), when it has them. */
    gradients?: (rows: Int32Array) => (Float32Array | null)[];
  },
): HistogramRecorder {
  const series: HistogramSeries[] = [];
  const weights: { value: () => Tensor; variable: Variable | null; position: number }[] = [];
  // Where each weight is in model.getWeights() (trainable ones first there, layer by layer in the series).
  const positions = new Map(o.model.weights.map((w, i) => [w.name, i]));
  o.model.layers.forEach((layer, layerIndex) => {
    const trainable = new Set(layer.trainableWeights.map((w) => w.name));
    for (const w of layer.weights) {
      series.push({ name: `${layer.name}/${w.originalName.split('/').at(-1) ?? w.name}`, layerIndex, shape: [...w.shape] as number[] });
      weights.push({ value: () => w.read(), variable: trainable.has(w.name) ? (w.read() as Variable) : null, position: positions.get(w.name) ?? -1 });
    }
  });
  const gradientRows = o.rows.subarray(0, Math.min(HISTOGRAM_GRADIENT_ROWS, o.rows.length));
  const data: RunHistograms = { formatVersion: 1, bins: HISTOGRAM_BINS, gradientRows: gradientRows.length, series, epochs: [] };
  const file = path.join(o.runDir, HISTOGRAMS_FILE);
  let writes: Promise<void> = Promise.resolve();
  return {
    data,
    flush: () => writes,
    record(epoch) {
      const started = performance.now();
      const weightHistograms = weights.map((w) => tensorHistogram(w.value()));
      const variables = weights.flatMap((w) => (w.variable ? [w.variable] : []));
      let gradientHistograms: (Histogram | null)[] = weights.map(() => null);
      if (o.gradients && variables.length > 0 && gradientRows.length > 0) {
        const grads = o.gradients(gradientRows);
        gradientHistograms = weights.map((w) => {
          const g = w.variable ? grads[w.position] : null;
          return g ? valuesHistogram(g) : null;
        });
      } else if (variables.length > 0 && gradientRows.length > 0) {
        const { grads, value } = tf.tidy(() => {
          const index = tf.tensor1d(gradientRows, 'int32');
          const x = tf.gather(o.train.x, index);
          const y = tf.gather(o.train.y, index);
          return tf.variableGrads(() => o.loss(y, o.forward(x)) as Scalar, variables);
        });
        value.dispose();
        gradientHistograms = weights.map((w) => (w.variable && grads[w.variable.name] ? tensorHistogram(grads[w.variable.name]!) : null));
        for (const g of Object.values(grads)) g.dispose();
      }
      data.epochs.push({ epoch, weights: weightHistograms, gradients: gradientHistograms, costMs: performance.now() - started });
      // The file as it is now: later epochs add to `data` before an earlier write runs.
      const text = JSON.stringify(data);
      writes = writes.then(() => writeFileAtomic(file, `${text}\n`));
    },
  };
}
