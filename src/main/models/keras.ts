/**
 * Between a Keras / TF.js layers topology (`modelTopology` of model.json)
 * and a ModelSpec, in pure TypeScript, so an imported file is understood
 * and refused before TensorFlow sees a byte of it. Only what the studio
 * can build passes: a Sequential stack of Dense, Conv2D, MaxPooling2D,
 * Flatten and Dropout (plus the InputLayer, Activation and leading Reshape
 * layers Keras writes around them) on a 28×28×1, 28×28 or 784 input. The
 * library then writes its own canonical topology from the spec, so no
 * field of a foreign file ever reaches tfjs.
 */
import { z } from 'zod';
import { PIXELS } from '@shared/datasets';
import { ACTIVATIONS, describeModel, INPUT_SHAPE, LAYER_LIMITS, layerDef, ModelSpec, weightLayout, type Activation, type LayerSpec } from '@shared/model-spec';
import { mainLayer } from '../trainer/layers';

/** A topology the studio will not load; the message names the layer and the field. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
}

/** More raw layers than this is not a network the studio could build (InputLayer and Activation layers included). */
const MAX_RAW_LAYERS = 2 * LAYER_LIMITS.layers.max;

const KNOWN_CLASSES = [
  'InputLayer',
  'Dense',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'BatchNormalization',
  'Flatten',
  'Dropout',
  'Activation',
  'Reshape',
] as const;
/** The classes named when a layer is refused. */
export const KNOWN_LAYER_CLASSES = 'Dense, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, BatchNormalization, Flatten, Dropout';
/** Keras spells some classes two ways. */
const CLASS_ALIASES: Record<string, (typeof KNOWN_CLASSES)[number]> = {
  MaxPool2D: 'MaxPooling2D',
  Convolution2D: 'Conv2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
};

const Dim = z.number().int().min(1).max(1_000_000_000_000);
const BatchShape = z.array(Dim.nullable()).min(2).max(5);
/** float32, as a string (Keras 2, TF.js) or a policy object (Keras 3). */
const Dtype = z
  .union([z.literal('float32'), z.object({ config: z.object({ name: z.literal('float32') }).loose() }).loose()], { error: 'dtype must be float32' })
  .nullable()
  .optional();
const LayerName = z.string().min(1).max(200);
/** An int or a square pair: Keras writes [k, k]; a non-square window is something the studio cannot build. */
const Square = (what: string) =>
  z.union([z.number().int(), z.array(z.number().int()).length(2)]).transform((v, ctx) => {
    const [a, b] = typeof v === 'number' ? [v, v] : (v as [number, number]);
    if (a !== b) {
      ctx.addIssue({ code: 'custom', message: `${what} ${JSON.stringify(v)} is not square; the studio builds square ones only` });
      return z.NEVER;
    }
    return a;
  });
const ChannelsLast = z.literal('channels_last', { error: 'data_format must be channels_last (TF.js’s layout)' }).nullable().optional();

/** Fields every layer may carry; shapes and dtype are checked, names kept for the weights. */
const Common = {
  name: LayerName,
  trainable: z.boolean().optional(),
  dtype: Dtype,
  batch_input_shape: BatchShape.optional(),
  batch_shape: BatchShape.optional(),
};

const ActivationName = z.string().max(50);
const UseBias = z.literal(true, { error: 'use_bias must be true: the studio’s layers always have a bias' }).optional();

