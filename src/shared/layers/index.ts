/**
 * The layer registry, its pure side: one module per layer type. The shape
 * check, the schema and the editor iterate `LAYERS`; the TF side
 * (src/main/trainer/layers/) registers the same types, checked at compile time.
 */
import { z } from 'zod';
import { batchNormalization } from './batch-normalization';
import type { LayerDef, LayerProblem, WeightDecl } from './common';
import { conv2d } from './conv2d';
import { dense } from './dense';
import { averagePooling2d, globalAveragePooling2d, maxPooling2d } from './pooling';
import { dropout, flatten } from './shape';

/** Every layer type, in the order the editor offers them. */
export const LAYERS = { dense, conv2d, maxPooling2d, averagePooling2d, globalAveragePooling2d, batchNormalization, flatten, dropout } as const;
export type LayerType = keyof typeof LAYERS;
export const LAYER_TYPES = Object.keys(LAYERS) as LayerType[];

/** Checks a layer by its `type`; an unknown type is named in the message. */
export const LayerSchema = z.discriminatedUnion(
  'type',
  [dense.schema, conv2d.schema, maxPooling2d.schema, averagePooling2d.schema, globalAveragePooling2d.schema, batchNormalization.schema, flatten.schema, dropout.schema],
  { error: `type must be one of ${LAYER_TYPES.join(', ')}` },
);
/** One layer's settings, as the schema gives them (defaults filled in). */
export type LayerSpec = z.output<typeof LayerSchema>;
export type LayerSpecInput = z.input<typeof LayerSchema>;
/** The settings of one type of layer. */
export type LayerSpecOf<T extends LayerType> = Extract<LayerSpec, { type: T }>;
// Compile-time: the schema's union and the registry list the same types.
const sameTypes: [LayerSpec['type'], LayerType] extends [LayerType, LayerSpec['type']] ? true : never = true;
void sameTypes;

/** The module of a layer's type, typed for that layer (the registry's one cast: TS cannot correlate `LAYERS[layer.type]` with `layer`). */
export function layerDef<T extends LayerType>(layer: LayerSpecOf<T>): LayerDef<LayerSpecOf<T>> {
  return LAYERS[layer.type] as unknown as LayerDef<LayerSpecOf<T>>;
}

/** A layer's output shape and parameter count (every weight it declares), or what is wrong. */
export function layerOutput(layer: LayerSpec, input: number[]): { shape: number[]; params: number; weights: WeightDecl[] } | LayerProblem {
  const def = layerDef(layer);
  const shape = def.output(layer, input);
  if (!Array.isArray(shape)) return shape;
  const weights = def.weights(layer, input);
  return { shape, weights, params: weights.reduce((sum, w) => sum + w.shape.reduce((p, d) => p * d, 1), 0) };
}

export type { ImageLayerType, LayerDef, LayerField, LayerProblem, WeightDecl } from './common';
export { Activation, ACTIVATIONS, LAYER_LIMITS, wholeNumber } from './common';
