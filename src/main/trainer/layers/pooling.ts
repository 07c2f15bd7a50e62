import type { AveragePooling2dSpec, GlobalAveragePooling2dSpec, MaxPooling2dSpec } from '@shared/layers/pooling';
import { IdentityLayer } from '../native/layer';
import { MaxPoolLayer } from '../native/layers';
import { AvgPoolLayer, GlobalAvgPoolLayer } from '../native/pooling';
import { int, ints } from './onnx-graph';
import type { MainLayerDef, OnnxContext } from './types';

/** A "valid" pooling window as ONNX writes it (NCHW). */
function onnxPool(op: 'MaxPool' | 'AveragePool', layer: { poolSize: number; strides?: number | undefined }, { g, prefix }: OnnxContext): void {
  g.toNchw(prefix);
  const s = layer.strides ?? layer.poolSize;
  g.node(op, [g.current], prefix, [ints('kernel_shape', [layer.poolSize, layer.poolSize]), ints('strides', [s, s]), ints('pads', [0, 0, 0, 0])]);
}

const kerasPool = (className: string, layer: { poolSize: number; strides?: number | undefined }) => {
  const s = layer.strides ?? layer.poolSize;
  return { class_name: className, config: { pool_size: [layer.poolSize, layer.poolSize], padding: 'valid', strides: [s, s], data_format: 'channels_last' } };
};

export const maxPooling2d: MainLayerDef<MaxPooling2dSpec> = {
  type: 'maxPooling2d',
  build: (layer, { tf, input }) => tf.layers.maxPooling2d({ ...input, poolSize: layer.poolSize, strides: layer.strides ?? layer.poolSize }),
  // Pooled inside the convolution before it (see conv2d), or on its own.
  native: (layer, { s, prev, backprop }) => (prev?.type === 'conv2d' ? new IdentityLayer() : new MaxPoolLayer(s, layer, backprop)),
  onnx: (layer, ctx) => onnxPool('MaxPool', layer, ctx),
  keras: (layer) => kerasPool('MaxPooling2D', layer),
  pytorch: (layer) => [`nn.MaxPool2d(${layer.poolSize}, stride=${layer.strides ?? layer.poolSize})`],
};

export const averagePooling2d: MainLayerDef<AveragePooling2dSpec> = {
  type: 'averagePooling2d',
  build: (layer, { tf, input }) => tf.layers.averagePooling2d({ ...input, poolSize: layer.poolSize, strides: layer.strides ?? layer.poolSize }),
  native: (layer, { s, input }) => new AvgPoolLayer(s, layer, input),
  onnx: (layer, ctx) => onnxPool('AveragePool', layer, ctx),
  keras: (layer) => kerasPool('AveragePooling2D', layer),
  // "valid": no padding, so the mean is always over the whole window.
  pytorch: (layer) => [`nn.AvgPool2d(${layer.poolSize}, stride=${layer.strides ?? layer.poolSize})`],
};

export const globalAveragePooling2d: MainLayerDef<GlobalAveragePooling2dSpec> = {
  type: 'globalAveragePooling2d',
  build: (_layer, { tf, input }) => tf.layers.globalAveragePooling2d({ ...input, dataFormat: 'channelsLast' }),
  native: (_layer, { s, input }) => new GlobalAvgPoolLayer(s, input),
  onnx(_layer, { g, prefix }) {
    g.toNchw(prefix);
    g.node('GlobalAveragePool', [g.current], prefix);
    g.node('Flatten', [g.current], `${prefix}_flat`, [int('axis', 1)]);
    g.layout = 'flat';
  },
  keras: () => ({ class_name: 'GlobalAveragePooling2D', config: { data_format: 'channels_last' } }),
  pytorch: () => ['nn.AdaptiveAvgPool2d(1)', 'nn.Flatten()'],
};
