/**
 * How to train: the knobs, their defaults (the seed tutorial's) and their
 * ranges, each with a message that says what a valid value is.
 */
import { z } from 'zod';
import { CALLBACK_FIELDS } from './callbacks';
import { Augment } from './augment';
import { wholeNumber } from './model-spec';
import { Mix } from './mix';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** `cross-entropy` on the logits (the seed's), or mean squared error between the softmax and the one-hot label (which the seed also describes). */
export const LOSSES = ['cross-entropy', 'mse'] as const;
export type LossName = (typeof LOSSES)[number];

/**
 * Which engine trains: `auto` (absent) uses the native fast path when its
 * self-test at trainer start agrees with tfjs-layers, else tfjs-layers;
 * `native` insists (the run fails if the self-test does not pass);
 * `layers` always trains through tfjs-layers. All give the same model.
 */
export const TRAINING_PATHS = ['auto', 'native', 'layers'] as const;
export type TrainingPathChoice = (typeof TRAINING_PATHS)[number];

/** The momentum coefficient of the `momentum` optimizer (PyTorch's usual choice). */
export const SGD_MOMENTUM = 0.9;

/** Largest seed: seeds travel as 31-bit integers so every PRNG takes them as they are. */
export const MAX_SEED = 2 ** 31 - 1;

export const HYPERPARAM_LIMITS = {
  epochs: { min: 1, max: 1000 },
  batchSize: { min: 1, max: 8192 },
  learningRate: { min: 0, max: 10 },
  validationSplit: { min: 0, max: 0.5 },
  seed: { min: 0, max: MAX_SEED },
  limit: { min: 1, max: 10_000_000 },
  logEvery: { min: 1, max: 1_000_000 },
  threads: { min: 1, max: 256 },
} as const;

/** The seed tutorial's normalisation of MNIST pixels (after scaling to 0–1). */
export const MNIST_NORMALIZATION = { mean: 0.1307, std: 0.3081 } as const;

const L = HYPERPARAM_LIMITS;
const learningRateError = `must be a number above ${L.learningRate.min} and at most ${L.learningRate.max}`;
const splitError = `must be a number from ${L.validationSplit.min} to ${L.validationSplit.max}`;

export const Hyperparams = z
  .object({
    epochs: wholeNumber(L.epochs.min, L.epochs.max).default(5),
    batchSize: wholeNumber(L.batchSize.min, L.batchSize.max).default(64),
    learningRate: z.number({ error: learningRateError }).gt(L.learningRate.min, { error: learningRateError }).max(L.learningRate.max, { error: learningRateError }).default(0.001),
    optimizer: z.enum(OPTIMIZERS, { error: `must be one of ${OPTIMIZERS.join(', ')}` }).default('adam'),
    loss: z.enum(LOSSES, { error: `must be one of ${LOSSES.join(', ')}` }).default('cross-entropy'),
    /** Fraction of the training set held out to measure validation loss and accuracy after each epoch. */
    validationSplit: z.number({ error: splitError }).min(L.validationSplit.min, { error: splitError }).max(L.validationSplit.max, { error: splitError }).default(0),
    /** Fixes weight initialisation, shuffling, dropout and the validation split. Absent: the studio draws one and records it. */
    seed: wholeNumber(L.seed.min, L.seed.max).optional(),
    /** Train on at most this many training images (a random subset fixed by the seed). */
    limit: wholeNumber(L.limit.min, L.limit.max).optional(),
    /** Report loss and accuracy every this many batches. */
    logEvery: wholeNumber(L.logEvery.min, L.logEvery.max).default(100),
    /** Training engine (see TRAINING_PATHS); absent means `auto`. Does not change the result beyond float rounding. */
    trainingPath: z.enum(TRAINING_PATHS, { error: `must be one of ${TRAINING_PATHS.join(', ')}` }).optional(),
    /** TensorFlow intra-op threads of the trainer; absent: chosen from the network and the batch size (or TF_NUM_INTRAOP_THREADS when set). */
    threads: wholeNumber(L.threads.min, L.threads.max).optional(),
    /** Random transforms of each training image per batch (augment.ts), seeded by `seed`; absent: none. Validation and test images are never augmented. */
    augment: Augment.optional(),
    /** Fine-tuning on your own digits: a data set of the home mixed into each batch, part of it held out (mix.ts); absent: none. */
    mix: Mix.optional(),
    /** Pixels are scaled to 0–1, then (x − mean) / std; a saved model records these for prediction. */
    normalization: z
      .object({
        mean: z.number({ error: 'must be a number from 0 to 1' }).min(0, { error: 'must be a number from 0 to 1' }).max(1, { error: 'must be a number from 0 to 1' }),
        std: z
          .number({ error: 'must be a number above 0 and at most 1' })
          .gt(0, { error: 'must be a number above 0 and at most 1' })
          .max(1, { error: 'must be a number above 0 and at most 1' }),
      })
      .strict()
      .default({ ...MNIST_NORMALIZATION }),
    /** Early stopping, restoring the best epoch, learning-rate schedules (callbacks.ts). */
    ...CALLBACK_FIELDS,
  })
  .strict();

/** The training settings as given (every field optional: the defaults fill in). */
export type HyperparamsInput = z.input<typeof Hyperparams>;
/** The training settings after defaults; `seed` may still be open. */
export type Hyperparams = z.output<typeof Hyperparams>;
/** The settings a run actually used: the seed is always fixed. */
export type ResolvedHyperparams = Hyperparams & { seed: number };

/** The seed tutorial's configuration: Adam, lr 0.001, batch 64, 5 epochs, cross-entropy, log every 100 batches. */
export const DEFAULT_HYPERPARAMS: Hyperparams = Hyperparams.parse({});
