/**
 * What network to train: an ordered list of layers on a 28×28×1 image,
 * ending in the 10 class scores (logits). Presets, the schema a spec file
 * or the UI's builder must pass, and the shape check that gives every
 * layer's output shape and parameter count (or what is wrong with it).
 * Pure: the renderer runs the same check while the user edits.
 */
import { z } from 'zod';
import { IMAGE_SIZE, NUM_CLASSES } from './datasets';
import {
  ACTIVATIONS,
  LAYER_LIMITS,
  layerDef,
  LayerSchema,
  layerOutput,
  type Activation,
  type LayerProblem,
  type LayerSpec as LayerSettings,
  type LayerType,
  type WeightDecl,
} from './layers';

export { Activation, ACTIVATIONS, LAYER_LIMITS, LAYER_TYPES, LAYERS, layerDef, layerOutput, wholeNumber } from './layers';
export type { ImageLayerType, LayerField, LayerProblem, LayerSpecInput, LayerSpecOf, LayerType, WeightDecl } from './layers';
/** One layer's settings (the registry's schema, src/shared/layers/). */
export const LayerSpec = LayerSchema;
export type LayerSpec = LayerSettings;

const ModelSpecShape = z
  .object({
    name: z
      .string({ error: 'must be a name of 1 to 64 characters' })
      .trim()
      .min(1, { error: 'must be a name of 1 to 64 characters' })
      .max(64, { error: 'must be a name of 1 to 64 characters' })
      .default('custom'),
    layers: z
      .array(LayerSpec, { error: 'must be a list of layers' })
      .min(LAYER_LIMITS.layers.min, { error: `must hold ${LAYER_LIMITS.layers.min} to ${LAYER_LIMITS.layers.max} layers` })
      .max(LAYER_LIMITS.layers.max, { error: `must hold ${LAYER_LIMITS.layers.min} to ${LAYER_LIMITS.layers.max} layers` }),
  })
  .strict();

/** A network: its name and its layers. The input is always one 28×28 grayscale image; the last layer must give the 10 class scores. */
export type ModelSpec = z.output<typeof ModelSpecShape>;
export type ModelSpecInput = z.input<typeof ModelSpecShape>;

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

/**
 * Whether a batch may be split into parts trained side by side with the
 * same result: no layer looks at the whole batch (batch normalisation's
 * statistics) or draws for it (dropout's mask, drawn for the batch's shape).
 */
export function rowsIndependent(spec: ModelSpec): boolean {
  return spec.layers.every((l) => l.type !== 'batchNormalization' && l.type !== 'dropout');
}

/** Multiply-adds of one image's forward pass, by layer type: where the work per step is. */
export function forwardWork(spec: ModelSpec): { dense: number; conv: number } {
  const summary = describeModel(spec);
  let dense = 0;
  let conv = 0;
  spec.layers.forEach((layer, i) => {
    const out = summary.layers[i]?.outputShape;
    const params = summary.layers[i]?.params ?? 0;
    if (!out) return;
    if (layer.type === 'dense') dense += params;
    // Each output pixel of each filter costs kernel² · input channels multiply-adds.
    if (layer.type === 'conv2d') conv += (params - layer.filters) * out[0]! * out[1]!;
  });
  return { dense, conv };
}

/**
 * Forward multiply-adds per step from which the native path's step graph
 * splits a batch into two towers run side by side. Measured on 2 cores
 * (`npm run bench`, one intra-op thread), one tower against two: the mlp at
 * batch 64 (7M) 84–91k samples/s against 88–91k (a tie); at 128 (14M)
 * 116–118k against 135–138k; at 256 145–155k against 178–239k; the cnn at
 * batch 32 (13M) 13k against 17–18k, at 64 12k against 16–23k.
 */
export const TOWERS_FROM = 10_000_000;

/** Towers a step of `batch` rows is split into: 2 where rows train independently, the work is enough, the batch even and 2+ threads can run them; else 1. */
export function stepTowers(spec: ModelSpec, batch: number, interOpThreads: number): 1 | 2 {
  const work = forwardWork(spec);
  return interOpThreads >= 2 && batch % 2 === 0 && rowsIndependent(spec) && (work.dense + work.conv) * batch >= TOWERS_FROM ? 2 : 1;
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

/** One declared weight of a layer and its place in a TF.js model's weight list. */
export interface WeightSlot extends WeightDecl {
  index: number;
}

/**
 * Every layer's declared weights (for a spec that checks), each with its
 * place in the TF.js model's weight list and saved files: the trainable
 * weights of all layers first, then the others (tfjs-layers' order), each
 * group in layer order.
 */
export function weightLayout(spec: ModelSpec): WeightSlot[][] {
  const summary = describeModel(spec);
  if (summary.errors.length > 0) throw new Error(`the spec does not check: ${summary.errors[0]!.message}`);
  const decls = spec.layers.map((layer, i) => layerDef(layer).weights(layer, i === 0 ? summary.inputShape : summary.layers[i - 1]!.outputShape!));
  const trainable = decls.reduce((n, list) => n + list.filter((d) => d.trainable).length, 0);
  let nextTrainable = 0;
  let nextOther = trainable;
  return decls.map((list) => list.map((d) => ({ ...d, index: d.trainable ? nextTrainable++ : nextOther++ })));
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
