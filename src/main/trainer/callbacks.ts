/**
 * The callbacks of one run, epoch by epoch (the same on both training
 * paths): the learning rate each epoch trains with, whether the run stops
 * early, and which epoch was best (for restore-best). Pure bookkeeping: the
 * loop applies the rate and stops; run.ts keeps and restores the weights.
 * Patience counts as in Keras: stop (or cut the rate) once `patience`
 * epochs in a row have not improved (0 acts as 1).
 */
import { scheduledLearningRate, type CallbackOutcome, type CallbackSettings, type Monitor } from '@shared/callbacks';
import type { EpochPoint } from '@shared/training';

/** How a value of `monitor` compares: lower loss, higher accuracy is better. */
function improves(monitor: Monitor, value: number, best: number, minDelta: number): boolean {
  return monitor === 'val-loss' ? value < best - minDelta : value > best + minDelta;
}

function valueOf(monitor: Monitor, point: Pick<EpochPoint, 'validationLoss' | 'validationAccuracy'>): number | null {
  const v = monitor === 'val-loss' ? point.validationLoss : point.validationAccuracy;
  return v !== null && Number.isFinite(v) ? v : null;
}

/** What the loop does after an epoch. */
export interface EpochVerdict {
  /** Early stopping says stop here. */
  stop: boolean;
  /** This epoch is the best so far on the monitor (its weights are the ones to restore). */
  best: boolean;
}

export class EpochCallbacks {
  private lr: number;
  private readonly monitor: Monitor | null;
  private best: { epoch: number; value: number } | null = null;
  /** Epochs since early stopping's monitor last improved. */
  private wait = 0;
  /** Plateau: best validation loss and epochs since it improved. */
  private plateauBest = Infinity;
  private plateauWait = 0;
  private stoppedAt: number | null = null;

  constructor(private readonly hp: CallbackSettings) {
    this.lr = hp.learningRate;
    this.monitor = hp.earlyStopping?.monitor ?? (hp.validationSplit > 0 ? 'val-loss' : null);
  }

  /** Whether anything here acts (a run without callbacks records no outcome). */
  get active(): boolean {
    return this.hp.earlyStopping !== undefined || this.hp.restoreBest === true || this.hp.lrSchedule !== undefined;
  }

  /** Whether the best epoch's weights must be kept as training goes on. */
  get keepsBest(): boolean {
    return this.hp.restoreBest === true;
  }

  /** The learning rate epoch `epoch` (1-based) trains with. */
  learningRate(epoch: number): number {
    const schedule = this.hp.lrSchedule;
    if (schedule && schedule.type !== 'plateau') return scheduledLearningRate(schedule, this.hp.learningRate, epoch, this.hp.epochs);
    return this.lr;
  }

  /** After epoch `point.epoch` (validated): updates the best epoch, the plateau's rate and early stopping. */
  epochEnd(point: EpochPoint): EpochVerdict {
    let best = false;
    if (this.monitor) {
      const value = valueOf(this.monitor, point);
      if (value !== null && (this.best === null || improves(this.monitor, value, this.best.value, 0))) {
        this.best = { epoch: point.epoch, value };
        best = true;
      }
    }
    const schedule = this.hp.lrSchedule;
    if (schedule?.type === 'plateau' && point.validationLoss !== null) {
      if (point.validationLoss < this.plateauBest) {
        this.plateauBest = point.validationLoss;
        this.plateauWait = 0;
      } else if (++this.plateauWait >= schedule.patience) {
        this.lr = Math.max(schedule.minLr, this.lr * schedule.factor);
        this.plateauWait = 0;
      }
    }
    let stop = false;
    const early = this.hp.earlyStopping;
    if (early) {
      const value = valueOf(early.monitor, point);
      if (value !== null && (this.earlyBest === null || improves(early.monitor, value, this.earlyBest, early.minDelta))) {
        this.earlyBest = value;
        this.wait = 0;
      } else if (++this.wait >= early.patience) {
        stop = point.epoch < this.hp.epochs;
        if (stop) this.stoppedAt = point.epoch;
      }
    }
    return { stop, best };
  }

  /** Early stopping's reference: the best value by more than minDelta (Keras's `best`). */
  private earlyBest: number | null = null;

  /** What the callbacks did; `restored` says whether run.ts put the best epoch's weights back. */
  outcome(restored: boolean): CallbackOutcome {
    return {
      stoppedEarlyAt: this.stoppedAt,
      monitor: this.monitor,
      bestEpoch: this.best?.epoch ?? null,
      bestValue: this.best?.value ?? null,
      restoredEpoch: restored && this.best ? this.best.epoch : null,
    };
  }
}
