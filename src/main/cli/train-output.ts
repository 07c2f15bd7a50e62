/**
 * What `mnist-studio train` shows while it trains: a progress bar with
 * loss, accuracy, speed and ETA on a terminal; on a pipe, plain lines in
 * the seed tutorial's form (`Epoch [1/5], Step [100/938], Loss: 0.3412`).
 */
import { augmentIsOff, formatAugment } from '@shared/augment';
import cliProgress from 'cli-progress';
import type { RunRecord, TrainEvent } from '@shared/training';

const count = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Lines for events that read the same on a terminal and a pipe. */
export function describeEvent(event: TrainEvent): string | null {
  switch (event.kind) {
    case 'started': {
      const d = event.dataset;
      const e = event.environment;
      const threads = e.intraOpThreads === 'default' ? `TensorFlow's default threads (${e.cpuThreads})` : `${e.intraOpThreads} thread${e.intraOpThreads === '1' ? '' : 's'}`;
      return (
        `Training on ${d.name}: ${count(d.trainCount)} training, ${count(d.validationCount)} validation, ${count(d.testCount)} test images; ` +
        `${count(event.params)} parameters; ${event.epochs} epoch${event.epochs === 1 ? '' : 's'} of ${count(event.stepsPerEpoch)} steps\n` +
        `Engine: ${e.trainingPath === 'native' ? 'native fast path' : 'tfjs-layers'} (${e.trainingPathReason}); ${threads} (${e.intraOpThreadsFrom === 'auto' ? 'chosen for this network and batch size' : e.intraOpThreadsFrom === 'hyperparams' ? '--threads' : 'TF_NUM_INTRAOP_THREADS'})`
      );
    }
    case 'activity':
      return event.activity === 'paused' ? 'Paused.' : event.activity === 'evaluating' ? 'Evaluating on the test set…' : 'Resumed.';
    case 'epoch': {
      const val = event.validationLoss === null ? '' : `; validation loss ${event.validationLoss.toFixed(4)}, accuracy ${pct(event.validationAccuracy ?? 0)}`;
      return (
        `Epoch [${event.epoch}/${event.epochs}] done in ${formatDuration(event.elapsedMs)}: ` +
        `train loss ${event.trainLoss.toFixed(4)}, accuracy ${pct(event.trainAccuracy)}${val}; ${count(Math.round(event.samplesPerSec))} samples/s`
      );
    }
    case 'done':
      return `${event.status === 'stopped' ? 'Stopped early. ' : ''}Test accuracy: ${pct(event.evaluation.accuracy)} (loss ${event.evaluation.loss.toFixed(4)}) on ${count(event.evaluation.count)} test images`;
    case 'failed':
    case 'progress':
    case 'batch':
      return null;
    default: {
      const never: never = event;
      throw new Error(`unknown train event ${JSON.stringify(never)}`);
    }
  }
}

/** Shows a run's events as they come. */
export interface TrainOutput {
  event(event: TrainEvent): void;
  /** Before anything else is printed mid-run (Ctrl-C notes). */
  interrupt(): void;
  close(): void;
}

/** Plain lines, one per logged batch and per epoch. */
export function plainOutput(write: (text: string) => void): TrainOutput {
  return {
    event(event) {
      if (event.kind === 'batch') {
        for (const p of event.points) {
          write(
            `Epoch [${p.epoch}/${event.epochs}], Step [${p.step}/${event.stepsPerEpoch}], Loss: ${p.loss.toFixed(4)}, ` +
              `Accuracy: ${pct(p.accuracy)}, ${count(Math.round(p.samplesPerSec))} samples/s\n`,
          );
        }
        return;
      }
      const line = describeEvent(event);
      if (line) write(`${line}\n`);
    },
    interrupt() {},
    close() {},
  };
}

