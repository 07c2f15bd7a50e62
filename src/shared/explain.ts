/**
 * Looking inside a model: what each layer makes of one image, what the
 * answer rests on (saliency), and what the first layer learned. Plain data
 * (numbers and typed arrays) computed in a worker process.
 */
import type { Prediction } from './models';

/** At most this many feature maps of one layer are sent (the rest are counted). */
export const MAX_MAPS = 64;
/** At most this many unit activations of one layer are sent (a flatten of a 28×28 is 784). */
export const MAX_UNITS = 1024;
/** Integrated gradients: the default and largest number of steps on the path from the baseline. */
export const IG_STEPS = 32;
export const MAX_IG_STEPS = 256;
/** First-layer images: the default and largest number of units or filters sent. */
export const FIRST_LAYER_UNITS = 64;
export const MAX_FIRST_LAYER_UNITS = 256;

interface LayerOutputBase {
  /** Position in the model's layers (0 = the first layer after the input). */
  index: number;
  name: string;
  /** The tfjs class name: Conv2D, MaxPooling2D, Flatten, Dense, … */
  type: string;
  /** The output's shape for one image (no batch axis). */
  shape: number[];
  /** Smallest and largest value of the whole output (what 0 and 255 of the maps stand for). */
  min: number;
  max: number;
}

/** An image-shaped output (h × w × c): one small grayscale image per channel. */
export interface MapsOutput extends LayerOutputBase {
  kind: 'maps';
  width: number;
  height: number;
  /** Channels in the output. */
  channels: number;
  /** Channels sent (the first `shown`, at most MAX_MAPS). */
  shown: number;
  /** `shown` images of height × width bytes, one after another; 0 = `min`, 255 = `max` of the layer. */
  pixels: Uint8Array;
}

/** A flat output: one number per unit (logits for the last layer). */
export interface UnitsOutput extends LayerOutputBase {
  kind: 'units';
  /** Units in the output. */
  units: number;
  /** The first min(units, MAX_UNITS) activations. */
  values: Float32Array;
}

export type LayerOutput = MapsOutput | UnitsOutput;

/** Saliency of one class's score (its logit) over the 28×28 input, signed: > 0 raises the score. */
export interface Saliency {
  classIndex: number;
  /** d score / d pixel at the image (the plain gradient, in pixel units 0–255 → 0–1). */
  gradient: Float32Array;
  /**
   * Integrated gradients from a black image: (x − baseline) × the mean
   * gradient along the straight path. Zero where the image is black; sums
   * to about score(image) − score(black).
   */
  integrated: Float32Array;
  steps: number;
  /** Completeness: the attributions' sum and the score difference they should add up to. */
  integratedSum: number;
  scoreDelta: number;
}

/** One image through a model: the prediction, each layer's output in order, and a saliency map. */
export interface Explanation {
  prediction: Prediction;
  layers: LayerOutput[];
  saliency: Saliency;
  /** Time in the worker, ms. */
  elapsedMs: number;
}

/** What the first layer that sees the image learned, as images: one per unit or filter. */
export interface FirstLayer {
  /** `dense`: a dense layer's weights from the 28×28 pixels, one 28×28 image per unit; `conv`: one k×k image per filter. */
  kind: 'dense' | 'conv';
  index: number;
  name: string;
  /** Units or filters in the layer. */
  total: number;
  /** Images sent (the first `shown`). */
  shown: number;
  width: number;
  height: number;
  /** `shown` images of height × width bytes; 128 = weight 0, 255 = +scale, 0 = −scale of that image. */
  pixels: Uint8Array;
  /** Per image: the largest |weight| (what 0 and 255 stand for). */
  scale: Float32Array;
}

/** An RGBA image (4 bytes a pixel, row-major), as a canvas's ImageData or a PNG holds it. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** `count` gray images of w × h laid out in rows of `cols`, `gap` pixels apart (the gaps take `background`). */
export function tileGray(images: Uint8Array, count: number, w: number, h: number, cols: number, gap = 1, background = 0): RgbaImage {
  const columns = Math.max(1, Math.min(cols, count));
  const rows = Math.max(1, Math.ceil(count / columns));
  const width = columns * w + (columns - 1) * gap;
  const height = rows * h + (rows - 1) * gap;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([background, background, background, 255], i * 4);
  for (let n = 0; n < count; n++) {
    const ox = (n % columns) * (w + gap);
    const oy = Math.floor(n / columns) * (h + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = images[n * w * h + y * w + x]!;
        data.set([v, v, v, 255], ((oy + y) * width + ox + x) * 4);
      }
    }
  }
  return { width, height, data };
}

/** The value below which 99 % of |values| lie: saliency is shown against it, so one extreme pixel does not wash out the rest. */
export function robustMax(values: ArrayLike<number>): number {
  const abs = Array.from(values, (v) => Math.abs(v)).sort((a, b) => a - b);
  const m = abs[Math.min(abs.length - 1, Math.floor(abs.length * 0.99))] ?? 0;
  return m > 0 ? m : (abs[abs.length - 1] ?? 0);
}

/**
 * Saliency over the digit: the digit as dim gray, and over it red where a
 * pixel raises the class's score and blue where it lowers it, the stronger
 * the more opaque.
 */
export function saliencyOverlay(input: Uint8Array, values: ArrayLike<number>, size: number): RgbaImage {
  const max = robustMax(values);
  const data = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    const gray = Math.round(input[p]! * 0.45);
    const v = max > 0 ? Math.max(-1, Math.min(1, values[p]! / max)) : 0;
    const a = Math.abs(v);
    const [r, g, b] = v >= 0 ? [255, 60, 40] : [40, 120, 255];
    data.set([gray + (r - gray) * a, gray + (g - gray) * a, gray + (b - gray) * a, 255], p * 4);
  }
  return { width: size, height: size, data };
}

/** First-layer images (bytes around 128, see FirstLayer.pixels) in colour: black for a zero weight, orange for positive, blue for negative. */
export function signedTile(images: Uint8Array, count: number, w: number, h: number, cols: number, gap = 1): RgbaImage {
  const gray = tileGray(images, count, w, h, cols, gap, 128);
  const { data, width } = gray;
  for (let i = 0; i < data.length; i += 4) {
    const x = (i / 4) % width;
    const y = Math.floor(i / 4 / width);
    // The gaps between images: a mid gray, so black (zero) weights at an edge do not run into the next image.
    if (x % (w + gap) >= w || y % (h + gap) >= h) {
      data.set([110, 110, 110, 255], i);
      continue;
    }
    const v = (data[i]! - 128) / 127;
    const a = Math.min(1, Math.abs(v));
    data.set(v >= 0 ? [255 * a, 150 * a, 30 * a, 255] : [40 * a, 120 * a, 255 * a, 255], i);
  }
  return gray;
}

/** An image `factor` times larger, each pixel a block (no smoothing: the pixels are the data). */
export function enlarge(img: RgbaImage, factor: number): RgbaImage {
  const width = img.width * factor;
  const height = img.height * factor;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (Math.floor(y / factor) * img.width + Math.floor(x / factor)) * 4;
      data.set(img.data.subarray(s, s + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/** Unit activations as bytes: 0 = `min`, 255 = `max`. */
export function unitBytes(values: ArrayLike<number>, min: number, max: number): Uint8Array {
  const range = max - min;
  return Uint8Array.from(values, (v) => (range > 0 ? Math.round(((v - min) / range) * 255) : 0));
}
