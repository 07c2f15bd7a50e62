/**
 * CSV as spreadsheets read it (RFC 4180): a field with a comma, a quote or
 * a line break is quoted, quotes inside doubled; lines end in CRLF.
 */
import type { RunRecord } from '@shared/training';

export type CsvValue = string | number | null;

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const COLUMNS = [
  'run',
  'dataset',
  'model',
  'kind',
  'epoch',
  'step',
  'global_step',
  'loss',
  'accuracy',
  'validation_loss',
  'validation_accuracy',
  'samples_per_sec',
  'elapsed_ms',
] as const;

/**
 * A run's metrics, one row per logged batch then one per finished epoch
 * (`kind` says which), each naming the run, dataset and model so that
 * files of several runs can be pasted together. Names stay as the engine
 * has them (a folder path may hold commas: it is quoted).
 */
export function runMetricsCsv(record: RunRecord): string {
  const who = [record.id, record.datasetId, record.modelName] as const;
  return toCsv([
    COLUMNS,
    ...record.metrics.batches.map((b) => [...who, 'batch', b.epoch, b.step, b.globalStep, b.loss, b.accuracy, null, null, b.samplesPerSec, null]),
    ...record.metrics.epochs.map((e) => [...who, 'epoch', e.epoch, null, null, e.trainLoss, e.trainAccuracy, e.validationLoss, e.validationAccuracy, e.samplesPerSec, e.elapsedMs]),
  ]);
}
