import { z } from 'zod';
import { limited, poolOutput, type LayerDef } from './common';

const maxSchema = z.object({ type: z.literal('maxPooling2d'), poolSize: limited('poolSize').default(2), strides: limited('strides').optional() }).strict();
export type MaxPooling2dSpec = z.output<typeof maxSchema>;
const averageSchema = z.object({ type: z.literal('averagePooling2d'), poolSize: limited('poolSize').default(2), strides: limited('strides').optional() }).strict();
export type AveragePooling2dSpec = z.output<typeof averageSchema>;
const globalSchema = z.object({ type: z.literal('globalAveragePooling2d') }).strict();
export type GlobalAveragePooling2dSpec = z.output<typeof globalSchema>;

const poolSummary = (name: string, layer: { poolSize: number; strides?: number | undefined }) =>
  `${name} ${layer.poolSize}${layer.strides !== undefined && layer.strides !== layer.poolSize ? `/${layer.strides}` : ''}`;

/** The maximum of each window ("valid"; the stride defaults to the window). */
export const maxPooling2d = {
  type: 'maxPooling2d',
  schema: maxSchema,
  fields: ['poolSize', 'strides'],
  optional: ['poolSize', 'strides'],
  color: 'var(--series-6)',
  summary: (layer) => poolSummary('maxpool', layer),
  output: poolOutput,
  weights: () => [],
} satisfies LayerDef<MaxPooling2dSpec>;

/** The mean of each window ("valid"; the stride defaults to the window). */
export const averagePooling2d = {
  type: 'averagePooling2d',
  schema: averageSchema,
  fields: ['poolSize', 'strides'],
  optional: ['poolSize', 'strides'],
  color: 'var(--series-2)',
  summary: (layer) => poolSummary('avgpool', layer),
  output: poolOutput,
  weights: () => [],
} satisfies LayerDef<AveragePooling2dSpec>;

/** The mean of each channel over the whole image: [h, w, c] → [c]. */
export const globalAveragePooling2d = {
  type: 'globalAveragePooling2d',
  schema: globalSchema,
  fields: [],
  optional: [],
  color: 'var(--series-8)',
  summary: () => 'global avgpool',
  output: (layer, input) => (input.length !== 3 ? { code: 'needs-image-input', input, layer: layer.type } : [input[2]!]),
  weights: () => [],
} satisfies LayerDef<GlobalAveragePooling2dSpec>;
