import { z } from 'zod';
import { fraction, type LayerDef } from './common';

const flattenSchema = z.object({ type: z.literal('flatten') }).strict();
export type FlattenSpec = z.output<typeof flattenSchema>;
const dropoutSchema = z.object({ type: z.literal('dropout'), rate: fraction() }).strict();
export type DropoutSpec = z.output<typeof dropoutSchema>;

/** An image-shaped input as one vector (channels fastest, as TF.js lays it out). */
export const flatten = {
  type: 'flatten',
  schema: flattenSchema,
  fields: [],
  optional: [],
  color: 'var(--series-4)',
  summary: () => 'flatten',
  output: (_layer, input) => (input.length === 1 ? { code: 'already-flat' } : [input.reduce((a, b) => a * b, 1)]),
  weights: () => [],
} satisfies LayerDef<FlattenSpec>;

/** Zeroes a share `rate` of the values while training (scaling the rest up); nothing at inference. */
export const dropout = {
  type: 'dropout',
  schema: dropoutSchema,
  fields: ['rate'],
  optional: [],
  color: 'var(--series-5)',
  summary: (layer) => `dropout ${layer.rate}`,
  output: (_layer, input) => input,
  weights: () => [],
} satisfies LayerDef<DropoutSpec>;
