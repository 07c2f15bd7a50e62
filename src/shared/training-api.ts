import { z } from 'zod';
import { ALL_SHELLS, method, NoInput } from './method';
import { ModelSpec } from './model-spec';
import type { Prediction } from './models';
import type { FirstLayer } from './explain';
import { FirstLayerInput, PixelImage } from './models-api';
import { Id, TrainConfigInput, type RunRecord, type RunSummary, type TrainStatus } from './training';

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
  'train:predict': method<Prediction>()(
    RunRef.extend({
      image: z.object({ pixels: PixelImage }).strict(),
      /** As in `models:predict`: MNIST's preprocessing for a drawn digit. */
      preprocess: z.boolean().default(true),
    }).strict(),
    'Classifies a drawing with the weights the run has now (between two batches), so the Playground can re-score it after every epoch. UNAVAILABLE until the run has built its model.',
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
  'runs:delete': method<{ id: string }>()(z.object({ id: Id }).strict(), 'Deletes a finished run’s record (its saved model stays in the model library).', ALL_SHELLS),
};
