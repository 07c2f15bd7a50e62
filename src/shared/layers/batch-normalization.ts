import { z } from 'zod';
import { fraction, type LayerDef } from './common';

const schema = z
  .object({
    type: z.literal('batchNormalization'),
    momentum: fraction().default(0.99),
    epsilon: z
      .number({ error: 'must be a number above 0 and at most 0.1' })
      .gt(0, { error: 'must be a number above 0 and at most 0.1' })
      .max(0.1, { error: 'must be a number above 0 and at most 0.1' })
      .default(0.001),
  })
  .strict();
export type BatchNormalizationSpec = z.output<typeof schema>;

/**
 * Normalises each channel (the last axis) by the batch's mean and variance
 * while training, by their moving averages at evaluation and in exports;
 * then scales (gamma) and shifts (beta). The moving mean and variance are
 * weights too, updated by the training rule m ← m − (m − batch)·(1 − momentum), not by gradients.
 */
export const batchNormalization = {
  type: 'batchNormalization',
  schema,
  fields: ['momentum'],
  optional: ['momentum'],
  color: 'var(--series-7)',
  summary: () => 'batchnorm',
  output: (_layer, input) => input,
  weights: (_layer, input) => {
    const c = [input.at(-1)!];
    return [
      { name: 'gamma', shape: c, trainable: true },
      { name: 'beta', shape: c, trainable: true },
      { name: 'moving_mean', shape: c, trainable: false },
      { name: 'moving_variance', shape: c, trainable: false },
    ];
  },
} satisfies LayerDef<BatchNormalizationSpec>;