const CONFIGS = {
  InputLayer: z
    .object({
      name: LayerName.optional(),
      dtype: Dtype,
      batch_input_shape: BatchShape.optional(),
      batch_shape: BatchShape.optional(),
      sparse: z.literal(false).optional(),
      ragged: z.literal(false).optional(),
    })
    .loose(),
  Dense: z.object({ ...Common, units: z.number().int().min(1), activation: ActivationName.nullable().optional(), use_bias: UseBias }).loose(),
  Conv2D: z
    .object({
      ...Common,
      filters: z.number().int().min(1),
      kernel_size: Square('kernel_size'),
      strides: Square('strides').optional(),
      padding: z.enum(['valid', 'same'], { error: 'padding must be valid or same' }).optional(),
      data_format: ChannelsLast,
      dilation_rate: Square('dilation_rate')
        .refine((d) => d === 1, { error: 'dilation_rate must be 1' })
        .optional(),
      groups: z.literal(1, { error: 'groups must be 1' }).optional(),
      activation: ActivationName.nullable().optional(),
      use_bias: UseBias,
    })
    .loose(),
  MaxPooling2D: z
    .object({
      ...Common,
      pool_size: Square('pool_size'),
      strides: Square('strides').nullable().optional(),
      padding: z.literal('valid', { error: 'padding must be valid: the studio pools without padding' }).optional(),
      data_format: ChannelsLast,
    })
    .loose(),
  AveragePooling2D: z
    .object({
      ...Common,
      pool_size: Square('pool_size'),
      strides: Square('strides').nullable().optional(),
      padding: z.literal('valid', { error: 'padding must be valid: the studio pools without padding' }).optional(),
      data_format: ChannelsLast,
    })
    .loose(),
  GlobalAveragePooling2D: z.object({ ...Common, data_format: ChannelsLast, keepdims: z.literal(false, { error: 'keepdims must be false' }).optional() }).loose(),
  BatchNormalization: z
    .object({
      ...Common,
      axis: z.union([z.literal(-1), z.literal(3), z.tuple([z.union([z.literal(-1), z.literal(3)])])], { error: 'axis must be -1 (the channels)' }).optional(),
      momentum: z.number().min(0).lt(1).optional(),
      epsilon: z.number().gt(0).max(0.1).optional(),
      center: z.literal(true, { error: 'center must be true' }).optional(),
      scale: z.literal(true, { error: 'scale must be true' }).optional(),
      renorm: z.literal(false, { error: 'renorm must be false' }).optional(),
    })
    .loose(),
  Flatten: z.object({ ...Common, data_format: ChannelsLast }).loose(),
  Dropout: z.object({ ...Common, rate: z.number().min(0).lt(1), noise_shape: z.null({ error: 'noise_shape must be null' }).optional() }).loose(),
  Activation: z.object({ ...Common, activation: ActivationName }).loose(),
  Reshape: z.object({ ...Common, target_shape: z.array(Dim).min(1).max(4) }).loose(),
} as const;

const RawLayer = z.object({ class_name: z.string().max(100), config: z.record(z.string(), z.unknown()) }).loose();

/**
 * `modelTopology` as TF.js writes it (`{class_name: 'Sequential', config:
 * {name, layers}}`), as old Keras did (`config` the list itself), or
 * wrapped in `model_config` (the tensorflowjs converter's Keras output).
 */
const Topology = z.union([
  z
    .object({ class_name: z.string().max(100), config: z.union([z.object({ name: z.string().max(200).optional(), layers: z.array(z.unknown()) }).loose(), z.array(z.unknown())]) })
    .loose(),
  z.object({ model_config: z.object({ class_name: z.string().max(100), config: z.unknown() }).loose() }).loose(),
]);

/** The weights a layer of the spec needs, in the order TF.js saves them. */
export interface ExpectedWeight {
  /** The topology's layer name: how the manifest names its weights (`<layer>/kernel`). */
  layer: string;
  /** Its layer's index in the spec. */
  index: number;
  /** The weight's own name as TF.js and Keras give it: `kernel`, `bias`, `gamma`, `moving_mean`, … */
  weight: string;
  shape: number[];
}

/** What a valid topology is: the network as a spec and the weights its layers need. */
export interface ParsedTopology {
  spec: ModelSpec;
  weights: ExpectedWeight[];
  /** The input as the file declared it: [28, 28, 1], [28, 28] or [784]. */
  declaredInput: number[];
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.map(String).join('.');
  return where && !issue.message.startsWith(where) ? `${where}: ${issue.message}` : issue.message;
}

