/**
 * The test set as a map, in a trainer process: the activations of the layer
 * that feeds a model's output layer for the test images, projected to 2-D by
 * PCA (subspace iteration on the covariance, below) or UMAP (umap-js, seeded).
 */
import type { LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs-node';
import { UMAP } from 'umap-js';
import { PIXELS } from '@shared/datasets';
import type { EmbedMethod, Embedding, EmbedPoint } from '@shared/embed';
import type { Hyperparams } from '@shared/hyperparams';
import { INPUT_SHAPE } from '@shared/model-spec';
import { StudioError } from '@shared/result';
import type { Tf } from '../native';
import { normalizePixels } from './data';
import { seededRandom } from './random';

/** Rows per forward pass. */
const CHUNK = 1000;
/** UMAP's input is the activations' first principal components when they have more dimensions than this (the usual practice; nearest neighbours get cheaper). */
const UMAP_INPUT_DIMS = 50;
/** umap-js's defaults are 500 epochs below 10,000 points and 200 above; 200 draws the same clusters for less time. */
export const UMAP_EPOCHS = 200;

/** Rows of features, row-major: `rows × dims`. */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  dims: number;
}

/**
 * The layer whose output the map shows: the input of the model's last layer
 * with weights (the output layer; layers after it, such as a softmax, hold no
 * weights), so a 784-128-64-10 MLP maps its 64 hidden units.
 */
export function penultimateLayer(model: LayersModel): { outputLayerIndex: number; tensor: SymbolicTensor } {
  const layers = model.layers;
  let out = -1;
  for (let i = layers.length - 1; i >= 0; i--) {
    if (layers[i]!.countParams() > 0) {
      out = i;
      break;
    }
  }
  if (out < 0) throw new StudioError('INVALID_ARGUMENT', 'the model has no layer with weights: there is no hidden representation to map', 'id');
  let input: SymbolicTensor | SymbolicTensor[];
  try {
    input = layers[out]!.input;
  } catch {
    throw new StudioError('INVALID_ARGUMENT', `layer ${layers[out]!.name} is used more than once: its input is not one tensor`, 'id');
  }
  if (Array.isArray(input)) throw new StudioError('INVALID_ARGUMENT', `layer ${layers[out]!.name} takes ${input.length} inputs: there is no one representation to map`, 'id');
  return { outputLayerIndex: out, tensor: input };
}

/** Penultimate activations (flattened) and the predicted class of each image. */
export function activations(
  tf: Tf,
  model: LayersModel,
  images: Uint8Array,
  count: number,
  normalization: Hyperparams['normalization'],
): { features: FeatureMatrix; predicted: Int32Array; layer: { index: number; name: string } } {
  const { tensor } = penultimateLayer(model);
  // The layer feeding the output layer is the one before it in a Sequential model; in a functional one it is named by the tensor.
  const source = tensor.sourceLayer;
  const index = Math.max(0, model.layers.indexOf(source));
  const both = tf.model({ inputs: model.inputs, outputs: [tensor, model.outputs[0]!] });
  const dims = tensor.shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  const data = new Float32Array(count * dims);
  const predicted = new Int32Array(count);
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    const [feat, pred] = tf.tidy((): [Tensor, Tensor] => {
      const x = tf.tensor4d(normalizePixels(images.subarray(start * PIXELS, (start + n) * PIXELS), normalization), [n, ...INPUT_SHAPE]);
      const [h, logits] = both.apply(x, { training: false }) as Tensor[];
      return [h!.reshape([n, dims]), tf.argMax(logits!.reshape([n, -1]), 1)];
    });
    data.set(feat.dataSync(), start * dims);
    predicted.set(pred.dataSync(), start);
    feat.dispose();
    pred.dispose();
  }
  return { features: { data, rows: count, dims }, predicted, layer: { index, name: source.name } };
}

/** Column means and the covariance matrix (dims × dims, float64) of centred rows, computed with TensorFlow's matMul. */
function covariance(tf: Tf, m: FeatureMatrix): { mean: Float64Array; cov: Float64Array } {
  const [meanT, covT] = tf.tidy((): [Tensor, Tensor] => {
    const x = tf.tensor2d(m.data, [m.rows, m.dims]);
    const mean = tf.mean(x, 0);
    const c = tf.sub(x, mean);
    return [mean, tf.div(tf.matMul(c, c, true, false), Math.max(1, m.rows - 1))];
  });
  const mean = Float64Array.from(meanT.dataSync());
  const cov = Float64Array.from(covT.dataSync());
  meanT.dispose();
  covT.dispose();
  return { mean, cov };
}

/**
 * The top `k` eigenvectors of a symmetric positive semi-definite matrix by
 * subspace (block power) iteration with Gram–Schmidt, from a fixed start, so
 * the answer is the same every time; each vector's sign makes its largest
 * entry positive. Returns the vectors (k × n, row-major) and eigenvalues.
 */
