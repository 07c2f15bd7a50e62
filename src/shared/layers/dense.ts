import { z } from 'zod';
import { Activation, limited, type LayerDef } from './common';

const schema = z.object({ type: z.literal('dense'), units: limited('units'), activation: Activation.default('linear') }).strict();
export type DenseSpec = z.output<typeof schema>;

/** A fully connected layer: kernel [in, units] and bias. */
export const dense = {
  type: 'dense',
  schema,
  fields: ['units', 'activation'],
  optional: [],
  color: 'var(--series-1)',
  summary: (layer) => `dense ${layer.units}${layer.activation === 'linear' ? '' : ` ${layer.activation}`}`,
  output: (layer, input) => (input.length !== 1 ? { code: 'needs-flat-input', input } : [layer.units]),
  weights: (layer, input) => [
    { name: 'kernel', shape: [input[0]!, layer.units], trainable: true },
    { name: 'bias', shape: [layer.units], trainable: true },
  ],
} satisfies LayerDef<DenseSpec>;
