/**
 * The layer registry, its TF side: for every type of the shared registry
 * (src/shared/layers/) its tfjs-layers construction, native forward and
 * backward, and ONNX and Keras mappings. `MAIN_LAYERS` is typed by the
 * shared types: a shared layer without its TF side does not compile.
 */
import type { LayerSpec, LayerSpecOf, LayerType } from '@shared/model-spec';
import { batchNormalization } from './batch-normalization';
import { conv2d } from './conv2d';
import { dense } from './dense';
import { averagePooling2d, globalAveragePooling2d, maxPooling2d } from './pooling';
import { dropout, flatten } from './shape';
import type { MainLayerDef } from './types';

export const MAIN_LAYERS: { readonly [T in LayerType]: MainLayerDef<LayerSpecOf<T>> } = {
  dense,
  conv2d,
  maxPooling2d,
  averagePooling2d,
  globalAveragePooling2d,
  batchNormalization,
  flatten,
  dropout,
};

/** The TF side of a layer's type, typed for that layer (TS cannot correlate `MAIN_LAYERS[layer.type]` with `layer`). */
export function mainLayer<S extends LayerSpec>(layer: S): MainLayerDef<S> {
  return MAIN_LAYERS[layer.type] as unknown as MainLayerDef<S>;
}

export type { BuildContext, KerasLayer, MainLayerDef, NativeContext, OnnxContext } from './types';
