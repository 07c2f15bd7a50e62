/**
 * What every layer module of the registry shares: the settings' limits, the
 * shape check's problems, and the shape of a layer module itself (see
 * index.ts). Pure: the renderer runs the same check while the user edits.
 */
import { z } from 'zod';
import { IMAGE_SIZE } from '../datasets';

export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'linear'] as const;
export const Activation = z.enum(ACTIVATIONS, { error: `activation must be one of ${ACTIVATIONS.join(', ')}` });
export type Activation = z.infer<typeof Activation>;

/** Ranges a layer's settings must fall in; wide enough for any sensible MNIST network, narrow enough to catch typos. */
export const LAYER_LIMITS = {
  units: { min: 1, max: 4096 },
  filters: { min: 1, max: 512 },
  kernelSize: { min: 1, max: IMAGE_SIZE },
  strides: { min: 1, max: IMAGE_SIZE },
  poolSize: { min: 1, max: IMAGE_SIZE },
  layers: { min: 1, max: 32 },
  /** Larger models would not fit a training batch in memory on the machines this runs on. */
  params: { max: 50_000_000 },
} as const;

/** A whole number in [min, max], with one message for every way it can be wrong. */
export function wholeNumber(min: number, max: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

export const limited = (key: keyof Omit<typeof LAYER_LIMITS, 'params' | 'layers'>) => wholeNumber(LAYER_LIMITS[key].min, LAYER_LIMITS[key].max);

/** A fraction in [0, 1) (a drop rate, a moving average's momentum). */
export function fraction() {
  const error = 'must be a number from 0 to below 1';
  return z.number({ error }).min(0, { error }).lt(1, { error });
}

/** The layer types that need an image-shaped input (height, width, channels). */
export type ImageLayerType = 'conv2d' | 'maxPooling2d' | 'averagePooling2d' | 'globalAveragePooling2d';

/**
 * What the shape check found wrong, as a code with its numbers, so a UI can
 * say it in the user's language and point at the field at fault (`field`:
 * the layer setting to change, absent when the layer's place or type is at
 * fault). `problemMessage` gives the English sentence.
 */
export type LayerProblem =
  /** A dense layer after an image-shaped output: a flatten layer is missing. */
  | { code: 'needs-flat-input'; input: number[] }
  /** A convolution or pooling layer after a flat output. */
  | { code: 'needs-image-input'; input: number[]; layer: ImageLayerType }
  | { code: 'kernel-too-large'; field: 'kernelSize'; size: number; height: number; width: number }
  | { code: 'pool-too-large'; field: 'poolSize'; size: number; height: number; width: number }
  | { code: 'already-flat' }
  /** The last layer does not give the class scores; `field` is set when the last layer is a dense one (its units). */
  | { code: 'wrong-output'; output: number[]; classes: number; field?: 'units' }
  | { code: 'too-many-params'; params: number; max: number };

/** Output size along one axis of a window sliding with `stride` (TF's rule for "valid" and "same"). */
export function spatial(size: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

/** A layer setting the editor shows as a field. */
export type LayerField = 'units' | 'filters' | 'kernelSize' | 'strides' | 'padding' | 'activation' | 'poolSize' | 'rate' | 'momentum';

/** One weight tensor a layer holds, in TF.js's order and naming (the last part of its name, e.g. `kernel`, `moving_mean`). */
export interface WeightDecl {
  name: string;
  shape: number[];
  /** False for state the training updates by a rule of its own (a batch norm's moving statistics), not by gradients. */
  trainable: boolean;
}

/**
 * One layer type, its pure part: the schema of its settings, the editor's
 * fields, its shape rule and the weights it holds (its parameter count is
 * their size). The TF part (tfjs-layers construction, native forward and
 * backward, ONNX) is its twin in src/main/trainer/layers/.
 */
export interface LayerDef<S extends { type: string }> {
  readonly type: S['type'];
  readonly schema: z.ZodType<S>;
  /** Settings shown in the editor, in order. */
  readonly fields: readonly LayerField[];
  /** Fields that may be left empty: the schema fills in its default. */
  readonly optional: readonly LayerField[];
  /** The diagram's colour for it (a CSS variable of the theme). */
  readonly color: string;
  /** Its output shape for an input shape (without the batch), or what is wrong. */
  output(layer: S, input: number[]): number[] | LayerProblem;
  /** The layer on a few words, for lists (`conv 6×5² same relu`). */
  summary(layer: S): string;
  /** The weights it holds for an input shape (empty for none). */
  weights(layer: S, input: number[]): WeightDecl[];
}

/** A pooling window's output ([h, w, c] → [oh, ow, c]), shared by max and average pooling. */
export function poolOutput(layer: { type: ImageLayerType; poolSize: number; strides?: number | undefined }, input: number[]): number[] | LayerProblem {
  if (input.length !== 3) return { code: 'needs-image-input', input, layer: layer.type };
  const [h, w, c] = input as [number, number, number];
  const stride = layer.strides ?? layer.poolSize;
  const oh = spatial(h, layer.poolSize, stride, 'valid');
  const ow = spatial(w, layer.poolSize, stride, 'valid');
  if (oh < 1 || ow < 1) return { code: 'pool-too-large', field: 'poolSize', size: layer.poolSize, height: h, width: w };
  return [oh, ow, c];
}
