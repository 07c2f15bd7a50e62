/**
 * What network to train: an ordered list of layers on a 28×28×1 image,
 * ending in the 10 class scores (logits). Presets, the schema a spec file
 * or the UI's builder must pass, and the shape check that gives every
 * layer's output shape and parameter count (or what is wrong with it).
 * Pure: the renderer runs the same check while the user edits.
 */
import { z } from 'zod';
import { IMAGE_SIZE, NUM_CLASSES } from './datasets';

export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'linear'] as const;
export const Activation = z.enum(ACTIVATIONS, { error: `activation must be one of ${ACTIVATIONS.join(', ')}` });
export type Activation = z.infer<typeof Activation>;

export const LAYER_TYPES = ['dense', 'conv2d', 'maxPooling2d', 'flatten', 'dropout'] as const;
export type LayerType = (typeof LAYER_TYPES)[number];

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

const limited = (key: keyof Omit<typeof LAYER_LIMITS, 'params' | 'layers'>) => wholeNumber(LAYER_LIMITS[key].min, LAYER_LIMITS[key].max);

const DenseLayer = z.object({ type: z.literal('dense'), units: limited('units'), activation: Activation.default('linear') }).strict();
const Conv2dLayer = z
  .object({
    type: z.literal('conv2d'),
    filters: limited('filters'),
    kernelSize: limited('kernelSize'),
    strides: limited('strides').default(1),
    padding: z.enum(['valid', 'same'], { error: 'padding must be valid or same' }).default('valid'),
    activation: Activation.default('linear'),
  })
  .strict();
const MaxPooling2dLayer = z
  .object({ type: z.literal('maxPooling2d'), poolSize: limited('poolSize').default(2), strides: limited('strides').optional() })
  .strict();
const FlattenLayer = z.object({ type: z.literal('flatten') }).strict();
const DropoutLayer = z
  .object({ type: z.literal('dropout'), rate: z.number({ error: 'must be a number from 0 to below 1' }).min(0, { error: 'must be a number from 0 to below 1' }).lt(1, { error: 'must be a number from 0 to below 1' }) })
  .strict();

export const LayerSpec = z.discriminatedUnion('type', [DenseLayer, Conv2dLayer, MaxPooling2dLayer, FlattenLayer, DropoutLayer], {
  error: `type must be one of ${LAYER_TYPES.join(', ')}`,
});
export type LayerSpec = z.output<typeof LayerSpec>;
export type LayerSpecInput = z.input<typeof LayerSpec>;

const ModelSpecShape = z
  .object({
    name: z.string({ error: 'must be a name of 1 to 64 characters' }).trim().min(1, { error: 'must be a name of 1 to 64 characters' }).max(64, { error: 'must be a name of 1 to 64 characters' }).default('custom'),
    layers: z
      .array(LayerSpec, { error: 'must be a list of layers' })
      .min(LAYER_LIMITS.layers.min, { error: `must hold ${LAYER_LIMITS.layers.min} to ${LAYER_LIMITS.layers.max} layers` })
      .max(LAYER_LIMITS.layers.max, { error: `must hold ${LAYER_LIMITS.layers.min} to ${LAYER_LIMITS.layers.max} layers` }),
  })
  .strict();

/** A network: its name and its layers. The input is always one 28×28 grayscale image; the last layer must give the 10 class scores. */
export type ModelSpec = z.output<typeof ModelSpecShape>;
export type ModelSpecInput = z.input<typeof ModelSpecShape>;

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
  | { code: 'needs-image-input'; input: number[]; layer: 'conv2d' | 'maxPooling2d' }
  | { code: 'kernel-too-large'; field: 'kernelSize'; size: number; height: number; width: number }
  | { code: 'pool-too-large'; field: 'poolSize'; size: number; height: number; width: number }
  | { code: 'already-flat' }
  /** The last layer does not give the class scores; `field` is set when the last layer is a dense one (its units). */
  | { code: 'wrong-output'; output: number[]; classes: number; field?: 'units' }
  | { code: 'too-many-params'; params: number; max: number };

/** One layer as the shape check sees it. */
export interface LayerSummary {
  /** 0-based position in `layers`. */
  index: number;
  type: LayerType;
  /** Output shape without the batch dimension, or null when an earlier layer is broken. */
  outputShape: number[] | null;
  /** Trainable parameters (weights and biases). */
  params: number;
  /** What is wrong with this layer, in English, or null. */
  error: string | null;
  /** The same as a code with its numbers, for a translated message. */
  problem: LayerProblem | null;
}

