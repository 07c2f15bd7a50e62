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
