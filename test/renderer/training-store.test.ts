import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord, TrainStatus } from '../../src/shared/training';
import { StudioError } from '../../src/shared/result';
import { resetStudioClient } from '../../src/renderer/src/composables/useStudio';
import { LOG_LIMIT, useTrainingStore } from '../../src/renderer/src/stores/training';
import { presetSpec } from '../../src/shared/model-spec';
import { appendLosses, emptyLossHistory, LOSS_HISTORY_CAP } from '../../src/shared/loss-history';
import { StudioDouble } from './harness';
import { batches, done, epochEvent, progress, RUN, runRecord, started } from './training-fixtures';

let studio: StudioDouble;

beforeEach(() => {
  studio = new StudioDouble();
  resetStudioClient();
  window.studio = studio.client;
  setActivePinia(createPinia());
});

afterEach(() => {
  delete window.studio;
  resetStudioClient();
});

const status = (state: TrainStatus['state'], runId: string | null = RUN): TrainStatus => ({ runId, state, epoch: 2, epochs: 2, step: 3, stepsPerEpoch: 10 });
const input = { dataset: { id: 'mnist' }, model: presetSpec('mlp'), hyperparams: { epochs: 2, logEvery: 1 } };

describe('the training store', () => {
  it('follows a run from start to finish: phase, progress, loss and accuracy series, log, result', async () => {
    studio.respond('train:start', () => ({ runId: RUN }));
    const training = useTrainingStore();
    expect(await training.start(input)).toBe(true);
    expect(training.phase).toBe('starting');
    expect(training.runId).toBe(RUN);
    expect(training.info?.modelName).toBe('mlp');

    training.handle(started());
    expect(training.phase).toBe('running');
    expect(training.info).toMatchObject({ datasetName: 'MNIST', trainCount: 640, params: 109386 });
    training.handle(progress(1, 4));
    expect(training.progress).toMatchObject({ epoch: 1, step: 4, stepsPerEpoch: 10, samplesPerSec: 5123.4, etaMs: 75_000 });
    const revision = training.revision;
    training.handle(batches([1, 2, 3, 4]));
    expect(training.series.loss.map((p) => p.x)).toEqual([1, 2, 3, 4]);
    expect(training.revision).toBeGreaterThan(revision);
    // A point seen already (a coalesced batch event overlapping a restored record) is not drawn twice.
    training.handle(batches([4, 5]));
    expect(training.series.loss.map((p) => p.x)).toEqual([1, 2, 3, 4, 5]);
    training.handle(epochEvent(1, RUN, 2, 0.9));
    expect(training.series.trainAccuracy).toEqual([{ x: 1, y: 0.81 }]);
    expect(training.series.validationAccuracy).toEqual([{ x: 1, y: 0.9 }]);
    training.handle({ kind: 'activity', runId: RUN, activity: 'paused' });
    expect(training.phase).toBe('paused');
    training.handle({ kind: 'activity', runId: RUN, activity: 'running' });
    training.handle({ kind: 'activity', runId: RUN, activity: 'evaluating' });
    expect(training.phase).toBe('evaluating');
    training.handle(done());
    expect(training.phase).toBe('done');
    expect(training.result).toMatchObject({ status: 'done', modelId: `model-of-${RUN}`, durationMs: 45_000 });
    expect(training.finished).toEqual({ runId: RUN, status: 'done', accuracy: 0.9712, durationMs: 45_000, reason: null });
    expect(training.progress).toMatchObject({ epoch: 2, step: 10, etaMs: 0 });
    expect(training.log.map((l) => l.kind)).toEqual(['started', 'batch', 'batch', 'batch', 'batch', 'batch', 'epoch', 'paused', 'resumed', 'evaluating', 'done']);
  });

  it('a stop under way is not undone by the trainer’s last "running"; a failure keeps its reason', async () => {
    studio.respond('train:start', () => ({ runId: RUN })).respond('train:stop', () => status('stopping'));
    const training = useTrainingStore();
    await training.start(input);
    training.handle(started());
    expect(await training.stop()).toBe(true);
    expect(studio.inputs('train:stop')).toEqual([{ runId: RUN }]);
    expect(training.phase).toBe('stopping');
    training.handle({ kind: 'activity', runId: RUN, activity: 'running' });
    expect(training.phase).toBe('stopping');
    training.handle({ kind: 'failed', runId: RUN, reason: 'the trainer process was killed (SIGKILL) before the run finished' });
    expect(training.phase).toBe('failed');
    expect(training.failure).toBe('the trainer process was killed (SIGKILL) before the run finished');
    expect(training.finished?.status).toBe('failed');
  });

  it('keeps a refused start as an error with its code and message, and goes back to idle', async () => {
    studio.respond('train:start', () => {
      throw new StudioError('BUSY', 'a run is already training (other-run); stop it or wait for it to finish');
    });
    const training = useTrainingStore();
    expect(await training.start(input)).toBe(false);
    expect(training.phase).toBe('idle');
    expect(training.error).toEqual({ action: 'start', error: { code: 'BUSY', message: 'a run is already training (other-run); stop it or wait for it to finish' } });
    // The contract validated what was sent.
    expect(studio.inputs('train:start')[0]).toMatchObject({ dataset: { id: 'mnist' }, hyperparams: { epochs: 2, batchSize: 64, logEvery: 1 } });
  });

  it('ignores another run’s events while its own runs, and follows a new run once its own has ended', async () => {
    studio.respond('train:start', () => ({ runId: RUN }));
    const training = useTrainingStore();
    await training.start(input);
    training.handle(started());
    training.handle(batches([1, 2], 'stale-run'));
    expect(training.series.loss).toEqual([]);
    training.handle(done());
    // Started elsewhere (another window or tab): followed from its start.
    training.handle(started('run-2'));
    expect(training.runId).toBe('run-2');
    expect(training.phase).toBe('running');
    expect(training.result).toBeNull();
    expect(training.log.map((l) => l.kind)).toEqual(['started']);
  });

  it('restores a run in progress from train:status and its record, keeping what arrived meanwhile, once', async () => {
    let answer!: (record: RunRecord) => void;
    studio.respond('train:status', () => status('paused')).respond('runs:get', () => new Promise<RunRecord>((resolve) => (answer = resolve)));
    const training = useTrainingStore();
    const restoring = training.restore();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(training.runId).toBe(RUN);
    expect(training.phase).toBe('paused');
    // Points and an epoch arrive while the record is on its way; the record has the first ones too.
    training.handle(batches([5, 6]));
    training.handle(epochEvent(2));
    answer(runRecord([1, 2, 3, 4, 5], [1]));
    await restoring;
    expect(training.series.loss.map((p) => p.x)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(training.series.trainAccuracy.map((p) => p.x)).toEqual([1, 2]);
    expect(training.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(training.info).toMatchObject({ modelName: 'mlp', datasetName: 'MNIST', params: 109386, hyperparams: { epochs: 2, logEvery: 1 } });
    expect(training.progress).toMatchObject({ epoch: 2, step: 3, stepsPerEpoch: 10, samplesPerSec: 5000 });
    const log = training.log.map((l) => (l.kind === 'batch' ? `batch ${l.globalStep}` : l.kind));
    expect(log).toEqual(['started', 'batch 1', 'batch 2', 'batch 3', 'batch 4', 'batch 5', 'epoch', 'batch 6', 'epoch']);
    expect(studio.inputs('runs:get')).toEqual([{ id: RUN }]);
  });

  it(`draws every batch's loss live as a reloaded window draws it from the record, past the record's ${LOSS_HISTORY_CAP} values, and joined mid-run`, async () => {
    const total = 5100;
    const chunks = Array.from({ length: total / 50 }, (_, i) => Array.from({ length: 50 }, (_, j) => i * 50 + j + 1));
    const recorded = (upTo: number): RunRecord => {
      const record = runRecord([], []);
      const losses = emptyLossHistory();
      // As the host keeps it: every batch event's losses appended.
      for (const chunk of chunks.filter((c) => c.at(-1)! <= upTo)) appendLosses(losses, batches(chunk).losses.values);
      return { ...record, metrics: { ...record.metrics, losses } };
    };
    studio.respond('train:start', () => ({ runId: RUN }));
    const live = useTrainingStore();
    await live.start(input);
    live.handle(started(RUN, 2, total));
    for (const chunk of chunks) live.handle(batches(chunk, RUN, 2, total));
    const drawn = live.series.batchLoss.map((p) => ({ ...p }));
    expect(drawn.length).toBeLessThanOrEqual(LOSS_HISTORY_CAP);
    expect(drawn.at(-1)!.x).toBeGreaterThan(total - 1);

    // A reloaded window: the record as it is now.
    studio.respond('train:status', () => status('running')).respond('runs:get', () => recorded(total));
    setActivePinia(createPinia());
    const reloaded = useTrainingStore();
    await reloaded.restore();
    expect(reloaded.series.batchLoss).toEqual(drawn);

    // A window that joins while the record lags behind the stream: what it saw first is kept.
    let answer!: (record: RunRecord) => void;
    studio.respond('runs:get', () => new Promise<RunRecord>((resolve) => (answer = resolve)));
    setActivePinia(createPinia());
    const joined = useTrainingStore();
    const restoring = joined.restore();
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (const chunk of chunks.slice(-4)) joined.handle(batches(chunk, RUN, 2, total));
    answer(recorded(total - 100));
    await restoring;
    expect(joined.series.batchLoss).toEqual(drawn);
  });

  it('restores nothing when the engine is idle', async () => {
    studio.respond('train:status', () => status('idle', null));
    const training = useTrainingStore();
    await training.restore();
    expect(training.phase).toBe('idle');
    expect(studio.inputs('runs:get')).toEqual([]);
  });

  it(`keeps the last ${LOG_LIMIT} log lines; the charts keep every point`, async () => {
    studio.respond('train:start', () => ({ runId: RUN }));
    const training = useTrainingStore();
    await training.start(input);
    training.handle(started(RUN, 1, 1000));
    training.handle(
      batches(
        Array.from({ length: 800 }, (_, i) => i + 1),
        RUN,
        1,
        1000,
      ),
    );
    expect(training.series.loss).toHaveLength(800);
    expect(training.log).toHaveLength(LOG_LIMIT);
    expect(training.log.at(-1)).toMatchObject({ kind: 'batch', globalStep: 800 });
  });
});
