/** What the loop drives: one way of training (the tfjs-layers path or the native path, training-path.ts). */
import type { TrainingPathName } from '@shared/training';

/** Losses of the steps since the last drain, and the predicted class of each of their rows. */
export interface DrainedSteps {
  losses: Float32Array;
  predicted: Int32Array;
}

/** One way of training; the loop calls `step` per batch and `drain` at logged batches. */
export interface TrainingPath {
  readonly name: TrainingPathName;
  /**
   * One optimisation step on training rows `rows`; its loss and predictions stay native until `drain`.
   * `images` (rows.length × 784 normalised floats, e.g. augmented) replaces the rows' stored images; the labels are the rows'.
   */
  step(rows: Int32Array, images?: Float32Array): void;
  /** Each step's loss since the last drain and each of their rows' predicted class, in order; frees them. */
  drain(): DrainedSteps;
  /** Trains the next steps with this learning rate (a schedule's epoch start). */
  setLearningRate(lr: number): void;
  /** Puts the trained weights into the layers model (before validation, evaluation, saving, and a pause). */
  sync(): void;
  /**
   * The gradient of the mean loss on training rows `rows` per weight of the layers model (null where none trains), with
   * the inference forward and no update, if the path computes it itself (the native path); else the histograms take it
   * from tfjs's autograd on the layers model.
   */
  gradients?(rows: Int32Array): (Float32Array | null)[];
  /** Native handles the path holds (0 for the layers path, whose tensors tf.memory() counts). */
  readonly liveHandles: number;
  dispose(): void;
}
