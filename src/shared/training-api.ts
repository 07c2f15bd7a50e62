import { z } from 'zod';
import { Augment } from './augment';
import { DatasetName } from './datasets-api';
import { MAX_SEED } from './hyperparams';
import type { RunHistograms } from './histograms';
import { ALL_SHELLS, method, NoInput } from './method';
import { ModelSpec } from './model-spec';
import type { Prediction } from './models';
import type { Explanation, FirstLayer } from './explain';
import { ExplainInput, FirstLayerInput, PixelImage } from './models-api';
import { Id, TrainConfigInput, type RunRecord, type RunSummary, type TrainStatus } from './training';

/** Most source digits and variants a preview shows (a grid, not a data set). */
export const AUGMENT_PREVIEW_LIMITS = { digits: 10, variants: 12 } as const;

export const AugmentPreviewInput = z
  .object({
    dataset: DatasetName,
    augment: Augment,
    /** Source digits: the first training image of each class, in class order, up to this many. */
    digits: z.number().int().min(1).max(AUGMENT_PREVIEW_LIMITS.digits).default(AUGMENT_PREVIEW_LIMITS.digits),
    /** Augmented versions of each. */
    variants: z.number().int().min(1).max(AUGMENT_PREVIEW_LIMITS.variants).default(8),
    /** Draws the transforms; another seed, other versions. */
    seed: z.number().int().min(0).max(MAX_SEED).default(1),
  })
  .strict();

/** A preview grid: per source digit its original and `variants` augmented versions. */
export interface AugmentPreview {
  variants: number;
  /** Label of each source digit. */
  labels: Uint8Array;
  /** 784 bytes per source digit (0 = background). */
  originals: Uint8Array;
  /** 784 bytes per version, digit by digit (`variants` each). */
  images: Uint8Array;
}

/** The run a control call is meant for, so a stale window cannot pause another run. */
const RunRef = z.object({ runId: Id }).strict();

/** Training: one run at a time, in its own process, reported on the `train` event stream. */
export const TRAINING_API = {
  'train:start': method<{ runId: string }>()(
    // The UI trains installed datasets; a folder path is for the CLI, which runs on the user's own account.
    // Fine-tuning (`fromModel`) may leave out the network: it is the saved model's.
    TrainConfigInput.extend({ dataset: z.object({ id: Id }).strict(), model: ModelSpec.optional() }).refine((input) => input.model !== undefined || input.fromModel !== undefined, {
      error: 'a network is needed (or fromModel, to fine-tune a saved model)',
      path: ['model'],
    }),
    'Starts a run and answers at once with its id; progress arrives as `train` events. BUSY while another run is on. With `fromModel`, fine-tunes that saved model.',
    ALL_SHELLS,
  ),
  'train:pause': method<TrainStatus>()(RunRef, 'Pauses the run after the current batch.', ALL_SHELLS),
  'train:resume': method<TrainStatus>()(RunRef, 'Resumes a paused run.', ALL_SHELLS),
  'train:stop': method<TrainStatus>()(RunRef, 'Stops after the current batch, then evaluates and saves the model as it is.', ALL_SHELLS),
  'train:status': method<TrainStatus>()(NoInput, 'What the engine is doing, for a window opened (or reloaded) during a run.', ALL_SHELLS),
  'train:augmentPreview': method<AugmentPreview>()(
    AugmentPreviewInput,
    'Augmented versions of a few training digits of an installed data set, computed in main with the trainer’s own kernel, for the Train screen’s preview grid.',
    ALL_SHELLS,
  ),
  'train:predict': method<Prediction>()(
    RunRef.extend({
      image: z.object({ pixels: PixelImage }).strict(),
      /** As in `models:predict`: MNIST's preprocessing for a drawn digit. */
      preprocess: z.boolean().default(true),
    }).strict(),
    'Classifies a drawing with the weights the run has now (between two batches), so the Playground can re-score it after every epoch. UNAVAILABLE until the run has built its model.',
    ALL_SHELLS,
  ),
  'train:explain': method<Explanation>()(
    RunRef.extend({
      image: z.object({ pixels: PixelImage }).strict(),
      preprocess: z.boolean().default(true),
      class: ExplainInput.shape.class,
      steps: ExplainInput.shape.steps,
    }).strict(),
    'Looks inside the model a run is training, with the weights it has now (between two batches), as `models:explain` does for a saved model: the Playground re-explains a drawing after every epoch. UNAVAILABLE until the run has built its model.',
    ALL_SHELLS,
  ),
  'train:firstLayer': method<{ firstLayer: FirstLayer | null }>()(
    RunRef.extend({ limit: FirstLayerInput.shape.limit }).strict(),
    'The first layer’s weights as images with the weights the run has now, as `models:firstLayer` does for a saved model: the Train screen redraws them after every epoch.',
    ALL_SHELLS,
  ),
};

/** Run history: every run kept in the studio home, to compare and clean up. */
export const RUNS_API = {
  'runs:list': method<RunSummary[]>()(NoInput, 'Every kept run, newest first.', ALL_SHELLS),
  'runs:get': method<RunRecord>()(z.object({ id: Id }).strict(), 'One run in full: config, environment, metric series, evaluation.', ALL_SHELLS),
  'runs:histograms': method<{ histograms: RunHistograms | null }>()(
    z.object({ id: Id }).strict(),
    'Per-layer histograms of a run’s weights and gradients, one set per epoch (histograms.json in its folder); null for a run that recorded none.',
    ALL_SHELLS,
  ),
  'runs:delete': method<{ id: string }>()(z.object({ id: Id }).strict(), 'Deletes a finished run’s record (its saved model stays in the model library).', ALL_SHELLS),
};
