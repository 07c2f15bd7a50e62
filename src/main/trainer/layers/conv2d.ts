import type { Conv2dSpec } from '@shared/layers/conv2d';
import { Conv2dLayer, StockConv2dLayer } from '../native/conv';
import { poolWindowAttrs } from '../native/pooling';
import { PhaseConv2dLayer } from '../native/folded-conv';
import { MaxPoolLayer } from '../native/layers';
import { convKernelToOihw, int, ints, samePads } from './onnx-graph';
import { torchActivation } from './pytorch';
import type { MainLayerDef } from './types';

export const conv2d: MainLayerDef<Conv2dSpec> = {
  type: 'conv2d',
  build: (layer, { tf, input, kernelInitializer }) =>
    tf.layers.conv2d({
      ...input,
      filters: layer.filters,
      kernelSize: layer.kernelSize,
      strides: layer.strides,
      padding: layer.padding,
      activation: layer.activation,
      kernelInitializer: kernelInitializer(),
    }),
  native(layer, { s, params, input, output, next, kernels, graphs }) {
    // A max pooling right after it runs inside it (folded, or between the convolution and its bias); the pooling layer is then the identity.
    if (graphs) return new StockConv2dLayer(s, params, layer, input, next?.type === 'maxPooling2d' ? poolWindowAttrs(s, next) : null);
    if (PhaseConv2dLayer.fits(layer, next, input, output)) return new PhaseConv2dLayer(s, params, layer, input, output, kernels);
    const pool = next?.type === 'maxPooling2d' ? new MaxPoolLayer(s, next, true) : null;
    return new Conv2dLayer(s, params, layer, input, kernels, pool);
  },
  onnx(layer, { g, prefix, input, weights: [kernel, bias] }) {
    g.toNchw(prefix);
    const [h, wd, cin] = input as [number, number, number];
    const k = layer.kernelSize;
    if (kernel?.length !== k * k * cin * layer.filters || bias?.length !== layer.filters) throw new Error(`${prefix}: weights do not fit the layer`);
    const w = g.weight(`${prefix}_W`, [layer.filters, cin, k, k], convKernelToOihw(kernel, k, k, cin, layer.filters));
    const b = g.weight(`${prefix}_B`, [layer.filters], bias);
    const [top, bottom] = layer.padding === 'same' ? samePads(h, k, layer.strides) : [0, 0];
    const [left, right] = layer.padding === 'same' ? samePads(wd, k, layer.strides) : [0, 0];
    g.node('Conv', [g.current, w, b], prefix, [
      ints('kernel_shape', [k, k]),
      ints('strides', [layer.strides, layer.strides]),
      ints('pads', [top, left, bottom, right]),
      ints('dilations', [1, 1]),
      int('group', 1),
    ]);
    g.activate(layer.activation, prefix);
  },
  keras: (layer) => ({
    class_name: 'Conv2D',
    config: {
      filters: layer.filters,
      kernel_size: [layer.kernelSize, layer.kernelSize],
      strides: [layer.strides, layer.strides],
      padding: layer.padding,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: layer.activation,
      use_bias: true,
    },
  }),
  pytorch(layer, input) {
    const [h, w, c] = input as [number, number, number];
    const conv = (padding: string) => `nn.Conv2d(${c}, ${layer.filters}, ${layer.kernelSize}, stride=${layer.strides}${padding})`;
    const same = layer.padding === 'same';
    const [top, bottom] = same ? samePads(h, layer.kernelSize, layer.strides) : [0, 0];
    const [left, right] = same ? samePads(w, layer.kernelSize, layer.strides) : [0, 0];
    // TF's "same" puts the odd pixel after (bottom, right); PyTorch pads evenly, so an uneven pad is a layer of its own.
    const modules =
      top === bottom && left === right ? [conv(top + left > 0 ? `, padding=(${top}, ${left})` : '')] : [`nn.ZeroPad2d((${left}, ${right}, ${top}, ${bottom}))`, conv('')];
    return [...modules, ...torchActivation(layer.activation)];
  },
};
