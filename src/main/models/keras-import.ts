/**
 * Import of a Keras model file: a Keras 3 `.keras` (a zip of config.json,
 * metadata.json and model.weights.h5) or a legacy full-model `.h5`
 * (`model_config` attribute and a `model_weights` group). HDF5 is read with
 * h5wasm. The network (Sequential, or a Functional graph that is one chain)
 * goes through the same topology check as a TF.js model.json
 * (`parseTopology`): only what the studio builds passes. Leading
 * InputLayer, Rescaling and Normalization layers are not layers of the
 * studio's network: they become the model's normalisation. Every weight is
 * found by its layer, checked for shape, dtype and finite values before it
 * is copied.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Dataset, File as H5File } from 'h5wasm/node';
import { h5 as h5Module, loadH5 } from './h5';
import { z } from 'zod';
import { Hyperparams } from '@shared/hyperparams';
import { LAYER_LIMITS, type ModelSpec } from '@shared/model-spec';
import { StudioError } from '@shared/result';
import { canonicalLayerNames, canonicalTopology, inLibraryOrder, parseTopology, TopologyError, type ParsedTopology, type ReadWeight } from './keras';
import { extractFlatZip, ZipError, type ZipLimits } from './zip';

/** config.json of a .keras file: a few kB for any network the studio builds. */
const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_RAW_LAYERS = 4 * LAYER_LIMITS.layers.max;
/** Keras's `backend.epsilon()`: a Normalization layer divides by at least this. */
const KERAS_EPSILON = 1e-7;

type Normalization = z.output<typeof Hyperparams.shape.normalization>;
type NonNullNormalization = Exclude<Normalization, undefined>;

/** What a Keras file holds, once checked: the library's files for it and the normalisation its preprocessing layers give (null when it has none). */
export interface KerasModel {
  topology: object;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  weights: Uint8Array;
  spec: ModelSpec;
  normalization: NonNullNormalization | null;
  /** The model's own name in the file. */
  name: string | undefined;
}

/** One weight array of a layer, in the order Keras saves them. */
interface WeightArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Is this path a Keras model file (by its name)? */
export function isKerasFile(file: string): boolean {
  return /\.(keras|h5|hdf5)$/i.test(file);
}

function fail(file: string, reason: string): never {
  throw new StudioError('INTEGRITY', `${file}: ${reason}`);
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Keras's `to_snake_case`: how a .keras weights file names a layer it holds (`MaxPooling2D` → `max_pooling2d`). */
function snakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

const LayerEntry = z.object({ class_name: z.string().max(100), config: z.record(z.string(), z.unknown()), name: z.string().max(200).optional() }).loose();
type LayerEntry = z.output<typeof LayerEntry>;

const TopConfig = z
  .object({
    class_name: z.string().max(100),
    config: z
      .object({
        name: z.string().max(200).optional(),
        layers: z.array(z.unknown()).max(MAX_RAW_LAYERS),
        input_layers: z.unknown().optional(),
        output_layers: z.unknown().optional(),
      })
      .loose(),
  })
  .loose();

/** The layer names a Functional layer's inbound nodes read from: Keras 3 (`keras_history` in `args`) or Keras 2 (`[[name, node, tensor, kwargs]]`). */
function inboundNames(nodes: unknown): string[][] {
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node) => {
    const names: string[] = [];
    const walk = (v: unknown, depth: number): void => {
      if (depth > 8 || v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) {
        // Keras 2: [name, nodeIndex, tensorIndex, kwargs?]
        if (typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number') names.push(v[0]);
        else v.forEach((x) => walk(x, depth + 1));
        return;
      }
      const o = v as Record<string, unknown>;
      const config = o.config as Record<string, unknown> | undefined;
      const history = config && Array.isArray(config.keras_history) ? config.keras_history : Array.isArray(o.keras_history) ? o.keras_history : null;
      if (history && typeof history[0] === 'string') {
        names.push(history[0]);
        return;
      }
      if ('args' in o) walk(o.args, depth + 1);
    };
    walk(node, 0);
    return names;
  });
}

