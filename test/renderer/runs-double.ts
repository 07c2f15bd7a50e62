import { DIGIT_CLASSES, IDX_FILES, NUM_CLASSES, PIXELS } from '../../src/shared/datasets';
import type { HyperparamsInput } from '../../src/shared/hyperparams';
import { describeModel, presetOf, presetSpec, type ModelSpecInput, type Preset } from '../../src/shared/model-spec';
import { StudioError } from '../../src/shared/result';
import { TrainConfigInput, type BatchPoint, type EpochPoint, type Evaluation, type RunRecord, type RunStatus, type RunSummary, type TrainEvent } from '../../src/shared/training';
import type { StudioDouble } from './harness';

/** The digest a fake run records for its test images; the double's dataset has it unless told otherwise. */
export const TEST_IMAGES_SHA = 'c0ffee'.padEnd(64, '0');

export interface FakeRun {
  id: string;
  createdAt: string;
  status?: RunStatus;
  datasetId?: string;
  model?: Preset | ModelSpecInput;
  hyperparams?: HyperparamsInput;
  /** Share of the test set predicted right (done and stopped runs). */
  accuracy?: number;
  /** Test images: `testCount / 10` of each class, label = index mod 10. */
  testCount?: number;
  durationMs?: number;
  reason?: string;
  classNames?: readonly string[];
}

/**
 * Test results where test image i has label i mod 10 and the first
 * (1 − accuracy) of them are wrong, each taken for the next class: every
 * number follows from that, so a test can say what a screen must show.
 */
export function fakeEvaluation(testCount: number, accuracy: number, classNames: readonly string[]): Evaluation {
  const wrong = Math.round((1 - accuracy) * testCount);
  const misclassified = Array.from({ length: wrong }, (_, index) => ({ index, label: index % NUM_CLASSES, predicted: (index + 1) % NUM_CLASSES }));
  const confusion = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
  for (let i = 0; i < testCount; i++) confusion[i % NUM_CLASSES]![i < wrong ? (i + 1) % NUM_CLASSES : i % NUM_CLASSES]! += 1;
  const perClass = confusion.map((row, c) => {
    const support = row.reduce((a, b) => a + b, 0);
    const called = confusion.reduce((sum, r) => sum + r[c]!, 0);
    const precision = called ? row[c]! / called : 0;
    const recall = support ? row[c]! / support : 0;
    return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  });
  return { loss: 0.35, accuracy: (testCount - wrong) / testCount, count: testCount, classNames: [...classNames], perClass, confusion, misclassified };
}

/**
 * A full run record as main keeps it, built from a few facts: the config
 * through the contract's own schema, parameters from the spec, logged
 * batches and epochs on a falling curve, and `fakeEvaluation`.
 */
export function fakeRun(run: FakeRun): RunRecord {
  const status = run.status ?? 'done';
  const model = typeof run.model === 'string' || run.model === undefined ? presetSpec(run.model ?? 'mlp') : run.model;
  const datasetId = run.datasetId ?? 'mnist';
  const dataset = datasetId.startsWith('dir:') ? { dir: datasetId.slice('dir:'.length) } : { id: datasetId };
  const parsed = TrainConfigInput.parse({ dataset, model, hyperparams: { epochs: 2, logEvery: 10, ...run.hyperparams } });
  const config = { ...parsed, hyperparams: { ...parsed.hyperparams, seed: 7 } };
  const hp = config.hyperparams;
  const trainCount = 1000;
  const stepsPerEpoch = Math.ceil(trainCount / hp.batchSize);
  const finished = status !== 'running';
  const epochsDone = status === 'failed' ? 0 : status === 'running' || status === 'stopped' ? Math.max(1, hp.epochs - 1) : hp.epochs;
  const batches: BatchPoint[] = [];
  const epochs: EpochPoint[] = [];
  const rate = hp.learningRate * 500;
  for (let epoch = 1; epoch <= epochsDone; epoch++) {
    for (let step = hp.logEvery; step <= stepsPerEpoch; step += hp.logEvery) {
      const globalStep = (epoch - 1) * stepsPerEpoch + step;
      batches.push({ epoch, step, globalStep, loss: 2.3 / (1 + rate * globalStep), accuracy: 1 - 0.9 / (1 + rate * globalStep), samplesPerSec: 5000 });
    }
    const validation = hp.validationSplit > 0;
    epochs.push({
      epoch,
      trainLoss: 2 / (1 + epoch),
      trainAccuracy: 1 - 0.5 / (1 + epoch),
      validationLoss: validation ? 2.2 / (1 + epoch) : null,
      validationAccuracy: validation ? 1 - 0.55 / (1 + epoch) : null,
      elapsedMs: 1500,
      samplesPerSec: 5000,
    });
  }
  const classNames = run.classNames ?? DIGIT_CLASSES;
  const testCount = run.testCount ?? 200;
  const evaluated = status === 'done' || status === 'stopped';
  const evaluation = evaluated ? fakeEvaluation(testCount, run.accuracy ?? 0.9, classNames) : null;
  const params = describeModel(config.model).params;
  return {
    id: run.id,
    status,
    createdAt: run.createdAt,
    finishedAt: finished ? new Date(Date.parse(run.createdAt) + (run.durationMs ?? 60_000)).toISOString() : null,
    modelName: config.model.name,
    preset: presetOf(config.model),
    params,
    hyperparams: hp,
    datasetId,
    epochs: hp.epochs,
    epochsDone,
    testAccuracy: evaluation?.accuracy ?? null,
    testLoss: evaluation?.loss ?? null,
    durationMs: evaluated ? (run.durationMs ?? 60_000) : null,
    samplesPerSec: evaluated ? 5000 : null,
    modelId: evaluated ? `${run.id}-model` : null,
    parentModelId: config.fromModel ?? null,
    reason: status === 'failed' ? (run.reason ?? 'the trainer process exited with code 1') : null,
    config,
    dataset: {
      id: datasetId,
      name: 'MNIST',
      classNames: [...classNames],
      trainCount,
      validationCount: 0,
      testCount,
      digests: { [IDX_FILES.testImages]: TEST_IMAGES_SHA },
    },
    environment: null,
    metrics: { batches, epochs },
    evaluation,
    hostPid: 4242,
  };
}

