/**
 * The training loop. Per batch it hands the batch's rows to the training
 * path and nothing else: the batch's loss and predictions stay on the
 * native side until a logged batch reads the whole window since the last
 * one in two small syncs. That keeps the loop as fast as a bare loop of
 * the same path.
 */
import type { Hyperparams } from '@shared/hyperparams';
import { stepsPerEpoch as epochSteps } from '@shared/mix';
import type { BatchPoint, EpochPoint, TrainEvent } from '@shared/training';
import type { Tf } from '../native';
import type { RunControl } from './control';
import type { TrainingData } from './data';
import { shuffle } from './random';
import { TrainingFailure } from './failure';
import type { TrainingPath } from './path';
import type { EpochCallbacks } from './callbacks';

/** Training rows of batch `s` of an epoch in the order `order` (a view, no copy). */
function batchRows(order: Int32Array, batchSize: number, s: number): Int32Array {
  return order.subarray(s * batchSize, Math.min(order.length, (s + 1) * batchSize));
}

/** Batches since the last logged one: their rows; their losses and predictions wait in the path. */
class Window {
  private rows: Int32Array[] = [];
  /** Step (in its epoch) of the window's first batch, to say where a NaN appeared. */
  firstStep = 1;
  /** Global step (1-based) of the window's first batch: where its losses go on the run's curve. */
  firstGlobalStep = 1;

  constructor(private readonly path: TrainingPath) {}

  get size(): number {
    return this.rows.length;
  }

  push(rows: Int32Array): void {
    this.rows.push(rows);
  }

  /** Reads the window (two syncs) and frees it: each batch's loss and size, and how many rows were classified right. */
  drain(labels: Uint8Array): { losses: Float32Array; sizes: number[]; correct: number } {
    const { losses, predicted } = this.path.drain();
    let correct = 0;
    let k = 0;
    for (const rows of this.rows) for (const row of rows) if (labels[row] === predicted[k++]) correct++;
    const sizes = this.rows.map((r) => r.length);
    this.rows = [];
    return { losses, sizes, correct };
  }
}

/**
 * Images that replace a batch's stored ones (augmentation). `get` is
 * called once per step with the batch's rows and global step (1-based),
 * and the following batch of the epoch, which it may start preparing
 * while the current step runs.
 */
export interface BatchImages {
  /** How many of the next batches the source works on ahead of the loop (0: none; the loop then lists none). */
  readonly ahead: number;
  /** The images of batch `step` (its `rows`); `upcoming`: up to `ahead` batches after it in this epoch, nearest first. */
  get(rows: Int32Array, step: number, upcoming: { rows: Int32Array; step: number }[]): Float32Array | Promise<Float32Array>;
}

/** What the loop trains, how, and where it reports. */
export interface LoopOptions {
  tf: Tf;
  runId: string;
  data: TrainingData;
  path: TrainingPath;
  hp: Pick<Hyperparams, 'epochs' | 'batchSize' | 'logEvery' | 'learningRate'>;
  /** Validation loss and accuracy after an epoch (the path synced into the model first), or null without a validation set. */
  validate: () => { loss: number; accuracy: number } | null;
  shuffleRand: () => number;
  /** Augmented images per batch; absent: the stored images. */
  images?: BatchImages;
  control: RunControl;
  emit: (event: TrainEvent) => void;
  /** Learning rate per epoch and early stopping (callbacks.ts); absent: the learning rate stays, every epoch runs. */
  callbacks?: EpochCallbacks;
  /** Told after an epoch that is the best so far (the path synced into the model): restore-best keeps its weights. */
  onBest?: () => void;
}

/** How the loop ended and what it measured. */
export interface LoopResult {
  stopped: boolean;
  epochsDone: number;
  samples: number;
  /** Training time: pauses and validation excluded. */
  activeMs: number;
  batches: BatchPoint[];
  epochs: EpochPoint[];
}

/** Least time between two `progress` events. */
const PROGRESS_EVERY_MS = 100;