/** The names a Functional model's input_layers / output_layers give: `[name, 0, 0]` or `[[name, 0, 0], …]`. */
function endpointNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [v[0]];
  return v.flatMap((x) => (Array.isArray(x) && typeof x[0] === 'string' ? [x[0]] : []));
}

/** The layers of a Sequential model, or of a Functional one that is a single chain, in order from the input. */
function linearLayers(file: string, raw: unknown): { name: string | undefined; layers: LayerEntry[] } {
  const top = TopConfig.safeParse(raw);
  if (!top.success) fail(file, 'the model config is not a Keras model ({class_name, config: {layers}})');
  const layers: LayerEntry[] = top.data.config.layers.map((l, i) => {
    const parsed = LayerEntry.safeParse(l);
    if (!parsed.success) fail(file, `layer ${i + 1} of the model config is not a layer ({class_name, config})`);
    return parsed.data;
  });
  const name = top.data.config.name;
  const cls = top.data.class_name;
  if (cls === 'Sequential') return { name, layers };
  if (cls !== 'Functional' && cls !== 'Model') fail(file, `a ${cls.slice(0, 100)} model; the studio imports Sequential models and Functional ones whose layers form one chain`);

  const nameOf = (l: LayerEntry) => l.name ?? (typeof l.config.name === 'string' ? l.config.name : '');
  const byName = new Map(layers.map((l) => [nameOf(l), l]));
  const inputs = endpointNames(top.data.config.input_layers);
  const outputs = endpointNames(top.data.config.output_layers);
  if (inputs.length !== 1 || outputs.length !== 1)
    fail(file, `the Functional model has ${inputs.length} inputs and ${outputs.length} outputs; the studio imports one image in, ten scores out`);
  const chain: LayerEntry[] = [];
  const seen = new Set<string>();
  let at: string = outputs[0]!;
  for (;;) {
    const layer = byName.get(at);
    if (!layer) fail(file, `the Functional model names layer "${at.slice(0, 100)}", which it does not hold`);
    if (seen.has(at)) fail(file, `layer "${at.slice(0, 100)}" is called twice: the studio imports a single chain of layers`);
    seen.add(at);
    chain.unshift(layer);
    const nodes = inboundNames(layer.inbound_nodes);
    if (nodes.length === 0) break;
    if (nodes.length > 1 || nodes[0]!.length !== 1)
      fail(file, `layer "${at.slice(0, 100)}" takes ${nodes.length > 1 ? `${nodes.length} calls` : `${nodes[0]!.length} inputs`}: the studio imports a single chain of layers`);
    at = nodes[0]![0]!;
  }
  if (nameOf(chain[0]!) !== inputs[0]) fail(file, `the chain from the output does not start at the input layer "${inputs[0]!.slice(0, 100)}"`);
  const unused = layers.find((l) => !seen.has(nameOf(l)));
  if (unused) fail(file, `layer "${nameOf(unused).slice(0, 100)}" is not on the path from the input to the output: the studio imports a single chain of layers`);
  return { name, layers: chain };
}

/** A scalar setting of a preprocessing layer: a number, or a list of one (one channel). */
const OneValue = z.union([
  z.number(),
  z
    .array(z.number())
    .length(1)
    .transform((a) => a[0]!),
]);

/**
 * Takes the leading preprocessing layers off: InputLayer stays (it declares
 * the input), Rescaling and Normalization become one affine map of the
 * pixels, returned as the studio's normalisation (pixels p go in as
 * (p / 255 − mean) / std). A preprocessing layer after the network's first
 * real layer is refused.
 */