/** A progress bar per epoch on a terminal, with the epoch's summary line above it once it ends. */
export function barOutput(stream: NodeJS.WriteStream): TrainOutput {
  // cli-progress reserves {eta}, {value}, {total}…: the run's own ETA travels as {remaining}.
  let bar: cliProgress.SingleBar | null = null;
  // After Ctrl-C only the closing lines follow; no new bar for the last few batches.
  let interrupted = false;
  const latest = { loss: '–', acc: '–' };
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  return {
    event(event) {
      switch (event.kind) {
        case 'progress': {
          if (interrupted) return;
          const values = {
            epoch: `${event.epoch}/${event.epochs}`,
            loss: latest.loss,
            acc: latest.acc,
            speed: count(Math.round(event.samplesPerSec)),
            remaining: formatDuration(event.etaMs),
          };
          if (!bar) {
            bar = new cliProgress.SingleBar(
              {
                stream,
                format: 'Epoch {epoch} {bar} {value}/{total} | loss {loss} | acc {acc} | {speed} samples/s | ETA {remaining}',
                hideCursor: true,
                barsize: 24,
                fps: 10,
              },
              cliProgress.Presets.shades_classic,
            );
            bar.start(event.stepsPerEpoch, event.step, values);
          } else bar.update(event.step, values);
          return;
        }
        case 'batch': {
          const last = event.points.at(-1);
          if (last) {
            latest.loss = last.loss.toFixed(4);
            latest.acc = pct(last.accuracy);
            bar?.update({ loss: latest.loss, acc: latest.acc });
          }
          return;
        }
        default: {
          const line = describeEvent(event);
          if (!line) return;
          // The last progress event may be a few steps short of the epoch's end.
          if (event.kind === 'epoch') bar?.update(bar.getTotal());
          stopBar();
          stream.write(`${line}\n`);
        }
      }
    },
    interrupt() {
      interrupted = true;
      stopBar();
    },
    close: stopBar,
  };
}

/** The `--json` result: one line, the last on stdout. */
/** A run's callback settings and outcome, or null for a run without callbacks. */
export function callbackJson(record: RunRecord): Record<string, unknown> | null {
  const { earlyStopping, restoreBest, lrSchedule } = record.config.hyperparams;
  if (!earlyStopping && !restoreBest && !lrSchedule) return null;
  return { earlyStopping: earlyStopping ?? null, restoreBest: restoreBest ?? false, lrSchedule: lrSchedule ?? null, ...(record.callbacks ?? {}) };
}

export function runResultJson(record: RunRecord): Record<string, unknown> {
  return {
    runId: record.id,
    status: record.status,
    modelId: record.modelId,
    model: record.modelName,
    params: record.params,
    dataset: record.datasetId,
    seed: record.config.hyperparams.seed,
    // Augmentation: null when off, else every field (see src/shared/augment.ts) and its --augment text.
    augment: augmentIsOff(record.config.hyperparams.augment) ? null : { ...record.config.hyperparams.augment, text: formatAugment(record.config.hyperparams.augment) },
    epochs: record.epochsDone,
    testAccuracy: record.testAccuracy,
    testLoss: record.testLoss,
    samplesPerSec: record.samplesPerSec,
    durationMs: record.durationMs,
    trainingPath: record.environment?.trainingPath ?? null,
    trainingPathReason: record.environment?.trainingPathReason ?? null,
    trainingPathCause: record.environment?.trainingPathCause ?? null,
    intraOpThreads: record.environment?.intraOpThreads ?? null,
    interOpThreads: record.environment?.interOpThreads ?? null,
    // Every batch's loss (bucket means past LOSS_HISTORY_CAP); runs recorded before that kept one loss per logged batch.
    lossHistory: record.metrics.losses?.values ?? record.metrics.batches.map((b) => b.loss),
    lossHistoryEvery: record.metrics.losses?.every ?? record.config.hyperparams.logEvery,
    epochHistory: record.metrics.epochs,
    // The callbacks asked for and what they did (null without any).
    callbacks: callbackJson(record),
    // The mixed-in set (settings, held-out rows) and its accuracies before and after; null without --mix.
    mix: record.config.hyperparams.mix ? { ...record.config.hyperparams.mix, ...(record.mix ?? {}) } : null,
    ...(record.reason ? { reason: record.reason } : {}),
  };
}