/** The result of checking a spec: per-layer shapes and parameter counts, and every error by layer. */
export interface ModelSummary {
  inputShape: number[];
  layers: LayerSummary[];
  params: number;
  outputShape: number[] | null;
  errors: { index: number; message: string; problem: LayerProblem }[];
}

export const INPUT_SHAPE = [IMAGE_SIZE, IMAGE_SIZE, 1] as const;

function spatial(size: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

/** What is wrong, in English (the CLI's and the API's message). */
export function problemMessage(problem: LayerProblem): string {
  switch (problem.code) {
    case 'needs-flat-input':
      return `needs a flat input but gets [${problem.input.join(', ')}]: put a flatten layer before it`;
    case 'needs-image-input':
      return problem.layer === 'conv2d'
        ? `needs an image-shaped input (height, width, channels) but gets [${problem.input.join(', ')}]: a convolution must come before any flatten or dense layer`
        : `needs an image-shaped input (height, width, channels) but gets [${problem.input.join(', ')}]`;
    case 'kernel-too-large':
      return `a ${problem.size}×${problem.size} kernel does not fit its ${problem.height}×${problem.width} input with padding "valid": use a smaller kernel or padding "same"`;
    case 'pool-too-large':
      return `a ${problem.size}×${problem.size} pool does not fit its ${problem.height}×${problem.width} input`;
    case 'already-flat':
      return 'its input is already flat: remove it';
    case 'wrong-output':
      return `the network must end in the ${problem.classes} class scores (a dense layer with ${problem.classes} units) but outputs [${problem.output.join(', ')}]`;
    case 'too-many-params':
      return `the network has ${problem.params.toLocaleString('en-US')} parameters; at most ${problem.max.toLocaleString('en-US')} are allowed`;
    default:
      throw new Error(`unknown layer problem ${JSON.stringify(problem satisfies never)}`);
  }
}

function layerOutput(layer: LayerSpec, input: number[]): { shape: number[]; params: number } | LayerProblem {
  switch (layer.type) {
    case 'dense': {
      if (input.length !== 1) return { code: 'needs-flat-input', input };
      return { shape: [layer.units], params: input[0]! * layer.units + layer.units };
    }
    case 'conv2d': {
      if (input.length !== 3) return { code: 'needs-image-input', input, layer: 'conv2d' };
      const [h, w, c] = input as [number, number, number];
      const oh = spatial(h, layer.kernelSize, layer.strides, layer.padding);
      const ow = spatial(w, layer.kernelSize, layer.strides, layer.padding);
      if (oh < 1 || ow < 1) return { code: 'kernel-too-large', field: 'kernelSize', size: layer.kernelSize, height: h, width: w };
      return { shape: [oh, ow, layer.filters], params: layer.kernelSize * layer.kernelSize * c * layer.filters + layer.filters };
    }
    case 'maxPooling2d': {
      if (input.length !== 3) return { code: 'needs-image-input', input, layer: 'maxPooling2d' };
      const [h, w, c] = input as [number, number, number];
      const stride = layer.strides ?? layer.poolSize;
      const oh = spatial(h, layer.poolSize, stride, 'valid');
      const ow = spatial(w, layer.poolSize, stride, 'valid');
      if (oh < 1 || ow < 1) return { code: 'pool-too-large', field: 'poolSize', size: layer.poolSize, height: h, width: w };
      return { shape: [oh, ow, c], params: 0 };
    }
    case 'flatten':
      if (input.length === 1) return { code: 'already-flat' };
      return { shape: [input.reduce((a, b) => a * b, 1)], params: 0 };
    case 'dropout':
      return { shape: input, params: 0 };
    default: {
      const never: never = layer;
      throw new Error(`unknown layer ${JSON.stringify(never)}`);
    }
  }
}

/** Checks a spec layer by layer: output shapes, parameter counts, and errors that name the layer. */
export function describeModel(spec: ModelSpec): ModelSummary {
  const layers: LayerSummary[] = [];
  const errors: ModelSummary['errors'] = [];
  const where = (index: number) => `layer ${index + 1} (${spec.layers[index]!.type})`;
  let shape: number[] | null = [...INPUT_SHAPE];
  let params = 0;
  spec.layers.forEach((layer, index) => {
    if (shape === null) {
      layers.push({ index, type: layer.type, outputShape: null, params: 0, error: null, problem: null });
      return;
    }
    const out = layerOutput(layer, shape);
    if ('code' in out) {
      const message = problemMessage(out);
      errors.push({ index, message: `${where(index)}: ${message}`, problem: out });
      layers.push({ index, type: layer.type, outputShape: null, params: 0, error: message, problem: out });
      shape = null;
      return;
    }
    layers.push({ index, type: layer.type, outputShape: out.shape, params: out.params, error: null, problem: null });
    params += out.params;
    shape = out.shape;
  });
  const last = spec.layers.length - 1;
  if (last >= 0 && shape !== null && !(shape.length === 1 && shape[0] === NUM_CLASSES)) {
    const problem: LayerProblem = { code: 'wrong-output', output: shape, classes: NUM_CLASSES, ...(spec.layers[last]!.type === 'dense' ? { field: 'units' as const } : {}) };
    const message = problemMessage(problem);
    errors.push({ index: last, message: `${where(last)}: ${message}`, problem });
    layers[last]!.error = message;
    layers[last]!.problem = problem;
  }
  if (params > LAYER_LIMITS.params.max) {
    const problem: LayerProblem = { code: 'too-many-params', params, max: LAYER_LIMITS.params.max };
    errors.push({ index: last, message: problemMessage(problem), problem });
  }
  return { inputShape: [...INPUT_SHAPE], layers, params, outputShape: shape, errors };
}

/** A spec that passed the schema and the shape check. Errors name the layer (`layers.2`) and say what to change. */
export const ModelSpec = ModelSpecShape.superRefine(
  (spec, ctx) => {
    for (const error of describeModel(spec).errors) ctx.addIssue({ code: 'custom', path: ['layers', error.index], message: error.message });
  },
  // Shapes mean something only once every layer passed its own schema.
  { when: (payload) => payload.issues.length === 0 },
);

export const PRESETS = ['mlp', 'cnn'] as const;
export type Preset = (typeof PRESETS)[number];

/**
 * The two networks a new user starts from. `mlp` is the seed tutorial's
 * 784-128-64-10; `cnn` is LeNet-5 with ReLU and max pooling, its sequel.
 * `activation` replaces the hidden layers' ReLU; the output stays linear.
 */
export function presetSpec(preset: Preset, options: { activation?: Activation } = {}): ModelSpec {
  const act = options.activation ?? 'relu';
  if (preset === 'mlp') {
    return {
      name: 'mlp',
      layers: [
        { type: 'flatten' },
        { type: 'dense', units: 128, activation: act },
        { type: 'dense', units: 64, activation: act },
        { type: 'dense', units: NUM_CLASSES, activation: 'linear' },
      ],
    };
  }
  return {
    name: 'cnn',
    layers: [
      { type: 'conv2d', filters: 6, kernelSize: 5, strides: 1, padding: 'same', activation: act },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'conv2d', filters: 16, kernelSize: 5, strides: 1, padding: 'valid', activation: act },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 120, activation: act },
      { type: 'dense', units: 84, activation: act },
      { type: 'dense', units: NUM_CLASSES, activation: 'linear' },
    ],
  };
}

/** A layer as text with its keys in a fixed order, so two specs compare equal whatever order their fields were written in. */
function canonicalLayer(layer: LayerSpec): string {
  return JSON.stringify(Object.entries(layer).sort(([a], [b]) => a.localeCompare(b)));
}

let presetLayers: { preset: Preset; layers: string[] }[] | null = null;

/**
 * The preset a spec is — its name and its layers, with any one hidden
 * activation (`presetSpec`'s option) — or null for a network the user built.
 * Lists of runs say "mlp (preset)" or "custom" with this.
 */
export function presetOf(spec: ModelSpec): Preset | null {
  // Parsed once, so defaults the schema adds (strides, padding) are on both sides.
  presetLayers ??= PRESETS.flatMap((preset) =>
    ACTIVATIONS.map((activation) => ({ preset, layers: ModelSpecShape.parse(presetSpec(preset, { activation })).layers.map(canonicalLayer) })),
  );
  const layers = spec.layers.map(canonicalLayer);
  const match = presetLayers.find((p) => p.preset === spec.name && p.layers.length === layers.length && p.layers.every((l, i) => l === layers[i]));
  return match?.preset ?? null;
}