function takePreprocessing(
  file: string,
  layers: LayerEntry[],
  weightsOf: (layerName: string) => WeightArray[],
): { layers: LayerEntry[]; normalization: NonNullNormalization | null } {
  let scale = 1;
  let shift = 0;
  let found = false;
  const kept: LayerEntry[] = [];
  for (const [i, layer] of layers.entries()) {
    const name = typeof layer.config.name === 'string' ? layer.config.name.slice(0, 100) : `layer ${i + 1}`;
    const where = `layer "${name}" (${layer.class_name.slice(0, 100)})`;
    const preprocessing = layer.class_name === 'Rescaling' || layer.class_name === 'Normalization';
    if (!preprocessing) {
      kept.push(layer);
      continue;
    }
    if (kept.some((l) => l.class_name !== 'InputLayer'))
      fail(file, `${where} comes after the network's first layer; the studio takes Rescaling and Normalization only before it, as the input's normalisation`);
    found = true;
    if (layer.class_name === 'Rescaling') {
      const s = OneValue.safeParse(layer.config.scale);
      const o = OneValue.safeParse(layer.config.offset ?? 0);
      if (!s.success || !o.success) fail(file, `${where}: scale and offset must be numbers (one channel)`);
      scale *= s.data;
      shift = shift * s.data + o.data;
      continue;
    }
    if (layer.config.invert === true) fail(file, `${where}: an inverted Normalization (invert: true) undoes a normalisation; the studio cannot take it as the input's`);
    let mean = OneValue.safeParse(layer.config.mean);
    let variance = OneValue.safeParse(layer.config.variance);
    if (layer.config.mean === null || layer.config.mean === undefined) {
      // Adapted (layer.adapt): the statistics are weights, in the order mean, variance, count.
      const [m, v] = weightsOf(typeof layer.config.name === 'string' ? layer.config.name : '');
      mean = OneValue.safeParse(m ? Array.from(m.data) : undefined);
      variance = OneValue.safeParse(v ? Array.from(v.data) : undefined);
    }
    if (!mean.success || !variance.success) fail(file, `${where}: mean and variance must be one number each (one channel), in its config or its weights`);
    if (!(variance.data >= 0)) fail(file, `${where}: variance ${variance.data} is negative`);
    const std = Math.max(Math.sqrt(variance.data), KERAS_EPSILON);
    scale /= std;
    shift = (shift - mean.data) / std;
  }
  if (!found) return { layers: kept, normalization: null };
  // x·scale + shift = (x / 255 − mean) / std  ⇔  std = 1 / (255·scale), mean = −shift·std.
  if (!(scale > 0) || !Number.isFinite(scale) || !Number.isFinite(shift))
    fail(file, `the Rescaling and Normalization layers map a pixel p to ${scale}·p + ${shift}; the studio needs a positive scale`);
  const std = 1 / (255 * scale);
  const clean = (v: number) => Number(v.toPrecision(10)) + 0;
  const parsed = Hyperparams.shape.normalization.unwrap().safeParse({ mean: clean(-shift * std), std: clean(std) });
  if (!parsed.success) fail(file, `the Rescaling and Normalization layers give mean ${-shift * std} and std ${std}: ${parsed.error.issues[0]?.message ?? 'out of range'}`);
  return { layers: kept, normalization: parsed.data };
}

/** Runs a read of an HDF5 file: what h5wasm throws on a damaged one becomes a refusal naming the file. */
function reading<T>(shown: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof StudioError) throw err;
    fail(shown, `not a readable HDF5 file (${hdf5Reason(err)}); it may be truncated or damaged: save the model again`);
  }
}

/** HDF5's error stack in a few words: its innermost "minor" line ("Read failed", "Truncated file …"), not the whole trace. */
function hdf5Reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (!text.includes('HDF5')) return text.slice(0, 200);
  const minors = [...text.matchAll(/minor: (.+)/g)].map((m) => m[1]!.trim());
  const details = [...text.matchAll(/\): (.+)/g)].map((m) => m[1]!.trim());
  return (details.at(-1) ?? minors.at(-1) ?? 'HDF5 error').slice(0, 200);
}

