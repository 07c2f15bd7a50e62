import type { BatchNormalizationSpec } from '@shared/layers/batch-normalization';
import { BatchNormLayer } from '../native/batch-norm';
import { float } from './onnx-graph';
import type { MainLayerDef } from './types';

export const batchNormalization: MainLayerDef<BatchNormalizationSpec> = {
  type: 'batchNormalization',
  build: (layer, { tf, input }) => tf.layers.batchNormalization({ ...input, axis: -1, momentum: layer.momentum, epsilon: layer.epsilon }),
  native: (layer, { s, params, input }) => new BatchNormLayer(s, params, layer, input),
  // Inference mode: the moving mean and variance. ONNX normalises axis 1 (NCHW's channels, or a flat input's features).
  onnx(layer, { g, prefix, input, weights }) {
    const c = input.at(-1)!;
    if (weights.length !== 4 || weights.some((w) => w.length !== c)) throw new Error(`${prefix}: weights do not fit the layer`);
    if (input.length === 3) g.toNchw(prefix);
    const names = ['scale', 'B', 'mean', 'var'].map((n, i) => g.weight(`${prefix}_${n}`, [c], weights[i]!));
    g.node('BatchNormalization', [g.current, ...names], prefix, [float('epsilon', layer.epsilon)]);
  },
  keras: (layer) => ({ class_name: 'BatchNormalization', config: { axis: -1, momentum: layer.momentum, epsilon: layer.epsilon, center: true, scale: true } }),
  // PyTorch's momentum weighs the new batch: 1 − Keras's. Channels are axis 1 in NCHW, the only axis of a flat input.
  pytorch: (layer, input) => [`nn.BatchNorm${input.length === 3 ? '2d' : '1d'}(${input.at(-1)!}, eps=${layer.epsilon}, momentum=${Number((1 - layer.momentum).toPrecision(12))})`],
};