export function summaryOf(record: RunRecord): RunSummary {
  const { config: _c, dataset: _d, environment: _e, metrics: _m, evaluation: _v, hostPid: _h, ...summary } = record;
  return summary;
}

/**
 * Main's runs domain for the Runs and Evaluate screens' tests, kept in
 * memory: `records` are the studio home's runs (newest first in the list,
 * as main answers); the active run cannot be deleted (BUSY); test images
 * come from a dataset whose image `index` is a bar `index % 28` pixels
 * long. The training engine itself has its own tests with real trainers.
 */
export class RunsDouble {
  records: RunRecord[];
  /** The run training now: deleting it is refused. */
  activeId: string | null = null;
  /** What `datasets:images` finds as the test images' SHA-256 (the run's, unless a test replaces the dataset). */
  testImagesSha = TEST_IMAGES_SHA;
  readonly imageRequests: { id: string; indices: number[]; sha256: string | undefined }[] = [];

  constructor(
    readonly studio: StudioDouble,
    records: RunRecord[] = [],
  ) {
    this.records = records;
    studio
      .respond('runs:list', async () => structuredClone(this.records.map(summaryOf).sort((a, b) => b.createdAt.localeCompare(a.createdAt))))
      .respond('runs:get', async ({ id }) => {
        const record = this.records.find((r) => r.id === id);
        if (!record) throw new StudioError('NOT_FOUND', `no run ${id} in /home/ada/.config/MNIST Studio/runs`, 'id');
        return structuredClone(record);
      })
      // No run of these tests recorded histograms.
      .respond('runs:histograms', async () => ({ histograms: null }))
      .respond('runs:delete', async ({ id }) => {
        if (this.activeId === id) throw new StudioError('BUSY', `run ${id} is training; stop it first`, 'id');
        if (!this.records.some((r) => r.id === id)) throw new StudioError('NOT_FOUND', `no run ${id} in /home/ada/.config/MNIST Studio/runs`, 'id');
        this.records = this.records.filter((r) => r.id !== id);
        return { id };
      })
      .respond('datasets:images', async ({ id, split, indices, sha256 }) => {
        this.imageRequests.push({ id, indices, sha256 });
        if (sha256 && sha256 !== this.testImagesSha) throw new StudioError('INTEGRITY', `${id}: its ${split} images are not the ones asked for`, 'sha256');
        const images = new Uint8Array(indices.length * PIXELS);
        indices.forEach((index, k) => images.fill(255, k * PIXELS, k * PIXELS + (index % 28) + 1));
        return { split, indices, labels: Uint8Array.from(indices, (i) => i % NUM_CLASSES), images };
      });
  }

  emit(event: TrainEvent): void {
    this.studio.emit('train', event);
  }

  /** Replaces a run's record (it trained on, or finished). */
  put(record: RunRecord): void {
    this.records = [...this.records.filter((r) => r.id !== record.id), record];
  }
}