export function topEigenvectors(a: Float64Array, n: number, k: number, iterations = 300, tolerance = 1e-10): { vectors: Float64Array; values: Float64Array } {
  k = Math.min(k, n);
  let q = new Float64Array(k * n);
  // A fixed, full-rank start: not aligned with any axis.
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) q[j * n + i] = Math.sin(1 + i * 0.7 + j * 1.3 + i * j * 0.11);
  orthonormalize(q, n, k);
  const z = new Float64Array(k * n);
  for (let it = 0; it < iterations; it++) {
    z.fill(0);
    for (let j = 0; j < k; j++) {
      const qj = j * n;
      for (let r = 0; r < n; r++) {
        let s = 0;
        const ar = r * n;
        for (let c = 0; c < n; c++) s += a[ar + c]! * q[qj + c]!;
        z[qj + r] = s;
      }
    }
    orthonormalize(z, n, k);
    let change = 0;
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += z[j * n + i]! * q[j * n + i]!;
      change = Math.max(change, 1 - Math.abs(dot));
    }
    q = Float64Array.from(z);
    if (change < tolerance) break;
  }
  const values = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(q[j * n + i]!) > Math.abs(big)) big = q[j * n + i]!;
    if (big < 0) for (let i = 0; i < n; i++) q[j * n + i] = -q[j * n + i]!;
    let v = 0;
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += a[r * n + c]! * q[j * n + c]!;
      v += q[j * n + r]! * s;
    }
    values[j] = v;
  }
  return { vectors: q, values };
}

/** Modified Gram–Schmidt on k row vectors of length n, in place (a vector that vanishes becomes a unit axis). */
function orthonormalize(v: Float64Array, n: number, k: number): void {
  for (let j = 0; j < k; j++) {
    const vj = j * n;
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[vj + i]! * v[p * n + i]!;
      for (let i = 0; i < n; i++) v[vj + i]! -= dot * v[p * n + i]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[vj + i]! ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-300) {
      v.fill(0, vj, vj + n);
      v[vj + (j % n)] = 1;
    } else for (let i = 0; i < n; i++) v[vj + i]! /= norm;
  }
}

/** Rows projected on their top `k` principal components, and the share of the variance each holds. */
export function pca(tf: Tf, m: FeatureMatrix, k: number): { projected: Float64Array; explained: number[] } {
  const { mean, cov } = covariance(tf, m);
  const n = m.dims;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += cov[i * n + i]!;
  const { vectors, values } = topEigenvectors(cov, n, k);
  const kk = values.length;
  const projected = new Float64Array(m.rows * kk);
  for (let r = 0; r < m.rows; r++) {
    const row = r * n;
    for (let j = 0; j < kk; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (m.data[row + i]! - mean[i]!) * vectors[j * n + i]!;
      projected[r * kk + j] = s;
    }
  }
  return { projected, explained: Array.from(values, (v) => (trace > 0 ? v / trace : 0)) };
}

/** UMAP to 2-D, seeded: the same rows and seed give the same map. */
export function umap2d(tf: Tf, m: FeatureMatrix, seed: number, epochs = UMAP_EPOCHS): Float64Array {
  let rows: number[][];
  if (m.dims > UMAP_INPUT_DIMS) {
    const { projected } = pca(tf, m, UMAP_INPUT_DIMS);
    rows = Array.from({ length: m.rows }, (_, r) => Array.from(projected.subarray(r * UMAP_INPUT_DIMS, (r + 1) * UMAP_INPUT_DIMS)));
  } else {
    rows = Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.dims, (r + 1) * m.dims)));
  }
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, m.rows - 1), minDist: 0.1, nEpochs: epochs, random: seededRandom(seed) });
  const out = umap.fit(rows);
  const flat = new Float64Array(m.rows * 2);
  out.forEach((p, r) => {
    flat[r * 2] = p[0]!;
    flat[r * 2 + 1] = p[1]!;
  });
  return flat;
}

export interface EmbedRequest {
  modelId: string;
  model: LayersModel;
  normalization: Hyperparams['normalization'];
  dataset: { id: string; name: string; classNames: readonly string[] };
  test: { images: Uint8Array; labels: Uint8Array; count: number };
  method: EmbedMethod;
  limit: number | undefined;
  seed: number;
}

const round = (v: number) => Math.round(v * 1e5) / 1e5;

/** The map of a test split for a model in memory. */
export function embedWith(tf: Tf, request: EmbedRequest): Embedding {
  const count = Math.min(request.test.count, request.limit ?? request.test.count);
  if (count < 3) throw new StudioError('INVALID_ARGUMENT', `the test split of ${request.dataset.id} holds ${request.test.count} images; a map needs at least 3`, 'dataset');
  const t0 = performance.now();
  const { features, predicted, layer } = activations(tf, request.model, request.test.images, count, request.normalization);
  const t1 = performance.now();
  let xy: Float64Array;
  let explained: [number, number] | null = null;
  if (request.method === 'pca') {
    const result = pca(tf, features, 2);
    xy = result.projected;
    if (features.dims < 2) {
      // One unit: the second axis is zero.
      xy = Float64Array.from({ length: count * 2 }, (_, i) => (i % 2 === 0 ? result.projected[i / 2]! : 0));
      explained = [result.explained[0] ?? 0, 0];
    } else explained = [result.explained[0]!, result.explained[1]!];
  } else {
    xy = umap2d(tf, features, request.seed);
  }
  const t2 = performance.now();
  const points: EmbedPoint[] = [];
  let right = 0;
  for (let i = 0; i < count; i++) {
    const label = request.test.labels[i]!;
    const p = predicted[i]!;
    if (p === label) right++;
    points.push({ index: i, x: round(xy[i * 2]!), y: round(xy[i * 2 + 1]!), label, predicted: p, misclassified: p !== label });
  }
  return {
    modelId: request.modelId,
    dataset: { id: request.dataset.id, name: request.dataset.name },
    classNames: [...request.dataset.classNames],
    method: request.method,
    layer: { ...layer, units: features.dims },
    explainedVariance: explained,
    seed: request.method === 'umap' ? request.seed : null,
    accuracy: right / count,
    points,
    timing: { activations: (t1 - t0) / 1000, projection: (t2 - t1) / 1000 },
  };
}
