import type { DatasetSummary } from '../../src/shared/datasets';
import { DIGIT_CLASSES } from '../../src/shared/datasets';
import { DEFAULT_HYPERPARAMS } from '../../src/shared/hyperparams';
import { presetSpec } from '../../src/shared/model-spec';
import type { BatchPoint, EpochPoint, Evaluation, RunEnvironment, RunRecord, TrainEvent } from '../../src/shared/training';

/** What the engine says about runs, written out as it sends it: the component tests feed these through the studio double. */

export const RUN = 'run-1';

export function datasetSummary(id: string, status: DatasetSummary['status'] = 'ready', train = 60000): DatasetSummary {
  return {
    id,
    name: id === 'mnist' ? 'MNIST' : id,
    builtin: id === 'mnist',
    personal: false,
    status,
    classNames: DIGIT_CLASSES,
    train: status === 'ready' ? { count: train, classCounts: Array<number>(10).fill(train / 10) } : null,
    test: status === 'ready' ? { count: 10000, classCounts: Array<number>(10).fill(1000) } : null,
    files: status === 'ready' ? 4 : 0,
    bytes: 0,
    origin: null,
    dir: `/home/ada/.config/MNIST Studio/datasets/${id}`,
  };
}

export function started(runId = RUN, epochs = 2, stepsPerEpoch = 10, environment: Partial<RunEnvironment> = {}): Extract<TrainEvent, { kind: 'started' }> {
  return {
    kind: 'started',
    runId,
    dataset: { id: 'mnist', name: 'MNIST', classNames: [...DIGIT_CLASSES], trainCount: 640, validationCount: 0, testCount: 10000, digests: {} },
    environment: {
      app: '9.9.9',
      node: '22.1.0',
      tfjsNode: '4.22.0',
      tfjsCore: '4.22.0',
      libtensorflow: '2.21.0',
      backend: 'tensorflow',
      cpu: 'test cpu',
      cpuThreads: 2,
      intraOpThreads: '1',
      intraOpThreadsFrom: 'auto',
      trainingPath: 'native',
      trainingPathReason: 'the native path passed its self-test against tfjs-layers',
      trainingPathCause: 'self-test-passed',
      platform: 'linux-x64',
      ...environment,
    },
    epochs,
    stepsPerEpoch,
    params: 109386,
  };
}

export function batchPoint(globalStep: number, stepsPerEpoch = 10, loss = 2 / globalStep): BatchPoint {
  return { epoch: Math.ceil(globalStep / stepsPerEpoch), step: ((globalStep - 1) % stepsPerEpoch) + 1, globalStep, loss, accuracy: 0.5, samplesPerSec: 5000 };
}

export function batches(steps: number[], runId = RUN, epochs = 2, stepsPerEpoch = 10): Extract<TrainEvent, { kind: 'batch' }> {
  // Every batch's loss from the first logged step to the last, as the trainer streams them.
  const from = steps[0] ?? 1;
  const values = steps.length === 0 ? [] : Array.from({ length: steps.at(-1)! - from + 1 }, (_, i) => 2 / (from + i));
  return { kind: 'batch', runId, epochs, stepsPerEpoch, points: steps.map((s) => batchPoint(s, stepsPerEpoch)), losses: { from, values } };
}

export function epochPoint(epoch: number, validation: number | null = null): EpochPoint {
  return {
    epoch,
    trainLoss: 1 / epoch,
    trainAccuracy: 0.8 + epoch / 100,
    validationLoss: validation === null ? null : 0.5,
    validationAccuracy: validation,
    elapsedMs: 1500,
    samplesPerSec: 5000,
  };
}

export function epochEvent(epoch: number, runId = RUN, epochs = 2, validation: number | null = null): Extract<TrainEvent, { kind: 'epoch' }> {
  return { kind: 'epoch', runId, epochs, etaMs: 4000, tensors: 12, ...epochPoint(epoch, validation) };
}

export function progress(epoch: number, step: number, runId = RUN, epochs = 2, stepsPerEpoch = 10): Extract<TrainEvent, { kind: 'progress' }> {
  return { kind: 'progress', runId, epoch, epochs, step, stepsPerEpoch, samplesPerSec: 5123.4, etaMs: 75_000 };
}

export function evaluation(accuracy = 0.9712): Evaluation {
  return {
    loss: 0.0934,
    accuracy,
    count: 10000,
    classNames: [...DIGIT_CLASSES],
    perClass: DIGIT_CLASSES.map(() => ({ precision: accuracy, recall: accuracy, f1: accuracy, support: 1000 })),
    confusion: DIGIT_CLASSES.map((_, i) => DIGIT_CLASSES.map((_, j) => (i === j ? 970 : 3))),
    misclassified: [{ index: 8, label: 5, predicted: 6 }],
  };
}

export function done(runId = RUN, status: 'done' | 'stopped' = 'done', durationMs = 45_000): Extract<TrainEvent, { kind: 'done' }> {
  return { kind: 'done', runId, status, evaluation: evaluation(), modelId: `model-of-${runId}`, durationMs, samplesPerSec: 5400 };
}

/** A run's record as `runs:get` answers it while it trains. */
export function runRecord(steps: number[], epochsDone: number[], runId = RUN): RunRecord {
  const hyperparams = { ...DEFAULT_HYPERPARAMS, epochs: 2, logEvery: 1, seed: 7 };
  return {
    id: runId,
    status: 'running',
    createdAt: '2026-01-01T10:00:00.000Z',
    finishedAt: null,
    modelName: 'mlp',
    preset: 'mlp',
    hyperparams,
    datasetId: 'mnist',
    epochs: 2,
    epochsDone: epochsDone.length,
    testAccuracy: null,
    testLoss: null,
    durationMs: null,
    samplesPerSec: null,
    modelId: null,
    parentModelId: null,
    reason: null,
    config: { dataset: { id: 'mnist' }, model: presetSpec('mlp'), hyperparams },
    dataset: started(runId).dataset,
    environment: started(runId).environment,
    params: 109386,
    metrics: { batches: steps.map((s) => batchPoint(s)), epochs: epochsDone.map((e) => epochPoint(e)) },
    evaluation: null,
    hostPid: 4242,
  };
}
