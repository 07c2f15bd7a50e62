/**
 * Messages between the host (main process or CLI) and a trainer process.
 * Plain data only: they cross child_process IPC or Electron's
 * utilityProcess port by structured clone.
 */
import type { RunEnvironment, TrainConfig, TrainEvent } from '@shared/training';

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
}

/** Host → trainer. `start` comes once, first; the controls take effect between batches. */
export type HostMessage = { kind: 'start'; job: TrainerJob } | { kind: 'pause' } | { kind: 'resume' } | { kind: 'stop' };

/** Trainer → host. After a `done` or `failed` event the trainer exits. */
export type TrainerMessage = { kind: 'event'; event: TrainEvent };

const HOST_KINDS = new Set<string>(['start', 'pause', 'resume', 'stop']);

export function isHostMessage(value: unknown): value is HostMessage {
  return typeof value === 'object' && value !== null && HOST_KINDS.has((value as { kind?: unknown }).kind as string);
}

export function isTrainerMessage(value: unknown): value is TrainerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, event } = value as { kind?: unknown; event?: unknown };
  return kind === 'event' && typeof event === 'object' && event !== null && typeof (event as { kind?: unknown }).kind === 'string';
}
