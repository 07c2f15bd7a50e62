import type { DenseSpec } from '@shared/layers/dense';
import { DenseLayer } from '../native/layers';
import { torchActivation } from './pytorch';
import type { MainLayerDef } from './types';

export const dense: MainLayerDef<DenseSpec> = {
  type: 'dense',
  build: (layer, { tf, input, kernelInitializer }) => tf.layers.dense({ ...input, units: layer.units, activation: layer.activation, kernelInitializer: kernelInitializer() }),
  native: (layer, { s, params }) => new DenseLayer(s, params, layer.activation),
  onnx(layer, { g, prefix, input, weights: [kernel, bias] }) {
    if (kernel?.length !== input[0]! * layer.units || bias?.length !== layer.units) throw new Error(`${prefix}: weights do not fit the layer`);
    g.node('Gemm', [g.current, g.weight(`${prefix}_W`, [input[0]!, layer.units], kernel), g.weight(`${prefix}_B`, [layer.units], bias)], prefix);
    g.activate(layer.activation, prefix);
  },
  keras: (layer) => ({ class_name: 'Dense', config: { units: layer.units, activation: layer.activation, use_bias: true } }),
  pytorch: (layer, input) => [`nn.Linear(${input[0]!}, ${layer.units})`, ...torchActivation(layer.activation)],
};
