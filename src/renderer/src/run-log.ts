import type { RunRecord } from '@shared/training';
import type { LogEntry, LogLine } from './stores/training';

/**
 * A kept run's log, rebuilt from its record in the words the Train screen
 * wrote while it ran (the engine keeps the numbers, not the lines): its
 * start, each logged batch, each epoch, and how it ended. Pauses are not
 * recorded, so they are not in it.
 */
export function recordLog(record: RunRecord): LogEntry[] {
  const hp = record.config.hyperparams;
  // Steps per epoch from the data the run trained on; the logged batches alone may stop short of an epoch's last step.
  const steps = record.dataset ? Math.ceil(record.dataset.trainCount / hp.batchSize) : record.metrics.batches.reduce((most, b) => Math.max(most, b.step), 0);
  const lines: LogLine[] = [];
  if (record.dataset && record.params !== null) {
    const d = record.dataset;
    lines.push({ kind: 'started', dataset: d.name, train: d.trainCount, validation: d.validationCount, test: d.testCount, params: record.params });
  }
  // Batches and epochs interleave as they happened: an epoch's line follows its last batch.
  let next = 0;
  const batches = record.metrics.batches;
  for (const e of record.metrics.epochs) {
    for (; next < batches.length && batches[next]!.epoch <= e.epoch; next++) lines.push(batchLine(batches[next]!, hp.epochs, steps));
    const { epoch, trainLoss, trainAccuracy, validationLoss, validationAccuracy, elapsedMs } = e;
    lines.push({ kind: 'epoch', epoch, epochs: hp.epochs, trainLoss, trainAccuracy, validationLoss, validationAccuracy, elapsedMs });
  }
  for (; next < batches.length; next++) lines.push(batchLine(batches[next]!, hp.epochs, steps));
  if ((record.status === 'done' || record.status === 'stopped') && record.evaluation) {
    lines.push({ kind: 'done', status: record.status, accuracy: record.evaluation.accuracy, loss: record.evaluation.loss });
  } else if (record.status === 'failed') {
    lines.push({ kind: 'failed', reason: record.reason ?? '' });
  }
  return lines.map((line, i) => ({ ...line, id: i + 1 }));
}

function batchLine(b: RunRecord['metrics']['batches'][number], epochs: number, steps: number): LogLine {
  return { kind: 'batch', globalStep: b.globalStep, epoch: b.epoch, epochs, step: b.step, steps, loss: b.loss };
}
