import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { MethodInput } from '@shared/api';
import type { HyperparamsInput } from '@shared/hyperparams';
import type { MixOutcome } from '@shared/mix';
import { fail, type ApiError } from '@shared/result';
import type { BatchPoint, EpochPoint, Evaluation, RunEnvironment, RunRecord, TrainEvent, TrainingPathCause, TrainingPathName, TrainStatus } from '@shared/training';
import { appendLosses, emptyLossHistory, lossHistoryPoint, lossHistoryPoints, lossHistorySteps, type LossHistory } from '@shared/loss-history';
import type { ChartPoint } from '../components/charts/types';
import { recordStepsPerEpoch } from '../composables/useLossSeries';
import { useStudio } from '../composables/useStudio';

/** Where the run this window shows is. The first five are a run in progress; the last three, how it ended. */
export type RunPhase = 'idle' | 'starting' | 'running' | 'paused' | 'evaluating' | 'stopping' | 'done' | 'stopped' | 'failed';

const LIVE: readonly RunPhase[] = ['starting', 'running', 'paused', 'evaluating', 'stopping'];
export const isLive = (phase: RunPhase): boolean => LIVE.includes(phase);

/** The metric series of a run (x: the global step for losses, the epoch for accuracy), kept out of Vue's deep reactivity (a long run logs many thousands of points); `revision` says when they grew. */
export interface RunSeries {
  /** The logged batches' losses (one per `logEvery`), as the log shows them. */
  loss: ChartPoint[];
  /** Every batch's loss, bucket means past LOSS_HISTORY_CAP points, exactly as the run's record keeps it (a reloaded window draws the same curve). */
  batchLoss: ChartPoint[];
  /** Mean training loss and validation loss of each epoch, at the epoch's last step. */
  epochLoss: ChartPoint[];
  validationLoss: ChartPoint[];
  trainAccuracy: ChartPoint[];
  validationAccuracy: ChartPoint[];
}

/** One line of the run's log, kept as data so it is written in whatever language the UI shows when it is read. */
export type LogLine =
  | { kind: 'started'; dataset: string; train: number; validation: number; test: number; params: number }
  | { kind: 'batch'; globalStep: number; epoch: number; epochs: number; step: number; steps: number; loss: number }
  | { kind: 'epoch'; epoch: number; epochs: number; trainLoss: number; trainAccuracy: number; validationLoss: number | null; validationAccuracy: number | null; elapsedMs: number }
  | { kind: 'paused' | 'resumed' | 'evaluating' | 'stopping' }
  | { kind: 'done'; status: 'done' | 'stopped'; accuracy: number; loss: number }
  | { kind: 'failed'; reason: string };
export type LogEntry = LogLine & { id: number };

/** At most this many log lines are kept; older ones scroll away (the charts keep everything). */
export const LOG_LIMIT = 500;

/** What the run trains: shown beside the charts while it runs. */
export interface RunInfo {
  modelName: string;
  datasetName: string | null;
  trainCount: number | null;
  validationCount: number | null;
  testCount: number | null;
  params: number | null;
  hyperparams: HyperparamsInput | null;
  /** Which engine trains it, why, and on how many TensorFlow threads; null until the trainer has said. */
  engine: RunEngine | null;
  /** The saved model it fine-tunes, or null for a run from scratch. */
  fromModel: string | null;
}

/** The engine of a run, from its environment record. */
export interface RunEngine {
  path: TrainingPathName;
  /** Null for a run recorded before the cause was (its record has only the English reason). */
  cause: TrainingPathCause | null;
  /** TensorFlow's intra-op threads (all the CPU's when the trainer was left to TensorFlow's default). */
  threads: number;
}

/** The engine a run's environment names, or null for a record from before there were two. */
export function runEngine(environment: RunEnvironment | null | undefined): RunEngine | null {
  if (!environment?.trainingPath) return null;
  const threads = Number(environment.intraOpThreads);
  return {
    path: environment.trainingPath,
    cause: environment.trainingPathCause ?? null,
    threads: Number.isInteger(threads) && threads > 0 ? threads : environment.cpuThreads,
  };
}

export interface RunProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  samplesPerSec: number | null;
  etaMs: number | null;
}

/** How a finished run ended: the test set's verdict and its saved model. */
export interface RunResult {
  status: 'done' | 'stopped';
  evaluation: Evaluation;
  modelId: string;
  durationMs: number;
  samplesPerSec: number;
  /** What mixing a personal set in did (held-out and test accuracy, before and after); null without a mix. */
  mix: MixOutcome | null;
}

