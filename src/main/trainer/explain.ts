/**
 * Looking inside a model, in a trainer process: every layer's output for one
 * image, saliency (plain gradient and integrated gradients) of a class's
 * score, and the first layer's weights as images. Answers are plain data.
 */
import type { LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs-node';
import { FIRST_LAYER_UNITS, MAX_MAPS, MAX_UNITS, type Explanation, type FirstLayer, type LayerOutput, type Saliency } from '@shared/explain';
import { IMAGE_SIZE } from '@shared/datasets';
import { StudioError } from '@shared/result';
import type { Tf } from '../native';
import type { ModelMetadata, Prediction } from '@shared/models';
import { normalizePixels } from './data';

const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** What an explanation is asked besides the image: the class (null: the predicted one) and integrated-gradient steps. */
export interface ExplainOptions {
  classIndex: number | null;
  steps: number;
}

/** A model in memory and how its inputs are scaled (a library model or a run's). */
export interface ExplainedModel {
  model: LayersModel;
  normalization: ModelMetadata['normalization'];
}

/** Per model: a model answering every layer's output at once (the same layers and weights). */
const probes = new WeakMap<LayersModel, { probe: LayersModel; layers: { index: number; name: string; type: string }[] } | null>();

function probeOf(tf: Tf, model: LayersModel) {
  if (probes.has(model)) return probes.get(model)!;
  const layers: { index: number; name: string; type: string }[] = [];
  const outputs: SymbolicTensor[] = [];
  model.layers.forEach((layer, index) => {
    if (layer.getClassName() === 'InputLayer') return;
    let out: SymbolicTensor | SymbolicTensor[];
    try {
      out = layer.output;
    } catch {
      return; // a layer used more than once has no single output
    }
    if (Array.isArray(out)) return;
    layers.push({ index, name: layer.name, type: layer.getClassName() });
    outputs.push(out);
  });
  let entry: { probe: LayersModel; layers: typeof layers } | null = null;
  if (outputs.length > 0) {
    try {
      entry = { probe: tf.model({ inputs: model.inputs, outputs }), layers };
    } catch {
      entry = null;
    }
  }
  probes.set(model, entry);
  return entry;
}

function minMax(values: Float32Array | Int32Array | Uint8Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length ? { min, max } : { min: 0, max: 0 };
}

/** One layer's output for one image as plain data: feature maps as bytes, units as numbers. */
function layerOutput(info: { index: number; name: string; type: string }, shape: number[], data: Float32Array): LayerOutput {
  const { min, max } = minMax(data);
  const base = { ...info, shape, min: Number.isFinite(min) ? min : 0, max: Number.isFinite(max) ? max : 0 };
  if (shape.length === 3) {
    const [height, width, channels] = shape as [number, number, number];
    const shown = Math.min(channels, MAX_MAPS);
    const pixels = new Uint8Array(shown * height * width);
    const range = base.max - base.min;
    for (let c = 0; c < shown; c++) {
      for (let p = 0; p < height * width; p++) {
        const v = data[p * channels + c]!;
        pixels[c * height * width + p] = range > 0 ? Math.round(((v - base.min) / range) * 255) : 0;
      }
    }
    return { ...base, kind: 'maps', width, height, channels, shown, pixels };
  }
  return { ...base, kind: 'units', units: data.length, values: data.slice(0, MAX_UNITS) };
}

/** Every layer's output for a [1, 28, 28, 1] input, in the model's order. */
function layerOutputs(tf: Tf, model: LayersModel, x: Tensor): LayerOutput[] {
  const entry = probeOf(tf, model);
  if (!entry) return [];
  const outs = tf.tidy(() => {
    const o = entry.probe.predict(x);
    return Array.isArray(o) ? o : [o];
  });
  try {
    return outs.map((t, i) => layerOutput(entry.layers[i]!, t.shape.slice(1), t.dataSync() as Float32Array));
  } finally {
    outs.forEach((t) => t.dispose());
  }
}

/** Saliency of class `c`'s logit at normalised input `x` ([1, 28, 28, 1]); `black` is the normalised value of a black pixel. */
export function saliencyOf(tf: Tf, model: LayersModel, x: Tensor, c: number, steps: number, black: number, pixelScale: number): Saliency {
  const score = (input: Tensor): Tensor => (model.apply(input, { training: false }) as Tensor).gather([c], 1).sum();
  const grad = tf.grad(score);
  return tf.tidy(() => {
    // Gradients are per normalised unit; × pixelScale gives them per pixel brightness 0–1.
    const gradient = grad(x).mul(pixelScale).dataSync() as Float32Array;
    const baseline = tf.fill(x.shape, black);
    const diff = x.sub(baseline);
    // Midpoint rule on the straight path from the baseline, all steps in one batch.
    const alphas = tf.tensor1d(Array.from({ length: steps }, (_, k) => (k + 0.5) / steps)).reshape([steps, 1, 1, 1]);
    const path = baseline.add(alphas.mul(diff));
    const meanGrad = grad(path).mean(0, true);
    const integrated = diff.mul(meanGrad).dataSync() as Float32Array;
    const logits = model.apply(tf.concat([x, baseline]), { training: false }) as Tensor;
    const [atImage, atBlack] = logits.gather([c], 1).dataSync();
    let sum = 0;
    for (const v of integrated) sum += v;
    return { classIndex: c, gradient: Float32Array.from(gradient), integrated: Float32Array.from(integrated), steps, integratedSum: sum, scoreDelta: atImage! - atBlack! };
  });
}

/** Every layer's output and a saliency map for the image a prediction saw (`start`: when the work began, for `elapsedMs`). */
export function explainWith(tf: Tf, scoring: ExplainedModel, prediction: Prediction, request: ExplainOptions, start: number): Explanation {
  const classes = prediction.probabilities.length;
  const c = request.classIndex ?? prediction.predicted;
  if (!Number.isInteger(c) || c < 0 || c >= classes) throw new StudioError('INVALID_ARGUMENT', `class: must be 0 to ${classes - 1}, not ${c}`, 'class');
  const { model, normalization } = scoring;
  const x = tf.tensor4d(normalizePixels(prediction.input, normalization), [1, IMAGE_SIZE, IMAGE_SIZE, 1]);
  try {
    const layers = layerOutputs(tf, model, x);
    const black = normalizePixels(new Uint8Array(1), normalization)[0]!;
    const saliency = saliencyOf(tf, model, x, c, request.steps, black, 1 / normalization.std);
    return { prediction, layers, saliency, elapsedMs: performance.now() - start };
  } finally {
    x.dispose();
  }
}

/** Weights as bytes around 128, each image scaled by its own largest |weight|. */
function signedImages(weights: Float32Array, count: number, size: number, at: (image: number, p: number) => number): { pixels: Uint8Array; scale: Float32Array } {
  const pixels = new Uint8Array(count * size);
  const scale = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let m = 0;
    for (let p = 0; p < size; p++) m = Math.max(m, Math.abs(weights[at(i, p)]!));
    scale[i] = m;
    for (let p = 0; p < size; p++) pixels[i * size + p] = m > 0 ? Math.max(0, Math.min(255, Math.round(128 + (weights[at(i, p)]! / m) * 127))) : 128;
  }
  return { pixels, scale };
}