/** Opens an HDF5 file read-only; a file HDF5 cannot read is refused with its name. */
async function openH5(file: string, shown: string): Promise<H5File> {
  // HDF5 errors thrown as JS errors (refused with the file's name below), not printed to stderr.
  const { File } = await loadH5();
  try {
    const f = new File(file, 'r');
    // h5wasm answers a file it could not open with a file id of 0 (no throw) on some errors.
    if (!f.file_id) throw new Error('not an HDF5 file');
    return f;
  } catch (err) {
    fail(shown, `not a readable HDF5 file (${hdf5Reason(err)}); it may be truncated or damaged: save the model again`);
  }
}

/** A dataset's values as float32, checked: float32 or float64, at most the parameter cap, all finite. */
function readArray(ds: Dataset, shown: string, label: string, budget: { left: number }): WeightArray {
  const shape = ds.shape ?? [];
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > budget.left) fail(shown, `the weights hold more than the ${fmt(LAYER_LIMITS.params.max)} parameters allowed`);
  budget.left -= n;
  const meta = ds.metadata;
  // Floats for weights; integers too (an adapted Normalization layer's sample count is an int64), read as numbers.
  if ((meta.type !== 1 /* H5T_FLOAT */ && meta.type !== 0) /* H5T_INTEGER */ || meta.size > 8) fail(shown, `weight ${label}: not numbers (float or integer)`);
  const value = ds.value;
  // A scalar dataset (shape []) reads as one number.
  const numbers =
    typeof value === 'number'
      ? [value]
      : typeof value === 'bigint'
        ? [Number(value)]
        : value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array || value instanceof Int8Array
          ? value
          : value instanceof BigInt64Array || value instanceof BigUint64Array
            ? Array.from(value, Number)
            : value instanceof Int16Array || value instanceof Uint16Array || value instanceof Uint32Array
              ? value
              : null;
  if (numbers === null || numbers.length !== n) fail(shown, `weight ${label}: could not be read as ${fmt(n)} numbers`);
  const data = Float32Array.from(numbers);
  if (!data.every(Number.isFinite)) fail(shown, `weight ${label} holds NaN or infinite values`);
  return { name: label, shape, data };
}

/** The weights of a Keras 3 `model.weights.h5`, by layer name: `layers/<key>/vars/<i>`, the key's layer named by its `name` attribute or, in files without one, by Keras's snake-case naming of the model's layers. */
function kerasWeights(f: H5File, shown: string, layers: LayerEntry[], sequential: boolean): Map<string, WeightArray[]> {
  const out = new Map<string, WeightArray[]>();
  const root = f.get('layers');
  if (!(root instanceof h5Module().Group)) return out;
  // The names Keras gives its layers in the file when no `name` attribute says: dense, dense_1, … in the model's order.
  const byKey = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const l of layers) {
    if (sequential && l.class_name === 'InputLayer') continue;
    const base = snakeCase(l.class_name);
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    if (typeof l.config.name === 'string') byKey.set(n === 0 ? base : `${base}_${n}`, l.config.name);
  }
  const budget = { left: LAYER_LIMITS.params.max };
  for (const key of root.keys().slice(0, MAX_RAW_LAYERS + 8)) {
    const vars = f.get(`layers/${key}/vars`);
    if (!(vars instanceof h5Module().Group)) continue;
    const attr = vars.attrs.name?.value;
    const layerName = typeof attr === 'string' ? attr : (byKey.get(key) ?? key);
    const keys = vars.keys().filter((k) => /^\d+$/.test(k));
    keys.sort((a, b) => Number(a) - Number(b));
    const arrays: WeightArray[] = [];
    for (const k of keys) {
      const ds = f.get(`layers/${key}/vars/${k}`);
      if (!(ds instanceof h5Module().Dataset)) fail(shown, `layers/${key}/vars/${k} is not a dataset`);
      arrays.push(readArray(ds, shown, `${layerName}/${k}`, budget));
    }
    out.set(layerName, arrays);
  }
  return out;
}