/** A run that just ended, for whoever tells the user (a toast, an OS notification). */
export interface FinishedRun {
  runId: string;
  status: 'done' | 'stopped' | 'failed';
  accuracy: number | null;
  durationMs: number | null;
  reason: string | null;
}

export type TrainAction = 'start' | 'pause' | 'resume' | 'stop';

/** A refused call, with what the user was doing. */
export interface ActionError {
  action: TrainAction;
  error: ApiError;
}

const NOT_CONNECTED = 'not connected to a studio engine';

const emptySeries = (): RunSeries => markRaw({ loss: [], batchLoss: [], epochLoss: [], validationLoss: [], trainAccuracy: [], validationAccuracy: [] });

/**
 * The training run this window shows, fed by the `train` stream (so it
 * keeps going while the user is on another screen) and restored from
 * `train:status` when the window opens during a run. The engine runs one
 * run at a time, so the store follows whichever run is on.
 */
export const useTrainingStore = defineStore('training', () => {
  const runId = ref<string | null>(null);
  const phase = ref<RunPhase>('idle');
  const info = ref<RunInfo | null>(null);
  const progress = ref<RunProgress | null>(null);
  const series = shallowRef<RunSeries>(emptySeries());
  const epochs = shallowRef<EpochPoint[]>([]);
  /** Bumped whenever `series` grows: charts redraw on it. */
  const revision = ref(0);
  const log = shallowRef<LogEntry[]>([]);
  const result = shallowRef<RunResult | null>(null);
  const failure = ref<string | null>(null);
  const error = ref<ActionError | null>(null);
  const pending = ref<TrainAction | null>(null);
  const finished = ref<FinishedRun | null>(null);
  let logId = 0;
  /** Every batch's loss from global step `lossFrom` on (1, unless this window joined mid-run and the record has not filled in the start yet); `series.batchLoss` draws it. */
  let losses: LossHistory = emptyLossHistory();
  let lossFrom = 1;
  /** A record asked for to fill a gap in the stream (the window missed events): asked once at a time. */
  let filling = false;

  function addLog(lines: LogLine[]): void {
    if (lines.length === 0) return;
    const next = [...log.value, ...lines.map((line) => ({ ...line, id: ++logId }))];
    log.value = next.length > LOG_LIMIT ? next.slice(next.length - LOG_LIMIT) : next;
  }

  function reset(id: string | null, next: RunPhase): void {
    runId.value = id;
    phase.value = next;
    info.value = null;
    progress.value = null;
    series.value = emptySeries();
    losses = emptyLossHistory();
    lossFrom = 1;
    epochs.value = [];
    revision.value++;
    log.value = [];
    result.value = null;
    failure.value = null;
  }

  /** Redraws `series.batchLoss` from the history: only its last points while the buckets keep their width. */
  function drawLosses(lengthBefore: number, everyBefore: number): void {
    const s = series.value;
    if (losses.every !== everyBefore || s.batchLoss.length !== lengthBefore) {
      s.batchLoss = lossHistoryPoints(losses, lossFrom);
      return;
    }
    s.batchLoss.length = Math.max(0, lengthBefore - 1);
    for (let i = s.batchLoss.length; i < losses.values.length; i++) s.batchLoss.push(lossHistoryPoint(losses, i, lossFrom));
  }

  const lastStep = () => series.value.loss.at(-1)?.x ?? 0;

  function addBatches(points: BatchPoint[], epochCount: number, stepsPerEpoch: number): void {
    const fresh = points.filter((p) => p.globalStep > lastStep());
    if (fresh.length === 0) return;
    series.value.loss.push(...fresh.map((p) => ({ x: p.globalStep, y: p.loss })));
    addLog(fresh.map((p) => ({ kind: 'batch', globalStep: p.globalStep, epoch: p.epoch, epochs: epochCount, step: p.step, steps: stepsPerEpoch, loss: p.loss })));
    revision.value++;
  }

  /** Batches' losses from global step `from` on; what the window has already is skipped. */
  function addLosses(from: number, values: readonly number[]): void {
    const have = lossHistorySteps(losses);
    if (have === 0) lossFrom = from;
    const next = lossFrom + have;
    if (from > next) {
      // Events were missed: the record has them (and these), asked for once.
      if (!filling && runId.value !== null) {
        filling = true;
        void fetchRecord(runId.value).finally(() => (filling = false));
      }
      return;
    }
    const fresh = values.slice(next - from);
    if (fresh.length === 0) return;
    const lengthBefore = losses.values.length;
    const everyBefore = losses.every;
    appendLosses(losses, fresh);
    drawLosses(lengthBefore, everyBefore);
    revision.value++;
  }

  /** Takes a record's history of losses, unless this window's own reaches as far from the first step; what only this window has (arrived meanwhile) is kept. */
  function mergeLosses(recorded: LossHistory | undefined): void {
    if (!recorded) {
      // A run recorded before every batch's loss was kept charts its logged batches.
      losses = emptyLossHistory();
      lossFrom = 1;
      series.value.batchLoss = series.value.loss.map((p) => ({ ...p }));
      return;
    }
    const steps = lossHistorySteps(recorded);
    const ownEnd = lossFrom - 1 + lossHistorySteps(losses);
    if (lossFrom === 1 && ownEnd >= steps) {
      series.value.batchLoss = lossHistoryPoints(losses);
      return;
    }
    const merged = structuredClone(recorded);
    // Only unmerged values name their steps; a window that joined mid-run holds a few.
    if (losses.every === 1 && ownEnd > steps && lossFrom <= steps + 1) appendLosses(merged, losses.values.slice(steps + 1 - lossFrom));
    losses = merged;
    lossFrom = 1;
    series.value.batchLoss = lossHistoryPoints(losses);
  }

  function addEpoch(point: EpochPoint, epochCount: number, stepsPerEpoch: number, log = true): void {
    if (epochs.value.some((e) => e.epoch === point.epoch)) return;
    epochs.value = [...epochs.value, point];
    const x = point.epoch * stepsPerEpoch;
    series.value.epochLoss.push({ x, y: point.trainLoss });
    if (point.validationLoss !== null) series.value.validationLoss.push({ x, y: point.validationLoss });
    series.value.trainAccuracy.push({ x: point.epoch, y: point.trainAccuracy });
    if (point.validationAccuracy !== null) series.value.validationAccuracy.push({ x: point.epoch, y: point.validationAccuracy });
    if (!log) {
      revision.value++;
      return;
    }
    addLog([
      {
        kind: 'epoch',
        epoch: point.epoch,
        epochs: epochCount,
        trainLoss: point.trainLoss,
        trainAccuracy: point.trainAccuracy,
        validationLoss: point.validationLoss,
        validationAccuracy: point.validationAccuracy,
        elapsedMs: point.elapsedMs,
      },
    ]);
    revision.value++;
  }

  function finish(next: FinishedRun): void {
    finished.value = next;
    pending.value = null;
  }

  /** Applies one event of the `train` stream. */
  function handle(event: TrainEvent): void {
    if (event.runId !== runId.value) {
      // The reply to our own start may come after the run's first event.
      if (phase.value === 'starting' && runId.value === null) runId.value = event.runId;
      else if (event.kind === 'started') reset(event.runId, 'running');
      else if (!isLive(phase.value)) {
        // A run this window has not seen start (started elsewhere, or before a reconnect): follow it and fetch what it did so far.
        reset(event.runId, 'running');
        void fetchRecord(event.runId);
      } else return;
    }
    switch (event.kind) {
      case 'started':
        info.value = {
          modelName: info.value?.modelName ?? '',
          hyperparams: info.value?.hyperparams ?? null,
          datasetName: event.dataset.name,
          trainCount: event.dataset.trainCount,
          validationCount: event.dataset.validationCount,
          testCount: event.dataset.testCount,
          params: event.params,
          engine: runEngine(event.environment),
          fromModel: info.value?.fromModel ?? null,
        };
        progress.value = { epoch: 1, epochs: event.epochs, step: 0, stepsPerEpoch: event.stepsPerEpoch, samplesPerSec: null, etaMs: null };
        if (phase.value === 'starting') phase.value = 'running';
        addLog([
          {
            kind: 'started',
            dataset: event.dataset.name,
            train: event.dataset.trainCount,
            validation: event.dataset.validationCount,
            test: event.dataset.testCount,
            params: event.params,
          },
        ]);
        break;
      case 'activity':
        if (event.activity === 'paused' && phase.value !== 'paused') addLog([{ kind: 'paused' }]);
        if (event.activity === 'running' && phase.value === 'paused') addLog([{ kind: 'resumed' }]);
        if (event.activity === 'evaluating' && phase.value !== 'evaluating') addLog([{ kind: 'evaluating' }]);
        // A stop is under way: the trainer's last "running" does not undo it.
        if (!(phase.value === 'stopping' && event.activity === 'running')) phase.value = event.activity;
        break;
      case 'progress':
        progress.value = { ...event };
        if (phase.value === 'starting') phase.value = 'running';
        break;
      case 'batch':
        addBatches(event.points, event.epochs, event.stepsPerEpoch);
        addLosses(event.losses.from, event.losses.values);
        break;
      case 'epoch': {
        const { kind: _kind, runId: _runId, epochs: epochCount, etaMs, tensors: _tensors, ...point } = event;
        addEpoch(point, epochCount, progress.value?.stepsPerEpoch ?? 0);
        if (progress.value) progress.value = { ...progress.value, etaMs };
        break;
      }
      case 'done':
        phase.value = event.status;
        result.value = {
          status: event.status,
          evaluation: event.evaluation,
          modelId: event.modelId,
          durationMs: event.durationMs,
          samplesPerSec: event.samplesPerSec,
          mix: event.mix ?? null,
        };
        // The speed shown is the run's own over all its training (pauses excluded), the one its record keeps: one number for one run.
        if (progress.value) progress.value = { ...progress.value, samplesPerSec: event.samplesPerSec, etaMs: 0 };
        if (progress.value && event.status === 'done') progress.value = { ...progress.value, epoch: progress.value.epochs, step: progress.value.stepsPerEpoch };
        addLog([{ kind: 'done', status: event.status, accuracy: event.evaluation.accuracy, loss: event.evaluation.loss }]);
        finish({ runId: event.runId, status: event.status, accuracy: event.evaluation.accuracy, durationMs: event.durationMs, reason: null });
        break;
      case 'failed':
        phase.value = 'failed';
        failure.value = event.reason;
        addLog([{ kind: 'failed', reason: event.reason }]);
        finish({ runId: event.runId, status: 'failed', accuracy: null, durationMs: null, reason: event.reason });
        break;
      default:
        throw new Error(`unknown train event: ${JSON.stringify(event satisfies never)}`);
    }
  }

  /** Fills the store from a run's record: what it did before this window listened. Points that arrived meanwhile stay. */
  function applyRecord(record: RunRecord): void {
    const hp = record.config.hyperparams;
    info.value = {
      modelName: record.config.model.name,
      hyperparams: hp,
      datasetName: record.dataset?.name ?? record.datasetId,
      trainCount: record.dataset?.trainCount ?? null,
      validationCount: record.dataset?.validationCount ?? null,
      testCount: record.dataset?.testCount ?? null,
      params: record.params,
      engine: runEngine(record.environment),
      fromModel: record.config.fromModel ?? null,
    };
    const before = { series: series.value, epochs: epochs.value, log: log.value };
    series.value = emptySeries();
    epochs.value = [];
    log.value = [];
    const stepsPerEpoch = progress.value?.stepsPerEpoch ?? recordStepsPerEpoch(record);
    if (record.dataset && record.params !== null) {
      const d = record.dataset;
      addLog([{ kind: 'started', dataset: d.name, train: d.trainCount, validation: d.validationCount, test: d.testCount, params: record.params }]);
    }
    addBatches(record.metrics.batches, hp.epochs, stepsPerEpoch);
    for (const point of record.metrics.epochs) addEpoch(point, hp.epochs, stepsPerEpoch);
    const recordStep = lastStep();
    const recordEpoch = epochs.value.at(-1)?.epoch ?? 0;
    // What arrived while the record was on its way, its log lines in the order they came.
    series.value.loss.push(...before.series.loss.filter((p) => p.x > recordStep));
    mergeLosses(record.metrics.losses);
    for (const point of before.epochs.filter((e) => e.epoch > recordEpoch)) addEpoch(point, hp.epochs, stepsPerEpoch, false);
    addLog(before.log.filter((line) => line.kind !== 'started' && (line.kind !== 'batch' || line.globalStep > recordStep) && (line.kind !== 'epoch' || line.epoch > recordEpoch)));
    const last = record.metrics.batches.at(-1);
    if (last && !progress.value) progress.value = { epoch: last.epoch, epochs: hp.epochs, step: last.step, stepsPerEpoch, samplesPerSec: last.samplesPerSec, etaMs: null };
    else if (last && progress.value?.samplesPerSec === null) progress.value = { ...progress.value, samplesPerSec: last.samplesPerSec };
    revision.value++;
  }

  async function fetchRecord(id: string): Promise<void> {
    const studio = useStudio();
    const res = studio ? await studio.runs.get({ id }) : null;
    if (res?.ok && runId.value === id) applyRecord(res.value);
  }

  /** With nothing training, the newest kept run as it ended: the Train screen of a reloaded window still shows the last result. */
  async function showLastRun(): Promise<void> {
    const studio = useStudio();
    const list = studio ? await studio.runs.list({}) : null;
    const last = list?.ok ? list.value[0] : undefined;
    if (!studio || !last || last.status === 'running' || runId.value !== null) return;
    const res = await studio.runs.get({ id: last.id });
    // A run started meanwhile wins.
    if (!res.ok || runId.value !== null || isLive(phase.value)) return;
    const record = res.value;
    if (record.status === 'running') return;
    reset(record.id, record.status);
    applyRecord(record);
    // A run with fewer steps than "log every" has no batch point to take the progress from: its epochs give it.
    const lastEpoch = record.metrics.epochs.at(-1)?.epoch ?? 0;
    const stepsPerEpoch = recordStepsPerEpoch(record);
    if (!progress.value && lastEpoch > 0 && stepsPerEpoch > 0)
      progress.value = { epoch: lastEpoch, epochs: record.config.hyperparams.epochs, step: stepsPerEpoch, stepsPerEpoch, samplesPerSec: null, etaMs: null };
    if (progress.value && record.status === 'done') progress.value = { ...progress.value, epoch: progress.value.epochs, step: progress.value.stepsPerEpoch };
    if (progress.value && record.samplesPerSec !== null) progress.value = { ...progress.value, samplesPerSec: record.samplesPerSec, etaMs: 0 };
    if (record.status === 'failed') failure.value = record.reason ?? '';
    else if (record.evaluation && record.modelId && record.durationMs !== null && record.samplesPerSec !== null) {
      result.value = {
        status: record.status,
        evaluation: record.evaluation,
        modelId: record.modelId,
        durationMs: record.durationMs,
        samplesPerSec: record.samplesPerSec,
        mix: record.mix ?? null,
      };
    }
  }

  /** Picks up the run the engine is on, if any: for a window opened or reloaded during a run. */
  async function restore(): Promise<void> {
    const studio = useStudio();
    if (!studio) return;
    const res = await studio.train.status({});
    if (!res.ok || res.value.runId === null || res.value.state === 'idle') return;
    const status = res.value;
    const id = res.value.runId;
    if (runId.value !== id) reset(id, status.state);
    if (status.stepsPerEpoch > 0) {
      progress.value = { epoch: Math.max(1, status.epoch), epochs: status.epochs, step: status.step, stepsPerEpoch: status.stepsPerEpoch, samplesPerSec: null, etaMs: null };
    }
    await fetchRecord(id);
  }

  async function call(action: TrainAction, run: () => Promise<{ ok: true } | { ok: false; error: ApiError }>): Promise<boolean> {
    error.value = null;
    pending.value = action;
    const res = await run();
    if (pending.value === action) pending.value = null;
    if (!res.ok) error.value = { action, error: res.error };
    return res.ok;
  }

  /** Starts a run; its progress arrives as events. False (and `error` set) when the engine refuses. */
  async function start(input: MethodInput<'train:start'>): Promise<boolean> {
    if (isLive(phase.value)) return false;
    const studio = useStudio();
    reset(null, 'starting');
    info.value = {
      modelName: input.model?.name ?? '',
      hyperparams: input.hyperparams ?? null,
      datasetName: null,
      trainCount: null,
      validationCount: null,
      testCount: null,
      params: null,
      engine: null,
      fromModel: input.fromModel ?? null,
    };
    const ok = await call('start', async () => {
      const res = studio ? await studio.train.start(input) : fail<{ runId: string }>('UNAVAILABLE', NOT_CONNECTED);
      if (res.ok && runId.value === null) runId.value = res.value.runId;
      return res;
    });
    if (!ok) phase.value = 'idle';
    return ok;
  }

  function control(action: Exclude<TrainAction, 'start'>): Promise<boolean> {
    const id = runId.value;
    const studio = useStudio();
    if (!id || !isLive(phase.value)) return Promise.resolve(false);
    return call(action, async () => {
      const res = studio ? await studio.train[action]({ runId: id }) : fail<TrainStatus>('UNAVAILABLE', NOT_CONNECTED);
      if (res.ok && action === 'stop' && runId.value === id && isLive(phase.value) && phase.value !== 'evaluating') {
        if (phase.value !== 'stopping') addLog([{ kind: 'stopping' }]);
        phase.value = 'stopping';
      }
      return res;
    });
  }

  const pause = () => control('pause');
  const resume = () => control('resume');
  const stop = () => control('stop');

  function dismissError(): void {
    error.value = null;
  }

  return {
    runId,
    phase,
    info,
    progress,
    series,
    epochs,
    revision,
    log,
    result,
    failure,
    error,
    pending,
    finished,
    handle,
    restore,
    showLastRun,
    start,
    pause,
    resume,
    stop,
    dismissError,
  };
});