/** The batch shape a layer declares, without the batch dimension. */
function declaredInput(config: { batch_input_shape?: (number | null)[] | undefined; batch_shape?: (number | null)[] | undefined }): number[] | null {
  const shape = config.batch_input_shape ?? config.batch_shape;
  if (!shape) return null;
  const dims = shape.slice(1);
  if (dims.some((d) => d === null)) throw new TopologyError(`input shape ${JSON.stringify(shape)} has an open dimension besides the batch`);
  return dims as number[];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Maps a Keras activation to the studio's; softmax is allowed only where the caller says (the output). */
function activationOf(name: string | null | undefined, where: string, softmaxAllowed: boolean): Activation | 'softmax' {
  const act = name ?? 'linear';
  if ((ACTIVATIONS as readonly string[]).includes(act)) return act as Activation;
  if (act === 'softmax' && softmaxAllowed) return 'softmax';
  throw new TopologyError(`${where}: activation "${act}" is not one the studio has (${ACTIVATIONS.join(', ')}; softmax on the output layer)`);
}

function unwrapLayers(raw: unknown): { name: string | undefined; layers: unknown[] } {
  const parsed = Topology.safeParse(raw);
  if (!parsed.success) throw new TopologyError('modelTopology is not a Keras Sequential model ({class_name, config: {layers}})');
  const top = 'model_config' in parsed.data ? (parsed.data.model_config as { class_name: string; config: unknown }) : (parsed.data as { class_name: string; config: unknown });
  if (top.class_name !== 'Sequential') throw new TopologyError(`modelTopology is a ${top.class_name.slice(0, 100)} model; the studio imports Sequential models only`);
  const config = top.config;
  if (Array.isArray(config)) return { name: undefined, layers: config };
  const inner = z
    .object({ name: z.string().max(200).optional(), layers: z.array(z.unknown()) })
    .loose()
    .safeParse(config);
  if (!inner.success) throw new TopologyError('modelTopology.config has no list of layers');
  return { name: inner.data.name, layers: inner.data.layers };
}

/**
 * Reads a topology into a spec, refusing anything the studio cannot build
 * with a message that names the layer. Checks the input (28×28×1, 28×28
 * or 784), the output (10 class scores), the layer and parameter limits.
 */
export function parseTopology(raw: unknown): ParsedTopology {
  const { name, layers: rawLayers } = unwrapLayers(raw);
  if (rawLayers.length === 0) throw new TopologyError('modelTopology has no layers');
  if (rawLayers.length > MAX_RAW_LAYERS) throw new TopologyError(`modelTopology has ${rawLayers.length} layers; at most ${LAYER_LIMITS.layers.max} are allowed`);

  type Named = { spec: LayerSpec; name: string; activation?: Activation | 'softmax' };
  const out: Named[] = [];
  let input: number[] | null = null;
  let sawReal = false;

  for (const [index, item] of rawLayers.entries()) {
    const layer = RawLayer.safeParse(item);
    const at = `layer ${index + 1}`;
    if (!layer.success) throw new TopologyError(`${at}: not a layer ({class_name, config})`);
    const className = CLASS_ALIASES[layer.data.class_name] ?? layer.data.class_name;
    if (!(KNOWN_CLASSES as readonly string[]).includes(className)) {
      const named = typeof layer.data.config.name === 'string' ? ` "${layer.data.config.name.slice(0, 100)}"` : '';
      throw new TopologyError(
        `${at}${named}: class ${layer.data.class_name.slice(0, 100)} is not a layer the studio knows (${KNOWN_LAYER_CLASSES}); rebuild the network with those layers and save it again`,
      );
    }
    const cls = className as (typeof KNOWN_CLASSES)[number];
    const parsed = CONFIGS[cls].safeParse(layer.data.config);
    const where = `${at} (${cls}${typeof layer.data.config.name === 'string' ? ` "${layer.data.config.name.slice(0, 100)}"` : ''})`;
    if (!parsed.success) throw new TopologyError(`${where}: ${issueText(parsed.error)}`);
    const config = parsed.data as z.output<(typeof CONFIGS)[typeof cls]> & { name?: string };
    const declared = declaredInput(config);
    if (declared) {
      if (input !== null || sawReal) throw new TopologyError(`${where}: declares an input shape after the first layer`);
      input = declared;
    }
    const isLast = index === rawLayers.length - 1;
    switch (cls) {
      case 'InputLayer':
        if (sawReal || index !== 0) throw new TopologyError(`${where}: an InputLayer must come first`);
        continue;
      case 'Reshape': {
        const c = config as z.output<typeof CONFIGS.Reshape>;
        // tfjs-examples feed 784 (or 28×28) and reshape to an image first: our input already is one.
        if (sawReal || !sameShape(c.target_shape, INPUT_SHAPE)) throw new TopologyError(`${where}: only a first Reshape to [28, 28, 1] is supported`);
        sawReal = true;
        continue;
      }
      case 'Activation': {
        const c = config as z.output<typeof CONFIGS.Activation>;
        const prev = out.at(-1);
        const act = activationOf(c.activation, where, isLast);
        if (!prev || (prev.spec.type !== 'dense' && prev.spec.type !== 'conv2d') || (prev.activation ?? 'linear') !== 'linear') {
          throw new TopologyError(`${where}: an Activation layer must follow a Dense or Conv2D layer without its own activation`);
        }
        prev.activation = act;
        continue;
      }
      case 'Dense': {
        const c = config as z.output<typeof CONFIGS.Dense>;
        if (c.units > LAYER_LIMITS.units.max) throw new TopologyError(`${where}: units ${c.units} is above the ${LAYER_LIMITS.units.max} the studio allows`);
        out.push({ spec: { type: 'dense', units: c.units, activation: 'linear' }, name: c.name, activation: activationOf(c.activation, where, isLast) });
        break;
      }
      case 'Conv2D': {
        const c = config as z.output<typeof CONFIGS.Conv2D>;
        if (c.filters > LAYER_LIMITS.filters.max) throw new TopologyError(`${where}: filters ${c.filters} is above the ${LAYER_LIMITS.filters.max} the studio allows`);
        const act = activationOf(c.activation, where, false);
        out.push({
          spec: { type: 'conv2d', filters: c.filters, kernelSize: c.kernel_size, strides: c.strides ?? 1, padding: c.padding ?? 'valid', activation: 'linear' },
          name: c.name,
          activation: act,
        });
        break;
      }
      case 'MaxPooling2D': {
        const c = config as z.output<typeof CONFIGS.MaxPooling2D>;
        const strides = c.strides ?? c.pool_size;
        out.push({ spec: strides === c.pool_size ? { type: 'maxPooling2d', poolSize: c.pool_size } : { type: 'maxPooling2d', poolSize: c.pool_size, strides }, name: c.name });
        break;
      }
      case 'AveragePooling2D': {
        const c = config as z.output<typeof CONFIGS.AveragePooling2D>;
        const strides = c.strides ?? c.pool_size;
        out.push({
          spec: strides === c.pool_size ? { type: 'averagePooling2d', poolSize: c.pool_size } : { type: 'averagePooling2d', poolSize: c.pool_size, strides },
          name: c.name,
        });
        break;
      }
      case 'GlobalAveragePooling2D':
        out.push({ spec: { type: 'globalAveragePooling2d' }, name: (config as { name: string }).name });
        break;
      case 'BatchNormalization': {
        const c = config as z.output<typeof CONFIGS.BatchNormalization>;
        out.push({ spec: { type: 'batchNormalization', momentum: c.momentum ?? 0.99, epsilon: c.epsilon ?? 0.001 }, name: c.name });
        break;
      }
      case 'Flatten':
        out.push({ spec: { type: 'flatten' }, name: (config as { name: string }).name });
        break;
      case 'Dropout':
        out.push({ spec: { type: 'dropout', rate: (config as z.output<typeof CONFIGS.Dropout>).rate }, name: (config as { name: string }).name });
        break;
      default: {
        const never: never = cls;
        throw new Error(`unhandled layer class ${String(never)}`);
      }
    }
    sawReal = true;
  }

  if (input === null) throw new TopologyError('no layer declares the input shape (batch_input_shape)');
  const declared: number[] = input;
  const first = out[0];
  if (!first) throw new TopologyError('modelTopology has no layer the studio can build');
  // 784 and 28×28 inputs are the same pixels in the same order as 28×28×1: a flatten of our image gives them.
  const flatInput = sameShape(declared, [PIXELS]);
  const imageInput = sameShape(declared, INPUT_SHAPE) || sameShape(declared, [28, 28]);
  if (!flatInput && !imageInput) throw new TopologyError(`input shape [${declared.join(', ')}] is not 28×28×1, 28×28 or 784`);
  const reshaped = rawLayers.some((l) => (l as { class_name?: unknown }).class_name === 'Reshape');
  if (flatInput && !reshaped && first.spec.type !== 'dense')
    throw new TopologyError(`a 784 input must go to a Dense layer (or a Reshape to [28, 28, 1]) first, not ${first.spec.type}`);
  if (sameShape(declared, [28, 28]) && !reshaped && first.spec.type !== 'flatten') throw new TopologyError('a 28×28 input must be flattened (or reshaped to [28, 28, 1]) first');

  const last = out.at(-1)!;
  for (const layer of out) {
    if (layer.activation === 'softmax' && layer !== last) throw new TopologyError(`layer "${layer.name}": softmax is allowed on the output layer only`);
  }
  // The library keeps logits: a softmax output is dropped, which changes no prediction (probabilities are the softmax of the logits).
  const layers: LayerSpec[] = out.map((l) =>
    l.spec.type === 'dense' || l.spec.type === 'conv2d' ? { ...l.spec, activation: l.activation === 'softmax' || !l.activation ? 'linear' : l.activation } : l.spec,
  );
  const names = out.map((l) => l.name);
  if (flatInput && !reshaped) {
    layers.unshift({ type: 'flatten' });
    names.unshift('');
  }
  if (layers.length > LAYER_LIMITS.layers.max) throw new TopologyError(`the network has ${layers.length} layers; at most ${LAYER_LIMITS.layers.max} are allowed`);
  if (new Set(names.filter(Boolean)).size !== names.filter(Boolean).length) throw new TopologyError('two layers share a name: their weights could not be told apart');

  const candidate = {
    name:
      (name ?? 'imported')
        .replace(/[^\w .-]/g, '_')
        .slice(0, 64)
        .trim() || 'imported',
    layers,
  };
  const checked = ModelSpec.safeParse(candidate);
  if (!checked.success) {
    // The shape check names the layer and says what is wrong (an output of other than 10 classes included).
    throw new TopologyError(describeModel(candidate).errors[0]?.message ?? issueText(checked.error));
  }
  const summary = describeModel(checked.data);
  const weights: ExpectedWeight[] = [];
  let shape: number[] = [...INPUT_SHAPE];
  checked.data.layers.forEach((layer, i) => {
    // The registry declares each layer's weights in the order TF.js and Keras save them.
    for (const w of layerDef(layer).weights(layer, shape)) weights.push({ layer: names[i]!, index: i, weight: w.name, shape: w.shape });
    shape = summary.layers[i]!.outputShape!;
  });
  return { spec: checked.data, weights, declaredInput: declared };
}

/** One weight read from a file, in the spec's declared order (layer by layer, each layer's weights as the registry declares them). */
export interface ReadWeight {
  spec: { name: string; shape: number[]; dtype: 'float32' };
  data: Float32Array;
}

/**
 * The library's weights.bin and its manifest from weights in declared
 * order: laid out as tfjs-layers saves a model (trainable weights of all
 * layers first, then the others; see `weightLayout`), the order the
 * exports read them in.
 */
export function inLibraryOrder(spec: ModelSpec, read: ReadWeight[]): { weightSpecs: ReadWeight['spec'][]; weights: Uint8Array } {
  const slots = weightLayout(spec).flat();
  if (slots.length !== read.length) throw new Error(`${read.length} weights read, the network declares ${slots.length}`);
  const ordered: ReadWeight[] = new Array<ReadWeight>(read.length);
  slots.forEach((slot, k) => (ordered[slot.index] = read[k]!));
  const weights = new Float32Array(ordered.reduce((n, w) => n + w.data.length, 0));
  let at = 0;
  for (const w of ordered) {
    weights.set(w.data, at);
    at += w.data.length;
  }
  return { weightSpecs: ordered.map((w) => w.spec), weights: new Uint8Array(weights.buffer) };
}

/** Layer names of the canonical topology: `<type>_<n>`, as tfjs would name them. */
export function canonicalLayerNames(spec: ModelSpec): string[] {
  const counts: Record<string, number> = {};
  return spec.layers.map((layer) => {
    counts[layer.type] = (counts[layer.type] ?? 0) + 1;
    return `${layer.type.toLowerCase()}_${counts[layer.type]}`;
  });
}

/**
 * The topology the studio writes for a spec: what tfjs-layers itself
 * writes for the model `buildModel` makes, minus initialisers (which
 * loading ignores). Layer names are `canonicalLayerNames`.
 */
export function canonicalTopology(spec: ModelSpec, modelName = 'imported'): object {
  const names = canonicalLayerNames(spec);
  const layers = spec.layers.map((layer, i) => {
    const base = { name: names[i], trainable: true, ...(i === 0 ? { batch_input_shape: [null, ...INPUT_SHAPE], dtype: 'float32' } : {}) };
    const keras = mainLayer(layer).keras(layer);
    return { class_name: keras.class_name, config: { ...base, ...keras.config } };
  });
  return { class_name: 'Sequential', config: { name: modelName.replace(/[^A-Za-z0-9_]/g, '_'), layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
}