/** The weights of a legacy full-model .h5, by layer name: `model_weights/<layer>` lists its `weight_names`, each a dataset under it. */
function legacyWeights(f: H5File, shown: string): Map<string, WeightArray[]> {
  const out = new Map<string, WeightArray[]>();
  const root = f.get('model_weights');
  if (!(root instanceof h5Module().Group)) fail(shown, 'has a model_config but no model_weights group: the model was saved without its weights');
  const budget = { left: LAYER_LIMITS.params.max };
  const names = root.attrs.layer_names?.value;
  const layerNames = Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : root.keys();
  for (const layer of layerNames.slice(0, MAX_RAW_LAYERS + 8)) {
    const group = f.get(`model_weights/${layer}`);
    if (!(group instanceof h5Module().Group)) continue;
    const wn = group.attrs.weight_names?.value;
    const weightNames = Array.isArray(wn) ? wn.filter((n): n is string => typeof n === 'string') : [];
    const arrays: WeightArray[] = [];
    for (const w of weightNames) {
      const ds = f.get(`model_weights/${layer}/${w}`);
      if (!(ds instanceof h5Module().Dataset)) fail(shown, `weight ${w} of layer ${layer} is listed but missing (model_weights/${layer}/${w})`);
      arrays.push(readArray(ds, shown, w, budget));
    }
    out.set(layer, arrays);
  }
  return out;
}

/** Reads and checks the config and weights, then lays the weights out as the library stores them. */
function assemble(file: string, config: unknown, weightsFor: (layers: LayerEntry[], sequential: boolean) => Map<string, WeightArray[]>): KerasModel {
  const { name, layers: chain } = linearLayers(file, config);
  const sequential = (config as { class_name?: unknown }).class_name === 'Sequential';
  const byLayer = weightsFor(chain, sequential);
  const { layers, normalization } = takePreprocessing(file, chain, (n) => byLayer.get(n) ?? []);
  // A Sequential model without an InputLayer records its input in build_input_shape / build_config.
  const topConfig = (config as { config?: Record<string, unknown> }).config ?? {};
  const buildShape = topConfig.build_input_shape ?? (config as { build_config?: { input_shape?: unknown } }).build_config?.input_shape;
  const first = layers[0];
  if (first && first.class_name !== 'InputLayer' && first.config.batch_input_shape === undefined && first.config.batch_shape === undefined && Array.isArray(buildShape)) {
    layers[0] = { ...first, config: { ...first.config, batch_input_shape: buildShape } };
  }
  let topology: ParsedTopology;
  try {
    topology = parseTopology({ class_name: 'Sequential', config: { name, layers: layers.map((l) => ({ class_name: l.class_name, config: l.config })) } });
  } catch (err) {
    if (err instanceof TopologyError) fail(file, err.message);
    throw err;
  }
  const names = canonicalLayerNames(topology.spec);
  const read: ReadWeight[] = [];
  const used = new Set<string>();
  for (const exp of topology.weights) {
    const arrays = byLayer.get(exp.layer);
    const position = topology.weights.filter((w) => w.index === exp.index).indexOf(exp);
    const arr = arrays?.[position];
    if (!arr) fail(file, `layer "${exp.layer}" has no weight ${exp.weight} (shape [${exp.shape.join(', ')}]); was the model saved after it was built?`);
    if (arr.shape.length !== exp.shape.length || arr.shape.some((d, i) => d !== exp.shape[i]))
      fail(file, `weight ${exp.weight} of layer "${exp.layer}" has shape [${arr.shape.join(', ')}] but the layer needs [${exp.shape.join(', ')}]`);
    used.add(exp.layer);
    read.push({ spec: { name: `${names[exp.index]}/${exp.weight}`, shape: exp.shape, dtype: 'float32' }, data: arr.data });
  }
  for (const layer of layers) {
    const n = typeof layer.config.name === 'string' ? layer.config.name : '';
    if (!used.has(n) && (byLayer.get(n)?.length ?? 0) > 0)
      fail(file, `layer "${n.slice(0, 100)}" (${layer.class_name.slice(0, 100)}) holds weights the studio's layer has no place for`);
  }
  return { topology: canonicalTopology(topology.spec, topology.spec.name), ...inLibraryOrder(topology.spec, read), spec: topology.spec, normalization, name };
}

