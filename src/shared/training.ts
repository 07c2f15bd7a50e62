/**
 * Training as every process sees it: what a run is asked to do
 * (`TrainConfig`), what it reports while it runs (`TrainEvent`), what it
 * ends with (`Evaluation`), and how it is kept (`RunRecord`).
 */
import { z } from 'zod';
import type { CallbackOutcome } from './callbacks';
import { Hyperparams, type ResolvedHyperparams } from './hyperparams';
import type { LossHistory } from './loss-history';
import type { MixOutcome } from './mix';
import { ModelSpec, type Preset } from './model-spec';

/** Ids of runs, models and installed datasets: a file name, never a path. */
export const Id = z.string({ error: 'must be an id' }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: 'must be an id of letters, digits, dots, dashes and underscores' });

/** Where the images come from: a dataset installed in the studio home, or (CLI only) a folder holding the four IDX files. */
export const DatasetRef = z.union([z.object({ id: Id }).strict(), z.object({ dir: z.string().min(1).max(4096) }).strict()], {
  error: 'must be {id} of an installed dataset or {dir} of a folder of IDX files',
});
export type DatasetRef = z.infer<typeof DatasetRef>;

/** What to train: data, network and settings, checked (shapes included) before anything starts. */
export const TrainConfigInput = z
  .object({
    dataset: DatasetRef,
    model: ModelSpec,
    hyperparams: Hyperparams.prefault({}),
    /**
     * Fine-tuning: start from this saved model's weights instead of fresh
     * ones. `model` must be its network, and its normalisation is used; the
     * new run and its model record it as their parent.
     */
    fromModel: Id.optional(),
  })
  .strict();
export type TrainConfigInput = z.input<typeof TrainConfigInput>;

/** A run's configuration as recorded: the seed is always fixed, so the run can be repeated. */
export type TrainConfig = Omit<z.output<typeof TrainConfigInput>, 'hyperparams'> & { hyperparams: ResolvedHyperparams };

/** What a run learnt about its data once loaded. */
export interface DatasetInfo {
  id: string;
  name: string;
  classNames: string[];
  /** Images trained on (after the limit and the validation split). */
  trainCount: number;
  validationCount: number;
  testCount: number;
  /** SHA-256 of each IDX file, so a run can be tied to the exact data. */
  digests: Record<string, string>;
}

/** The engine that trained a run: stock TF kernels through tfjs-node's binding, or tfjs-layers. */
export type TrainingPathName = 'native' | 'layers';

/**
 * Why a run trained on its path, for a message in the user's language:
 * tfjs-layers was asked for (`asked`), the native path passed its self-test (`self-test-passed`), or the run fell
 * back to tfjs-layers because the native path could not run in this
 * binding (`native-unavailable`, e.g. an op is missing) or computed other
 * numbers than tfjs-layers (`native-disagreed`).
 */
export const TRAINING_PATH_CAUSES = ['asked', 'self-test-passed', 'native-unavailable', 'native-disagreed'] as const;
export type TrainingPathCause = (typeof TRAINING_PATH_CAUSES)[number];

/** Where a run ran: enough to explain a difference between two runs' speed or numbers. */
export interface RunEnvironment {
  app: string;
  node: string;
  tfjsNode: string | null;
  tfjsCore: string | null;
  libtensorflow: string | null;
  backend: string;
  cpu: string;
  cpuThreads: number;
  /** TF_NUM_INTRAOP_THREADS in the trainer, or 'default'. */
  intraOpThreads: string;
  /** TF_NUM_INTEROP_THREADS in the trainer, or 'default'; '-1' runs a step's ops in the trainer's own thread. Absent in runs recorded before it was set. */
  interOpThreads?: string;
  /** Who chose intraOpThreads: the run's `threads` setting, TF_NUM_INTRAOP_THREADS set by the user, or the studio from the network and batch size. */
  // These four are absent in runs (and bundles) recorded before the native training path.
  intraOpThreadsFrom?: 'hyperparams' | 'environment' | 'auto';
  /** Which engine trained. */
  trainingPath?: TrainingPathName;
  /** Why that engine, in English with the details (an op's error, the numbers that disagreed). */
  trainingPathReason?: string;
  /** The same as a code (see TRAINING_PATH_CAUSES). */
  trainingPathCause?: TrainingPathCause;
  platform: string;
}

/** One logged batch. `loss` is that batch's loss (the seed prints the same); `accuracy` is the training accuracy over the epoch so far. */
export interface BatchPoint {
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  /** 1-based step since the run began. */
  globalStep: number;
  loss: number;
  accuracy: number;
  samplesPerSec: number;
}

/** Consecutive batches' losses: `values[i]` is the loss of global step `from + i` (1-based). */
export interface BatchLosses {
  from: number;
  values: number[];
}

/** One finished epoch: mean training loss and accuracy over its batches, and the validation set's (null without a split). */
export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  validationLoss: number | null;
  validationAccuracy: number | null;
  /** Training time of this epoch, pauses excluded. */
  elapsedMs: number;
  samplesPerSec: number;
  /** The learning rate this epoch trained with (a schedule changes it); absent in runs recorded before schedules. */
  learningRate?: number;
}