/**
 * The first layer with weights that sees the pixels: a convolution's filters
 * (its input's channels averaged) or a dense layer's weights from the 784
 * pixels as 28×28 images. Null when the network starts otherwise.
 */
export function firstLayerOf(model: LayersModel, limit: number = FIRST_LAYER_UNITS): FirstLayer | null {
  for (const [index, layer] of model.layers.entries()) {
    const type = layer.getClassName();
    if (type === 'InputLayer' || type === 'Flatten' || type === 'Dropout' || type === 'Reshape') continue;
    const kernel = layer.getWeights()[0];
    if (!kernel) return null; // pooling, batch norm … before any weights: the first weights do not see pixels
    if (type === 'Conv2D' && kernel.shape.length === 4) {
      const [kh, kw, inC, outC] = kernel.shape as [number, number, number, number];
      const data = kernel.dataSync() as Float32Array;
      // One channel in for MNIST; more are averaged into one image.
      const merged = new Float32Array(kh * kw * outC);
      for (let p = 0; p < kh * kw; p++) for (let o = 0; o < outC; o++) for (let i = 0; i < inC; i++) merged[p * outC + o]! += data[(p * inC + i) * outC + o]! / inC;
      const shown = Math.min(outC, limit);
      const { pixels, scale } = signedImages(merged, shown, kh * kw, (img, p) => p * outC + img);
      return { kind: 'conv', index, name: layer.name, total: outC, shown, width: kw, height: kh, pixels, scale };
    }
    if (type === 'Dense' && kernel.shape.length === 2 && kernel.shape[0] === PIXELS) {
      const units = kernel.shape[1];
      const data = kernel.dataSync() as Float32Array;
      const shown = Math.min(units, limit);
      const { pixels, scale } = signedImages(data, shown, PIXELS, (img, p) => p * units + img);
      return { kind: 'dense', index, name: layer.name, total: units, shown, width: IMAGE_SIZE, height: IMAGE_SIZE, pixels, scale };
    }
    return null;
  }
  return null;
}