function parseConfigText(shown: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    fail(shown, `its model config is not valid JSON (${(err as Error).message.slice(0, 200)})`);
  }
}

/** A `.weights.h5` (Keras 3 `save_weights`) holds weights only: no network to build them into. */
const WEIGHTS_ONLY = 'holds weights only (model.save_weights), not the network: save the whole model with model.save("model.keras") and import that file';

/**
 * Reads a `.keras` or legacy `.h5` file. Every refusal names the file (the
 * one the user gave, not a temporary copy) and says what is wrong or what
 * to save instead.
 */
export async function readKerasFile(given: string, shown: string, zipLimits: ZipLimits): Promise<KerasModel> {
  if (/\.weights\.h5$/i.test(given)) fail(shown, WEIGHTS_ONLY);
  if (/\.keras$/i.test(given)) {
    const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'mnist-studio-keras-'));
    try {
      let names: string[];
      try {
        names = await extractFlatZip(given, staging, zipLimits);
      } catch (err) {
        if (err instanceof ZipError) fail(shown, `not a readable .keras file (${err.message.split(`${given}: `).join('')}); it may be truncated or damaged: save the model again`);
        throw err;
      }
      if (!names.includes('config.json') || !names.includes('model.weights.h5'))
        fail(shown, `a .keras file holds config.json and model.weights.h5; this one holds ${names.slice(0, 5).join(', ') || 'nothing'}`);
      const configFile = path.join(staging, 'config.json');
      const size = (await fs.stat(configFile)).size;
      if (size > MAX_CONFIG_BYTES) fail(shown, `config.json is ${fmt(size)} bytes; at most ${fmt(MAX_CONFIG_BYTES)} are allowed`);
      const config = parseConfigText(shown, await fs.readFile(configFile, 'utf8'));
      const h5 = await openH5(path.join(staging, 'model.weights.h5'), `${shown} (model.weights.h5)`);
      try {
        const inner = `${shown} (model.weights.h5)`;
        return assemble(shown, config, (layers, sequential) => reading(inner, () => kerasWeights(h5, inner, layers, sequential)));
      } finally {
        h5.close();
      }
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }
  const h5 = await openH5(given, shown);
  try {
    const configAttr = reading(shown, () => h5.attrs.model_config?.value);
    if (typeof configAttr !== 'string') {
      if (reading(shown, () => h5.get('layers') instanceof h5Module().Group || h5.get('model_weights') instanceof h5Module().Group || h5.attrs.layer_names !== undefined))
        fail(shown, WEIGHTS_ONLY);
      fail(shown, 'an HDF5 file without a model_config: not a Keras model saved with model.save("model.h5"); save it with model.save("model.keras") and import that');
    }
    if (configAttr.length > MAX_CONFIG_BYTES) fail(shown, `its model_config is ${fmt(configAttr.length)} characters; at most ${fmt(MAX_CONFIG_BYTES)} are allowed`);
    const config = parseConfigText(shown, configAttr);
    return assemble(shown, config, () => reading(shown, () => legacyWeights(h5, shown)));
  } finally {
    h5.close();
  }
}

/** A TensorFlow SavedModel folder: what to do instead of importing it. */
export const SAVED_MODEL_ADVICE =
  'a TensorFlow SavedModel folder, which the studio does not read: load it in Keras and save it as one file (keras.saving.save_model(model, "model.keras")), then import the .keras file';
