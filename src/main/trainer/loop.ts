/**
 * The training loop. Per batch it dispatches the step and nothing else:
 * the batch's loss and logits stay on the native side until a logged
 * batch reads the whole window since the last one in two small syncs.
 * That keeps the loop as fast as a bare tfjs-node loop of the same model.
 */
import type { Optimizer, Scalar, Tensor } from '@tensorflow/tfjs-node';
import { SGD_MOMENTUM, type Hyperparams } from '@shared/hyperparams';
import type { BatchPoint, EpochPoint, TrainEvent } from '@shared/training';
import type { Tf } from '../native';
import type { RunControl } from './control';
import type { TrainingData } from './data';
import type { Forward, LossFn } from './model';
import { shuffle } from './random';

/**
 * One optimisation step on a batch (images x, one-hot labels y), called
 * inside the loop's tf.tidy: returns the batch's mean loss (scalar) and its
 * logits, which must be `tf.keep`-ed to outlive the tidy.
 */
export type StepFn = (x: Tensor, y: Tensor) => { loss: Tensor; logits: Tensor };

export function createOptimizer(tf: Tf, hp: Pick<Hyperparams, 'optimizer' | 'learningRate'>): Optimizer {
  switch (hp.optimizer) {
    case 'sgd':
      return tf.train.sgd(hp.learningRate);
    case 'momentum':
      return tf.train.momentum(hp.learningRate, SGD_MOMENTUM);
    case 'adam':
      return tf.train.adam(hp.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(hp.learningRate);
    default: {
      const never: never = hp.optimizer;
      throw new Error(`unknown optimizer ${String(never)}`);
    }
  }
}

/** The step of a tfjs-layers model: forward, loss, gradients and update. */
export function layersStep(tf: Tf, forward: Forward, loss: LossFn, optimizer: Optimizer): StepFn {
  return (x, y) => {
    let logits: Tensor | null = null;
    const cost = optimizer.minimize(() => {
      const out = forward(x);
      logits = tf.keep(out);
      return loss(y, out) as Scalar;
    }, true)!;
    return { loss: cost, logits: logits! };
  };
}

/**
 * The batches of one epoch in the order `order` (indices into the training
 * tensors): each batch is one small index tensor and two gathers, no copy
 * of the epoch and nothing read back.
 */
class EpochBatches {
  constructor(
    private readonly tf: Tf,
    private readonly data: TrainingData,
    private readonly order: Int32Array,
    private readonly batchSize: number,
  ) {}

  /** Training rows of batch `s` (a view, for the accuracy count). */
  rows(s: number): Int32Array {
    return this.order.subarray(s * this.batchSize, Math.min(this.order.length, (s + 1) * this.batchSize));
  }

  /** Images and one-hot labels of batch `s`; call inside a tidy. */
  batch(s: number): { x: Tensor; y: Tensor } {
    const index = this.tf.tensor1d(this.rows(s), 'int32');
    return { x: this.tf.gather(this.data.train.x, index), y: this.tf.gather(this.data.train.y, index) };
  }
}

/** The run cannot go on (a NaN loss); the message says why and what to change. */
export class TrainingFailure extends Error {
  override readonly name = 'TrainingFailure';
}

/** Batches since the last logged one, still as tensors. */
class Window {
  private losses: Tensor[] = [];
  private logits: Tensor[] = [];
  private rows: Int32Array[] = [];
  /** Step (in its epoch) of the window's first batch, to say where a NaN appeared. */
  firstStep = 1;

  constructor(private readonly tf: Tf) {}

  get size(): number {
    return this.losses.length;
  }

  push(loss: Tensor, logits: Tensor, rows: Int32Array): void {
    this.losses.push(loss);
    this.logits.push(logits);
    this.rows.push(rows);
  }

  /** Reads the window (two syncs) and frees it: each batch's loss and size, and how many rows were classified right. */
  drain(labels: Uint8Array): { losses: Float32Array; sizes: number[]; correct: number } {
    const tf = this.tf;
    const [lossT, predT] = tf.tidy(() => [tf.stack(this.losses), tf.argMax(tf.concat(this.logits), 1)]);
    const losses = lossT!.dataSync() as Float32Array;
    const predicted = predT!.dataSync();
    lossT!.dispose();
    predT!.dispose();
    let correct = 0;
    let k = 0;
    for (const rows of this.rows) for (const row of rows) if (labels[row] === predicted[k++]) correct++;
    const sizes = this.rows.map((r) => r.length);
    for (const t of [...this.losses, ...this.logits]) t.dispose();
    this.losses = [];
    this.logits = [];
    this.rows = [];
    return { losses, sizes, correct };
  }

  dispose(): void {
    for (const t of [...this.losses, ...this.logits]) t.dispose();
    this.losses = [];
    this.logits = [];
    this.rows = [];
  }
}

/** What the loop trains, how, and where it reports. */
export interface LoopOptions {
  tf: Tf;
  runId: string;
  data: TrainingData;
  step: StepFn;
  hp: Pick<Hyperparams, 'epochs' | 'batchSize' | 'logEvery' | 'learningRate'>;
  /** Validation loss and accuracy after an epoch, or null without a validation set. */
  validate: () => { loss: number; accuracy: number } | null;
  shuffleRand: () => number;
  control: RunControl;
  emit: (event: TrainEvent) => void;
}

/** How the loop ended and what it measured. */
export interface LoopResult {
  stopped: boolean;
  epochsDone: number;
  samples: number;
  /** Training time, pauses excluded. */
  activeMs: number;
  batches: BatchPoint[];
  epochs: EpochPoint[];
}

/** Least time between two `progress` events. */
const PROGRESS_EVERY_MS = 100;

/** Trains for the configured epochs or until stopped; throws a TrainingFailure on a non-finite loss. */
export async function trainLoop(o: LoopOptions): Promise<LoopResult> {
  const { tf, runId, data, step, hp, control, emit } = o;
  const n = data.trainIndices.length;
  const stepsPerEpoch = Math.ceil(n / hp.batchSize);
  const totalSteps = stepsPerEpoch * hp.epochs;
  const runStart = control.now();
  const pausedAtRunStart = control.pausedMs;
  const window = new Window(tf);
  const batches: BatchPoint[] = [];
  const epochs: EpochPoint[] = [];
  let globalStep = 0;
  let samples = 0;
  let stopped = false;
  let epochsDone = 0;
  let lastProgress = -Infinity;
  let logMark = { at: control.now(), paused: control.pausedMs, samples: 0 };

  const etaMs = () => (globalStep === 0 ? 0 : (control.activeSince(runStart, pausedAtRunStart) / globalStep) * (totalSteps - globalStep));

  try {
    for (let epoch = 1; epoch <= hp.epochs && !stopped; epoch++) {
      const epochBatches = new EpochBatches(tf, data, shuffle(data.trainIndices.slice(), o.shuffleRand), hp.batchSize);
      const epochStart = control.now();
      const pausedAtEpochStart = control.pausedMs;
      let lossSum = 0;
      let correct = 0;
      let seen = 0;

      const drain = () => {
        if (window.size === 0) return null;
        const first = window.firstStep;
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
        return r;
      };

      for (let s = 0; s < stepsPerEpoch; s++) {
        if (!(await control.checkpoint())) {
          stopped = true;
          break;
        }
        const rows = epochBatches.rows(s);
        let logits: Tensor | null = null;
        const loss = tf.tidy(() => {
          const { x, y } = epochBatches.batch(s);
          const out = step(x, y);
          logits = out.logits;
          return out.loss;
        });
        if (window.size === 0) window.firstStep = s + 1;
        window.push(loss, logits!, rows);
        globalStep++;
        samples += rows.length;

        if ((s + 1) % hp.logEvery === 0) {
          const r = drain()!;
          const activeMs = control.activeSince(logMark.at, logMark.paused);
          const point: BatchPoint = {
            epoch,
            step: s + 1,
            globalStep,
            loss: r.losses[r.losses.length - 1]!,
            accuracy: correct / seen,
            samplesPerSec: activeMs > 0 ? ((samples - logMark.samples) / activeMs) * 1000 : 0,
          };
          logMark = { at: control.now(), paused: control.pausedMs, samples };
          batches.push(point);
          emit({ kind: 'batch', runId, epochs: hp.epochs, stepsPerEpoch, points: [point] });
        }
        const now = control.now();
        if (now - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = now;
          const activeMs = control.activeSince(runStart, pausedAtRunStart);
          emit({
            kind: 'progress',
            runId,
            epoch,
            epochs: hp.epochs,
            step: s + 1,
            stepsPerEpoch,
            samplesPerSec: activeMs > 0 ? (samples / activeMs) * 1000 : 0,
            etaMs: etaMs(),
          });
        }
      }
      drain();
      if (stopped) break;

      const elapsedMs = control.activeSince(epochStart, pausedAtEpochStart);
      const validation = o.validate();
      const point: EpochPoint = {
        epoch,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        validationLoss: validation?.loss ?? null,
        validationAccuracy: validation?.accuracy ?? null,
        elapsedMs,
        samplesPerSec: elapsedMs > 0 ? (seen / elapsedMs) * 1000 : 0,
      };
      epochs.push(point);
      epochsDone = epoch;
      emit({ kind: 'epoch', runId, epochs: hp.epochs, etaMs: etaMs(), tensors: tf.memory().numTensors, ...point });
    }
  } finally {
    window.dispose();
  }
  return { stopped, epochsDone, samples, activeMs: control.activeSince(runStart, pausedAtRunStart), batches, epochs };
}
