/**
 * A library model as a Keras 3 `.keras` file, the format
 * `keras.saving.load_model` opens: a zip of metadata.json, config.json (a
 * Sequential model: an InputLayer, a Rescaling layer holding the model's
 * normalisation, then each layer as the registry maps it to Keras) and
 * model.weights.h5 (written with h5wasm, laid out as Keras's own saving
 * does: `layers/<snake_case class>[_n]/vars/<i>`). The file takes raw
 * pixels (0–255, [N, 28, 28, 1]) and answers the ten logits.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadH5 } from './h5';
import { describeModel, INPUT_SHAPE, weightLayout, type ModelSpec } from '@shared/model-spec';
import { mainLayer } from '../trainer/layers';
import { writeZip } from './zip';

/** The Keras version whose file layout this writes (metadata only: loading reads config.json and the weights). */
const KERAS_FORMAT_VERSION = '3.0.0';

const POLICY = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null } as const;

/** Keras's `to_snake_case`: how its weights file names the layers it holds. */
function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Names unique as Keras makes them: `dense`, `dense_1`, … */
function uniqueNames(bases: string[]): string[] {
  const used = new Map<string, number>();
  return bases.map((base) => {
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  });
}

export interface KerasExportOptions {
  name: string;
  normalization: { mean: number; std: number };
  /** The app's version, for metadata.json. */
  producer: string;
}

/** config.json's model: a Sequential of InputLayer, Rescaling (the normalisation) and the network's layers. */
export function kerasConfig(spec: ModelSpec, options: KerasExportOptions): { config: object; layerClasses: string[] } {
  const summary = describeModel(spec);
  const { mean, std } = options.normalization;
  const batch = (shape: readonly number[]) => [null, ...shape];
  const classes = ['Rescaling', ...spec.layers.map((l) => mainLayer(l).keras(l).class_name)];
  const names = uniqueNames(classes.map(snakeCase));
  const layers: object[] = [
    {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: batch(INPUT_SHAPE), dtype: 'float32', sparse: false, name: 'input_layer' },
      registered_name: null,
    },
    {
      module: 'keras.layers',
      class_name: 'Rescaling',
      // (p / 255 − mean) / std = p · scale + offset
      config: { name: names[0], trainable: true, dtype: POLICY, scale: 1 / (255 * std), offset: -mean / std },
      registered_name: null,
      build_config: { input_shape: batch(INPUT_SHAPE) },
    },
  ];
  let input: readonly number[] = INPUT_SHAPE;
  spec.layers.forEach((layer, i) => {
    const keras = mainLayer(layer).keras(layer);
    layers.push({
      module: 'keras.layers',
      class_name: keras.class_name,
      config: { name: names[i + 1], trainable: true, dtype: POLICY, ...keras.config },
      registered_name: null,
      build_config: { input_shape: batch(input) },
    });
    input = summary.layers[i]!.outputShape!;
  });
  const modelName = options.name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '') || 'model';
  return {
    config: {
      module: 'keras',
      class_name: 'Sequential',
      config: { name: modelName.slice(0, 100), trainable: true, dtype: POLICY, layers },
      registered_name: null,
      build_config: { input_shape: batch(INPUT_SHAPE) },
    },
    layerClasses: classes,
  };
}

/** Writes model.weights.h5: each layer's weights (in its declared order, Keras's too) under `layers/<name>/vars/<i>`. */
async function writeWeights(file: string, classes: string[], weights: Float32Array[][], shapes: number[][][]): Promise<void> {
  const { File } = await loadH5();
  const f = new File(file, 'w');
  try {
    const root = f.create_group('layers');
    const names = uniqueNames(classes.map(snakeCase));
    // The Rescaling layer first: no weights; then the network's layers.
    const all = [[], ...weights];
    const allShapes = [[], ...shapes];
    names.forEach((name, i) => {
      const group = root.create_group(name);
      const vars = group.create_group('vars');
      all[i]!.forEach((data, k) => vars.create_dataset({ name: String(k), data, shape: allShapes[i]![k]!, dtype: '<f' }));
    });
    f.create_group('vars');
    f.flush();
  } finally {
    f.close();
  }
}

/** The .keras file's bytes for a model: its spec, its weights per layer (see `layerWeights`) and its normalisation. */
export async function buildKerasFile(dest: string, spec: ModelSpec, weights: Float32Array[][], options: KerasExportOptions): Promise<void> {
  const { config, layerClasses } = kerasConfig(spec, options);
  const shapes = weightLayout(spec).map((slots) => slots.map((slot) => slot.shape));
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'mnist-studio-keras-export-'));
  try {
    const h5 = path.join(staging, 'model.weights.h5');
    await writeWeights(h5, layerClasses, weights, shapes);
    await writeZip(dest, [
      { name: 'metadata.json', data: JSON.stringify({ keras_version: KERAS_FORMAT_VERSION, date_saved: new Date().toISOString(), exported_by: options.producer }) },
      { name: 'config.json', data: JSON.stringify(config) },
      { name: 'model.weights.h5', file: h5 },
    ]);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
