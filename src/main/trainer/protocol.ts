/**
 * Messages between the host (main process or CLI) and a trainer process.
 * Plain data only: they cross child_process IPC or Electron's
 * utilityProcess port by structured clone.
 */
import type { EmbedMethod } from '@shared/embed';
import type { ApiError } from '@shared/result';
import type { DatasetRef, RunEnvironment, TrainConfig, TrainEvent } from '@shared/training';

/** Everything a trainer needs to run one training run. */
export interface TrainerJob {
  runId: string;
  /** Where the trained model goes: `<home>/models/<modelId>/`. */
  modelId: string;
  home: string;
  config: TrainConfig;
  /** The app's version, recorded in the run's environment and the model's metadata. */
  appVersion: string;
  /** Who chose the trainer's TF_NUM_INTRAOP_THREADS (the host did, when it started this process). */
  intraOpThreadsFrom: RunEnvironment['intraOpThreadsFrom'];
  /**
   * The TF_NUM_INTRAOP_THREADS chosen (null: TensorFlow's default), for a
   * trainer started before its run was known (the CLI's prelaunched one):
   * set before TensorFlow loads. Absent: the process's environment holds it.
   */
  intraOpThreads?: string | null;
  /** The same for TF_NUM_INTEROP_THREADS. */
  interOpThreads?: string | null;
}

/**
 * Work on a saved model, for a trainer process serving the model library
 * (the main process never runs TensorFlow). Images travel as bytes; the
 * worker decodes them, so a hostile file never touches main.
 */
export type ModelTask =
  | { kind: 'evaluate'; home: string; modelId: string; dataset: DatasetRef }
  | {
      kind: 'predict';
      home: string;
      modelId: string;
      image: { pixels: { width: number; height: number; channels: 1 | 3 | 4; data: Uint8Array } } | { encoded: Uint8Array };
      preprocess: boolean;
    }
  /** The test set as a map (src/main/trainer/embed.ts). */
  | { kind: 'embed'; home: string; modelId: string; dataset: { id: string }; method: EmbedMethod; limit: number | undefined; seed: number }
  /** Every layer's output and a saliency map of one class for one image (`classIndex` null: the predicted class). */
  | {
      kind: 'explain';
      home: string;
      modelId: string;
      image: { pixels: { width: number; height: number; channels: 1 | 3 | 4; data: Uint8Array } } | { encoded: Uint8Array };
      preprocess: boolean;
      classIndex: number | null;
      steps: number;
    }
  /** The first layer's weights as images (at most `limit`). */
  | { kind: 'first-layer'; home: string; modelId: string; limit: number }
  /** In a training process: the same, with the weights the run has now (between batches). */
  | {
      kind: 'predict-live';
      image: { pixels: { width: number; height: number; channels: 1 | 3 | 4; data: Uint8Array } } | { encoded: Uint8Array };
      preprocess: boolean;
    }
  /** In a training process: every layer's output and a saliency map, with the weights the run has now. */
  | {
      kind: 'explain-live';
      image: { pixels: { width: number; height: number; channels: 1 | 3 | 4; data: Uint8Array } };
      preprocess: boolean;
      classIndex: number | null;
      steps: number;
    }
  /** In a training process: the first layer's weights as images, as the run has them now. */
  | { kind: 'first-layer-live'; limit: number };

/**
 * Host → trainer. A training process gets `start` once, first; the controls
 * take effect between batches. A library worker gets `task`s instead, any
 * number, answered in order; a training process answers the `-live`
 * tasks with the model it is training.
 */
export type HostMessage =
  { kind: 'start'; job: TrainerJob } | { kind: 'pause' } | { kind: 'resume' } | { kind: 'stop' } | { kind: 'task'; id: number; task: ModelTask } | { kind: 'warm'; hint: WarmHint };

/**
 * What the host expects a spare (warm) trainer's run to train on, sent
 * before its `start`: the trainer reads that dataset and makes its tensors
 * meanwhile (trainer/warm.ts). Only a hint: the job says what is trained.
 */
export interface WarmHint {
  home: string;
  dataset: DatasetRef;
  normalization: TrainConfig['hyperparams']['normalization'];
}

/** Set in the environment of every trainer started for a run (trainerBaseEnv), not of a library worker: a cold one starts its read-ahead worker at once. */
export const RUN_TRAINER_ENV = 'MNIST_STUDIO_RUN_TRAINER';

/** Set in the environment of a spare trainer: it loads TensorFlow and warms up at once, before any `start`. */
export const SPARE_ENV = 'MNIST_STUDIO_SPARE_TRAINER';

/**
 * Set by the CLI in the environment of `train`'s prelaunched trainer: the
 * command line (JSON), from which the trainer guesses its threads
 * (`guessTrainThreads`) and loads TensorFlow before the job comes.
 */
export const PRELAUNCH_ARGV_ENV = 'MNIST_STUDIO_PRELAUNCH_ARGV';

/** The answer to one task: its value or the error to give the caller. */
export type TaskReply = { kind: 'task-reply'; id: number } & ({ ok: true; value: unknown } | { ok: false; error: ApiError });

/** Trainer → host. After a `done` or `failed` event the trainer exits. */
export type TrainerMessage = { kind: 'event'; event: TrainEvent } | TaskReply;

const HOST_KINDS = new Set<string>(['start', 'pause', 'resume', 'stop', 'task', 'warm']);

export function isHostMessage(value: unknown): value is HostMessage {
  return typeof value === 'object' && value !== null && HOST_KINDS.has((value as { kind?: unknown }).kind as string);
}

export function isTaskReply(value: unknown): value is TaskReply {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, id, ok } = value as { kind?: unknown; id?: unknown; ok?: unknown };
  return kind === 'task-reply' && typeof id === 'number' && typeof ok === 'boolean';
}

/** A training event (task replies are told apart by `isTaskReply`). */
export function isTrainerMessage(value: unknown): value is Extract<TrainerMessage, { kind: 'event' }> {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, event } = value as { kind?: unknown; event?: unknown };
  return kind === 'event' && typeof event === 'object' && event !== null && typeof (event as { kind?: unknown }).kind === 'string';
}