/** Precision, recall and F1 of one class on the test set; `support` is how many test images have that label. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** A misclassified test image: its index in the test set, its label and what the model said. */
export interface Misclassified {
  index: number;
  label: number;
  predicted: number;
}

/** The trained model on the test set. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
  classNames: string[];
  perClass: ClassMetrics[];
  /** confusion[label][predicted]: counts, 10×10. */
  confusion: number[][];
  misclassified: Misclassified[];
}

/** What a trainer does at a moment (after `started`). */
export type TrainerActivity = 'running' | 'paused' | 'evaluating';

/**
 * The `train` event stream, one tagged union. Every event names its run.
 * `progress` and `batch` are rate-limited (≤ ~10 a second on the way to a
 * window, batch points coalesced, never dropped); the others always arrive.
 */
export type TrainEvent =
  | {
      kind: 'started';
      runId: string;
      dataset: DatasetInfo;
      environment: RunEnvironment;
      epochs: number;
      stepsPerEpoch: number;
      params: number;
    }
  | { kind: 'activity'; runId: string; activity: TrainerActivity }
  /** Where training is, with no loss (reading a loss would stall the pipeline); for progress bars. */
  | { kind: 'progress'; runId: string; epoch: number; epochs: number; step: number; stepsPerEpoch: number; samplesPerSec: number; etaMs: number }
  /**
   * Logged batches since the previous batch event (one per `logEvery` batches, several when coalesced, none when
   * only losses came), and the loss of every batch since then: `losses.values[i]` is global step `losses.from + i`.
   */
  | { kind: 'batch'; runId: string; epochs: number; stepsPerEpoch: number; points: BatchPoint[]; losses: BatchLosses }
  | ({ kind: 'epoch'; runId: string; epochs: number; etaMs: number; /** Live tensors in the trainer: stays flat across epochs. */ tensors: number } & EpochPoint)
  | {
      kind: 'done';
      runId: string;
      /** 'stopped' when the user stopped early: the model is as of the last finished batch. */
      status: 'done' | 'stopped';
      evaluation: Evaluation;
      modelId: string;
      /** Wall time from start to the saved model, pauses excluded. */
      durationMs: number;
      /** Training images per second over the whole run, pauses excluded. */
      samplesPerSec: number;
      /** What early stopping, restore-best and the schedule did; null for a run without callbacks. */
      callbacks?: CallbackOutcome | null;
      /** What mixing a data set in did (held-out rows, both accuracies before and after); null for a run without `hyperparams.mix`. */
      mix?: MixOutcome | null;
    }
  | { kind: 'failed'; runId: string; reason: string };

export const RUN_STATUSES = ['running', 'done', 'stopped', 'failed'] as const;
/** A kept run's state. `running` only while a live studio process runs it; a crash turns it into `failed` at the next start. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run in the history list: what it trained and how it ended. */
export interface RunSummary {
  id: string;
  status: RunStatus;
  createdAt: string;
  finishedAt: string | null;
  /** The network's name (`mlp`, `cnn`, or the spec's). */
  modelName: string;
  /** The preset the network is, or null for one the user built (`presetOf`). */
  preset: Preset | null;
  /** Trainable parameters of the network. */
  params: number | null;
  /** The settings it trained with, so runs can be compared without reading each in full. */
  hyperparams: ResolvedHyperparams;
  /** Dataset id, or `dir:<path>` for a folder. */
  datasetId: string;
  epochs: number;
  epochsDone: number;
  testAccuracy: number | null;
  testLoss: number | null;
  durationMs: number | null;
  samplesPerSec: number | null;
  /** The saved model, once the run is done or stopped. */
  modelId: string | null;
  /** The model a fine-tuning run started from; null for a run from scratch. */
  parentModelId: string | null;
  /** Why it failed. */
  reason: string | null;
}

/** Everything kept about a run in `runs/<id>/`. */
export interface RunRecord extends RunSummary {
  config: TrainConfig;
  dataset: DatasetInfo | null;
  environment: RunEnvironment | null;
  /** `losses`: every batch's loss, bounded; absent in runs recorded before it was kept. */
  metrics: { batches: BatchPoint[]; epochs: EpochPoint[]; losses?: LossHistory };
  evaluation: Evaluation | null;
  /** Process that ran the run: how start-up tells a crashed run from one another process is still running. */
  hostPid: number;
  /** What the training callbacks did (early stop, best epoch, restored epoch); null or absent without callbacks. */
  callbacks?: CallbackOutcome | null;
  /** What mixing a data set in did (`hyperparams.mix`); null or absent without a mix. */
  mix?: MixOutcome | null;
}

/** The engine right now: one run at a time, or none. */
export interface TrainStatus {
  runId: string | null;
  state: 'idle' | 'starting' | TrainerActivity | 'stopping';
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
}
