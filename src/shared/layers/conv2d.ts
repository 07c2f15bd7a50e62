import { z } from 'zod';
import { Activation, limited, spatial, type LayerDef } from './common';

const schema = z
  .object({
    type: z.literal('conv2d'),
    filters: limited('filters'),
    kernelSize: limited('kernelSize'),
    strides: limited('strides').default(1),
    padding: z.enum(['valid', 'same'], { error: 'padding must be valid or same' }).default('valid'),
    activation: Activation.default('linear'),
  })
  .strict();
export type Conv2dSpec = z.output<typeof schema>;

/** A 2-D convolution: kernel [k, k, in channels, filters] and bias. */
export const conv2d = {
  type: 'conv2d',
  schema,
  fields: ['filters', 'kernelSize', 'strides', 'padding', 'activation'],
  optional: ['strides'],
  color: 'var(--series-3)',
  summary: (layer) =>
    `conv ${layer.filters}×${layer.kernelSize}²${layer.strides > 1 ? `/${layer.strides}` : ''}${layer.padding === 'same' ? ' same' : ''}${layer.activation === 'linear' ? '' : ` ${layer.activation}`}`,
  output(layer, input) {
    if (input.length !== 3) return { code: 'needs-image-input', input, layer: 'conv2d' };
    const [h, w] = input as [number, number, number];
    const oh = spatial(h, layer.kernelSize, layer.strides, layer.padding);
    const ow = spatial(w, layer.kernelSize, layer.strides, layer.padding);
    if (oh < 1 || ow < 1) return { code: 'kernel-too-large', field: 'kernelSize', size: layer.kernelSize, height: h, width: w };
    return [oh, ow, layer.filters];
  },
  weights: (layer, input) => [
    { name: 'kernel', shape: [layer.kernelSize, layer.kernelSize, input[2]!, layer.filters], trainable: true },
    { name: 'bias', shape: [layer.filters], trainable: true },
  ],
} satisfies LayerDef<Conv2dSpec>;