/** Trains for the configured epochs or until stopped; throws a TrainingFailure on a non-finite loss. */
export async function trainLoop(o: LoopOptions): Promise<LoopResult> {
  const { tf, runId, data, path, hp, control, emit } = o;
  const n = data.trainIndices.length;
  // With a mixed-in set, an epoch is still one pass over the main set's rows, fewer of them a batch.
  const stepsPerEpoch = epochSteps(n, hp.batchSize, data.mix?.rowsPerBatch ?? 0);
  const totalSteps = stepsPerEpoch * hp.epochs;
  const runStart = control.now();
  const pausedAtRunStart = control.pausedMs;
  const window = new Window(path);
  const batches: BatchPoint[] = [];
  const epochs: EpochPoint[] = [];
  let globalStep = 0;
  let samples = 0;
  let stopped = false;
  let epochsDone = 0;
  let lastProgress = -Infinity;
  /** Time spent validating: not training, so not in any samples/s. */
  let validationMs = 0;
  let logMark = { at: control.now(), paused: control.pausedMs, validation: 0, samples: 0 };
  const trainingMsSince = (at: number, paused: number, validationAt: number) => control.activeSince(at, paused) - (validationMs - validationAt);

  let learningRate = hp.learningRate;

  const etaMs = () => (globalStep === 0 ? 0 : (control.activeSince(runStart, pausedAtRunStart) / globalStep) * (totalSteps - globalStep));

  for (let epoch = 1; epoch <= hp.epochs && !stopped; epoch++) {
    const epochLr = o.callbacks?.learningRate(epoch) ?? hp.learningRate;
    if (epochLr !== learningRate) {
      path.setLearningRate(epochLr);
      learningRate = epochLr;
    }
    const shuffled = shuffle(data.trainIndices.slice(), o.shuffleRand);
    // The mixed-in set's rows go into each batch here: the path still gathers each batch once.
    const order = data.mix ? data.mix.interleave(shuffled, hp.batchSize) : shuffled;
    const epochStart = control.now();
    const pausedAtEpochStart = control.pausedMs;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;

    const drain = () => {
      if (window.size === 0) return null;
      const first = window.firstStep;
      const from = window.firstGlobalStep;
      const r = window.drain(data.train.labels);
      r.losses.forEach((value, k) => {
        if (!Number.isFinite(value)) {
          throw new TrainingFailure(
            `the loss became ${value} at epoch ${epoch}, step ${first + k}: training diverged; lower the learning rate (now ${hp.learningRate}) or change the network`,
          );
        }
        lossSum += value * r.sizes[k]!;
        seen += r.sizes[k]!;
      });
      correct += r.correct;
      return { ...r, stepLosses: { from, values: Array.from(r.losses) } };
    };

    /** Where the run is: `step` steps of this epoch done. */
    const progress = (step: number) => {
      const activeMs = trainingMsSince(runStart, pausedAtRunStart, 0);
      emit({ kind: 'progress', runId, epoch, epochs: hp.epochs, step, stepsPerEpoch, samplesPerSec: activeMs > 0 ? (samples / activeMs) * 1000 : 0, etaMs: etaMs() });
    };

    for (let s = 0; s < stepsPerEpoch; s++) {
      // A paused run's weights are in the layers model, where a paused run is expected to have them,
      // and its exact place is told (a fast run does many steps between two progress events).
      if (
        !(await control.checkpoint(() => {
          path.sync();
          progress(s);
        }))
      ) {
        stopped = true;
        break;
      }
      const rows = batchRows(order, hp.batchSize, s);
      if (o.images) {
        const upcoming = [];
        for (let k = 1; k <= o.images.ahead && s + k < stepsPerEpoch; k++) upcoming.push({ rows: batchRows(order, hp.batchSize, s + k), step: globalStep + 1 + k });
        path.step(rows, await o.images.get(rows, globalStep + 1, upcoming));
      } else {
        path.step(rows);
      }
      globalStep++;
      if (window.size === 0) {
        window.firstStep = s + 1;
        window.firstGlobalStep = globalStep;
      }
      window.push(rows);
      samples += rows.length;

      if ((s + 1) % hp.logEvery === 0) {
        const r = drain()!;
        const activeMs = trainingMsSince(logMark.at, logMark.paused, logMark.validation);
        const point: BatchPoint = {
          epoch,
          step: s + 1,
          globalStep,
          loss: r.losses[r.losses.length - 1]!,
          accuracy: correct / seen,
          samplesPerSec: activeMs > 0 ? ((samples - logMark.samples) / activeMs) * 1000 : 0,
        };
        logMark = { at: control.now(), paused: control.pausedMs, validation: validationMs, samples };
        batches.push(point);
        emit({ kind: 'batch', runId, epochs: hp.epochs, stepsPerEpoch, points: [point], losses: r.stepLosses });
      }
      const now = control.now();
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        progress(s + 1);
      }
    }
    // The epoch's last batches (after its last logged one) still go on the loss curve.
    const rest = drain();
    if (rest) emit({ kind: 'batch', runId, epochs: hp.epochs, stepsPerEpoch, points: [], losses: rest.stepLosses });
    if (stopped) break;

    const elapsedMs = control.activeSince(epochStart, pausedAtEpochStart);
    const validationStart = control.now();
    const validation = o.validate();
    validationMs += control.now() - validationStart;
    const point: EpochPoint = {
      epoch,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      validationLoss: validation?.loss ?? null,
      validationAccuracy: validation?.accuracy ?? null,
      elapsedMs,
      samplesPerSec: elapsedMs > 0 ? (seen / elapsedMs) * 1000 : 0,
      learningRate,
    };
    epochs.push(point);
    epochsDone = epoch;
    emit({ kind: 'epoch', runId, epochs: hp.epochs, etaMs: etaMs(), tensors: tf.memory().numTensors + path.liveHandles, ...point });
    const verdict = o.callbacks?.epochEnd(point);
    if (verdict?.best) o.onBest?.();
    // Early stopping ends the run as done (its model is evaluated and saved); `stopped` is the user's stop.
    if (verdict?.stop) break;
  }
  return { stopped, epochsDone, samples, activeMs: trainingMsSince(runStart, pausedAtRunStart, 0), batches, epochs };
}
