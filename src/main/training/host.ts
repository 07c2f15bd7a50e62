/**
 * The training host: runs one trainer process at a time, relays its
 * events, keeps the run's record in `runs/<id>/`, and survives whatever
 * happens to the trainer. Used by the studio's API (desktop and web mode)
 * and directly by the CLI.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { callbackProblem } from '@shared/callbacks';
import { mixProblem } from '@shared/mix';
import type { Explanation, FirstLayer } from '@shared/explain';
import { NUM_CLASSES } from '@shared/datasets';
import { DEFAULT_HYPERPARAMS, MAX_SEED, type Hyperparams } from '@shared/hyperparams';
import { presetSpec, type ModelSpec } from '@shared/model-spec';
import { appendLosses, emptyLossHistory } from '@shared/loss-history';
import { architectureSummary, type Prediction } from '@shared/models';
import { StudioError } from '@shared/result';
import type { RunRecord, TrainConfig, TrainConfigInput, TrainEvent, TrainStatus } from '@shared/training';
import { appVersion } from '../app-info';
import { IDX_FILES } from '../datasets/load';
import { datasetDir, readManifest } from '../datasets/store';
import { newId } from '../ids';
import { readMetadata } from '../models/store';
import { exitReason } from '../trainer/failure';
import { isTaskReply, isTrainerMessage, SPARE_ENV, type ModelTask, type TaskReply } from '../trainer/protocol';
import { failOrphanedRuns, newRunRecord, saveRun } from './runs-store';
import { chooseIntraOpThreads, threadsKey, trainerEnv } from './threads';
import { forkTrainer, trainerEntry, type TrainerExit, type TrainerLauncher, type TrainerProcess } from './trainer-process';

/** Where runs are kept and how trainer processes start. */
export interface TrainingHostOptions {
  home: string;
  /** How trainer processes start: `forkTrainer` (default) or Electron's utilityProcess adapter. */
  launch?: TrainerLauncher;
  /** Environment of trainer processes (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /**
   * Keep one spare trainer process ready (desktop and web mode): TensorFlow
   * loaded and warmed up, the expected dataset read, so Start reaches the
   * first step sooner. Off for one-shot hosts (the CLI).
   */
  warm?: boolean;
}

/** A trainer process started before its run: it warms up meanwhile (trainer/warm.ts). */
interface Spare {
  child: TrainerProcess;
  /** Its TF_NUM_INTRAOP_THREADS and TF_NUM_INTEROP_THREADS (`threadsKey`; read once, when TensorFlow loads): a run that needs others starts its own. */
  threads: string;
  stderr: string;
  /** The data set it was told to make ready (JSON of the ref), if any. */
  hinted: string | null;
}

/** How often a running run's metrics are written at most, between epochs. */
const SAVE_EVERY_MS = 5000;
/** How long `close()` lets a stopped run evaluate and save before killing it. */
const CLOSE_GRACE_MS = 15_000;
/** How long a trainer may take to exit after its last event. */
const EXIT_GRACE_MS = 5000;
/** How much of a trainer's stderr is kept to explain a crash. */
const STDERR_TAIL = 4096;

interface ActiveRun {
  record: RunRecord;
  child: TrainerProcess | null;
  status: TrainStatus;
  terminal: boolean;
  /** The `done` or `failed` event, told once the trainer has exited. */
  terminalEvent: TrainEvent | null;
  stderr: string;
  /** Why the host killed the trainer, when it did. */
  killReason: string | null;
  saveTimer: NodeJS.Timeout | null;
  /** Predictions asked of the trainer and not answered yet, by task id. */
  predictions: Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>;
  finished: Promise<RunRecord>;
  resolve: (record: RunRecord) => void;
}

function missingFiles(dir: string): string[] {
  return Object.values(IDX_FILES)
    .filter((base) => !fs.existsSync(path.join(dir, base)) && !fs.existsSync(path.join(dir, `${base}.gz`)))
    .map((base) => `${base}(.gz)`);
}

/** The installed dataset most recently written to (by its folder's time), as the likely one for the next run; null if none. */
function newestDataset(home: string): TrainConfig['dataset'] | null {
  const root = path.join(home, 'datasets');
  let newest: { id: string; at: number } | null = null;
  try {
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || missingFiles(path.join(root, entry.name)).length > 0) continue;
      const at = fs.statSync(path.join(root, entry.name)).mtimeMs;
      if (!newest || at > newest.at) newest = { id: entry.name, at };
    }
  } catch {
    return null;
  }
  return newest ? { id: newest.id } : null;
}

/** Fails fast, before any run is recorded, when the dataset's folder or one of its four files is not there. */
export function checkDatasetPresent(home: string, ref: TrainConfig['dataset']): void {
  const field = 'id' in ref ? 'dataset.id' : 'dataset.dir';
  let dir: string;
  if ('id' in ref) {
    const root = path.join(home, 'datasets');
    dir = path.join(root, ref.id);
    if (!fs.existsSync(dir)) {
      const installed = fs.existsSync(root) ? fs.readdirSync(root).filter((name) => !name.startsWith('.')) : [];
      throw new StudioError(
        'NOT_FOUND',
        `dataset "${ref.id}" is not installed in ${root} (installed: ${installed.length ? installed.join(', ') : 'none'}); download it first or train on a folder of IDX files`,
        field,
      );
    }
  } else {
    dir = path.resolve(ref.dir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new StudioError('NOT_FOUND', `${dir}: no such folder`, field);
  }
  const missing = missingFiles(dir);
  if (missing.length > 0) throw new StudioError('NOT_FOUND', `${dir} lacks ${missing.join(', ')}: a dataset folder holds the four MNIST-format IDX files`, field);
}

/**
 * Fails fast, before any run is recorded, when the set to mix in is not
 * installed, is the run's own data set, or (by its manifest) has another
 * number of classes than the run's. The trainer checks the loaded data again.
 */
export async function checkMixSet(home: string, config: TrainConfig): Promise<void> {
  const mix = config.hyperparams.mix;
  if (!mix) return;
  const field = 'hyperparams.mix';
  if ('id' in config.dataset && config.dataset.id === mix.dataset) {
    throw new StudioError('INVALID_ARGUMENT', `data set "${mix.dataset}" is the one the run trains on: mix in another one (a personal set)`, field);
  }
  try {
    checkDatasetPresent(home, { id: mix.dataset });
  } catch (err) {
    if (err instanceof StudioError) throw new StudioError(err.code, `the set to mix in: ${err.message}`, field);
    throw err;
  }
  const classes = (await readManifest(datasetDir(home, mix.dataset)).catch(() => null))?.classNames?.length;
  const main = 'id' in config.dataset ? (await readManifest(datasetDir(home, config.dataset.id)).catch(() => null))?.classNames?.length : undefined;
  if (classes !== undefined && classes !== (main ?? NUM_CLASSES)) {
    throw new StudioError(
      'INVALID_ARGUMENT',
      `data set "${mix.dataset}" has ${classes} classes and the run's has ${main ?? NUM_CLASSES}: a mixed-in set must have the same classes`,
      field,
    );
  }
}

/**
 * Checks that a fine-tuning run keeps its parent's network and answers the
 * parent's normalisation (its weights were learnt on pixels scaled so).
 */
export async function fineTuneParent(home: string, parentId: string, model: ModelSpec): Promise<Hyperparams['normalization']> {
  let parent;
  try {
    parent = await readMetadata(home, parentId);
  } catch (err) {
    if (err instanceof StudioError && err.code === 'NOT_FOUND') throw new StudioError('NOT_FOUND', err.message, 'fromModel');
    throw err;
  }
  if (JSON.stringify(parent.spec.layers) !== JSON.stringify(model.layers)) {
    throw new StudioError(
      'INVALID_ARGUMENT',
      `fine-tuning keeps the network: model ${parentId} is ${architectureSummary(parent.spec)}, not ${architectureSummary(model)}`,
      'model',
    );
  }
  return parent.normalization;
}

/** One run at a time: starts its trainer, relays and records its events, and ends it as done, stopped or failed. */
export class TrainingHost {
  private active: ActiveRun | null = null;
  private readonly listeners = new Set<(event: TrainEvent) => void>();
  private writes: Promise<void> = Promise.resolve();
  private readonly launch: TrainerLauncher;
  private spare: Spare | null = null;
  /** The last run's configuration: what the next spare is made ready for. */
  private lastConfig: TrainConfig | null = null;
  private closed = false;
  /** Resolves once runs left `running` by a crashed process are marked failed. */
  readonly ready: Promise<void>;

  constructor(private readonly options: TrainingHostOptions) {
    this.launch = options.launch ?? forkTrainer;
    this.ready = failOrphanedRuns(options.home).then(
      () => undefined,
      (err: unknown) => console.error(`could not check ${options.home} for interrupted runs: ${(err as Error).message}`),
    );
    // A run's start compiles the model schemas and the preset table on first use (~130 ms here, measured with the
    // Train screen open): done once the studio is up, that pause is not in the first run's start, when the UI is live.
    void this.ready.then(() =>
      setImmediate(() => {
        const config: TrainConfig = { dataset: { id: 'warm-up' }, model: presetSpec('mlp'), hyperparams: { ...DEFAULT_HYPERPARAMS, seed: 0 } };
        newRunRecord('warm-up', config);
        chooseIntraOpThreads(config, {});
        this.startSpare();
      }),
    );
  }

  /** The spare trainer's pid, if one is waiting (tests). */
  get sparePid(): number | undefined {
    return this.spare?.child.pid;
  }

  /**
   * Starts the spare trainer when this host keeps one and none is there:
   * with the threads and the dataset of the last run (or the tutorial's run
   * on the newest installed dataset). Never while a run trains: its warm-up
   * would take the run's cores.
   */
  private startSpare(): void {
    if (!this.options.warm || this.closed || this.active || this.spare) return;
    let entry: string;
    try {
      entry = trainerEntry();
    } catch {
      return;
    }
    const likely = this.lastConfig ?? { dataset: { id: 'mnist' }, model: presetSpec('mlp'), hyperparams: { ...DEFAULT_HYPERPARAMS, seed: 0 } };
    const env = trainerEnv(this.options.env ?? process.env, likely);
    let child: TrainerProcess;
    try {
      child = this.launch({ entry, env: { ...env, [SPARE_ENV]: '1' } });
    } catch (err) {
      console.error(`could not start a spare trainer: ${(err as Error).message}`);
      return;
    }
    const spare: Spare = { child, threads: threadsKey(env), stderr: '', hinted: null };
    this.spare = spare;
    child.onStderr((text) => {
      spare.stderr = (spare.stderr + text).slice(-STDERR_TAIL);
    });
    // A spare that dies before its run is only forgotten: the next Start launches a trainer of its own.
    child.onExit(() => {
      if (this.spare === spare) this.spare = null;
    });
    const dataset = this.lastConfig?.dataset ?? newestDataset(this.options.home);
    if (dataset) this.hint(spare, dataset, likely.hyperparams.normalization);
  }

  private hint(spare: Spare, dataset: TrainConfig['dataset'], normalization: TrainConfig['hyperparams']['normalization']): void {
    spare.hinted = JSON.stringify(dataset);
    spare.child.send({ kind: 'warm', hint: { home: this.options.home, dataset, normalization } });
  }

  /**
   * A data set was installed (downloaded or imported). Before the first run
   * the spare is readied for the newest data set: a new user's first Start
   * after the download then trains on prepared tensors too. After a run,
   * the spare keeps to that run's data set.
   */
  datasetInstalled(): void {
    const spare = this.spare;
    if (!spare || this.lastConfig) return;
    const dataset = newestDataset(this.options.home);
    if (dataset && JSON.stringify(dataset) !== spare.hinted) this.hint(spare, dataset, DEFAULT_HYPERPARAMS.normalization);
  }

  /** The spare trainer for a run whose trainer needs `threads` (`threadsKey`), taken; null (and a mismatched spare ended) otherwise. */
  private takeSpare(threads: string): Spare | null {
    const spare = this.spare;
    this.spare = null;
    if (!spare) return null;
    if (spare.threads === threads) return spare;
    spare.child.kill();
    return null;
  }

  /** Every event of every run, unthrottled (the CLI prints each logged batch). Returns the unsubscribe. */
  on(listener: (event: TrainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  status(): TrainStatus {
    return this.active ? { ...this.active.status } : { runId: null, state: 'idle', epoch: 0, epochs: 0, step: 0, stepsPerEpoch: 0 };
  }

  /** The active run's id, if any. */
  get activeRunId(): string | null {
    return this.active?.record.id ?? null;
  }

  /** The active run's record as it stands in memory (fresher than its files), or null for any other id. */
  snapshot(runId: string): RunRecord | null {
    return this.active?.record.id === runId ? structuredClone(this.active.record) : null;
  }

  /** Starts a run; answers with its id (and the config as recorded, seed fixed) as soon as the trainer process is launched. */
  async start(input: z.output<typeof TrainConfigInput>, options: { runId?: string; modelId?: string } = {}): Promise<{ runId: string; config: TrainConfig }> {
    await this.ready;
    if (this.active) throw new StudioError('BUSY', `a run is already training (${this.active.record.id}); stop it or wait for it to finish`);
    const config: TrainConfig = { ...input, hyperparams: { ...input.hyperparams, seed: input.hyperparams.seed ?? crypto.randomInt(0, MAX_SEED) } };
    if (config.fromModel) config.hyperparams.normalization = await fineTuneParent(this.options.home, config.fromModel, config.model);
    const problem = callbackProblem(config.hyperparams) ?? mixProblem(config.hyperparams);
    if (problem) throw new StudioError('INVALID_ARGUMENT', problem.message, problem.field);
    await checkMixSet(this.options.home, config);
    // A sweep names the run and its model before it starts, so a kill at any moment leaves the trial pointing at both.
    const id = options.runId ?? newId();
    const modelId = options.modelId ?? newId();
    let resolve!: (record: RunRecord) => void;
    const finished = new Promise<RunRecord>((r) => (resolve = r));
    const hp = config.hyperparams;
    const baseEnv = this.options.env ?? process.env;
    const run: ActiveRun = {
      record: newRunRecord(id, config),
      child: null,
      status: { runId: id, state: 'starting', epoch: 0, epochs: hp.epochs, step: 0, stepsPerEpoch: 0 },
      terminal: false,
      terminalEvent: null,
      stderr: '',
      killReason: null,
      saveTimer: null,
      predictions: new Map(),
      finished,
      resolve,
    };
    // Claimed before the first await: a second start in the meantime gets BUSY.
    this.active = run;
    let spare: Spare | null;
    let env: NodeJS.ProcessEnv;
    try {
      checkDatasetPresent(this.options.home, config.dataset);
      const entry = trainerEntry();
      await saveRun(this.options.home, run.record);
      env = trainerEnv(baseEnv, config);
      spare = this.takeSpare(threadsKey(env));
      run.child = spare?.child ?? this.launch({ entry, env });
    } catch (err) {
      this.active = null;
      this.startSpare();
      throw err;
    }
    this.lastConfig = config;
    const child = run.child;
    run.stderr = spare?.stderr ?? '';
    child.onStderr((text) => {
      run.stderr = (run.stderr + text).slice(-STDERR_TAIL);
    });
    child.onMessage((message) => {
      if (isTrainerMessage(message) && message.event.runId === id) this.handleEvent(run, message.event);
      else if (isTaskReply(message)) this.handleReply(run, message);
    });
    child.onExit((exit) => void this.handleExit(run, exit));
    const intraOpThreadsFrom = chooseIntraOpThreads(config, baseEnv).from;
    child.send({
      kind: 'start',
      job: {
        runId: id,
        modelId,
        home: this.options.home,
        config,
        appVersion: appVersion(),
        intraOpThreadsFrom,
        intraOpThreads: env.TF_NUM_INTRAOP_THREADS ?? null,
        interOpThreads: env.TF_NUM_INTEROP_THREADS ?? null,
      },
    });
    return { runId: id, config };
  }

  private requireActive(runId: string): ActiveRun {
    const run = this.active;
    if (!run || run.record.id !== runId) throw new StudioError('NOT_FOUND', `run ${runId} is not training (active: ${run?.record.id ?? 'none'})`, 'runId');
    return run;
  }

  pause(runId: string): TrainStatus {
    const run = this.requireActive(runId);
    run.child?.send({ kind: 'pause' });
    return this.status();
  }

  resume(runId: string): TrainStatus {
    const run = this.requireActive(runId);
    run.child?.send({ kind: 'resume' });
    return this.status();
  }

  /** Stops after the current batch; the trainer then evaluates and saves the model as it is. */
  stop(runId: string): TrainStatus {
    const run = this.requireActive(runId);
    if (run.status.state !== 'evaluating') run.status.state = 'stopping';
    run.child?.send({ kind: 'stop' });
    return this.status();
  }

  /**
   * Classifies an image with the weights the run has now (the trainer answers
   * between two batches): the Playground re-scores a drawing after each epoch.
   * UNAVAILABLE before the run has built its model.
   */
  async predict(runId: string, request: Omit<Extract<ModelTask, { kind: 'predict-live' }>, 'kind'>): Promise<Prediction> {
    return this.liveTask<Prediction>(runId, { kind: 'predict-live', ...request });
  }

  /** Every layer's output and a saliency map for a drawing, with the weights the run has now (the Playground re-explains after each epoch). */
  async explain(runId: string, request: Omit<Extract<ModelTask, { kind: 'explain-live' }>, 'kind'>): Promise<Explanation> {
    return this.liveTask<Explanation>(runId, { kind: 'explain-live', ...request });
  }

  /** The first layer's weights as images, as the run has them now (the Train screen redraws them after each epoch). */
  async firstLayer(runId: string, limit: number): Promise<FirstLayer | null> {
    return this.liveTask<FirstLayer | null>(runId, { kind: 'first-layer-live', limit });
  }

  private liveTask<T>(runId: string, task: Extract<ModelTask, { kind: 'predict-live' | 'explain-live' | 'first-layer-live' }>): Promise<T> {
    const run = this.requireActive(runId);
    const child = run.child;
    if (run.terminal || !child) return Promise.reject(new StudioError('NOT_FOUND', `run ${runId} has finished training; its model is in the library`, 'runId'));
    const id = this.nextTask++;
    return new Promise<T>((resolve, reject) => {
      run.predictions.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ kind: 'task', id, task });
    });
  }

  private nextTask = 1;

  private handleReply(run: ActiveRun, reply: TaskReply): void {
    const waiting = run.predictions.get(reply.id);
    if (!waiting) return;
    run.predictions.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(new StudioError(reply.error.code, reply.error.message, reply.error.field));
  }

  /** Ends the trainer at once; the run is recorded as failed with `reason`. */
  kill(runId: string, reason: string): void {
    const run = this.requireActive(runId);
    run.killReason = reason;
    run.child?.kill();
  }

  /** Resolves with the run's final record once its trainer has exited. */
  whenFinished(runId: string): Promise<RunRecord> {
    return this.requireActive(runId).finished;
  }

  /** Stops the active run (killing it if it will not end in time) and waits for every write. */
  async close(): Promise<void> {
    this.closed = true;
    this.spare?.child.kill();
    this.spare = null;
    const run = this.active;
    if (run) {
      this.stop(run.record.id);
      const timer = setTimeout(() => {
        run.killReason = 'the studio closed during the run';
        run.child?.kill();
      }, CLOSE_GRACE_MS);
      await run.finished;
      clearTimeout(timer);
    }
    await this.writes;
  }

  private emit(event: TrainEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error('train event listener failed:', err);
      }
    }
  }

  private save(run: ActiveRun): void {
    if (run.saveTimer) clearTimeout(run.saveTimer);
    run.saveTimer = null;
    this.writes = this.writes
      .then(() => saveRun(this.options.home, run.record))
      .catch((err: unknown) => console.error(`could not save run ${run.record.id}: ${(err as Error).message}`));
  }

  private handleEvent(run: ActiveRun, event: TrainEvent): void {
    if (run.terminal) return;
    const { record, status } = run;
    switch (event.kind) {
      case 'started':
        record.dataset = event.dataset;
        record.environment = event.environment;
        record.params = event.params;
        status.stepsPerEpoch = event.stepsPerEpoch;
        if (status.state === 'starting') status.state = 'running';
        this.save(run);
        break;
      case 'activity':
        if (!(status.state === 'stopping' && event.activity === 'running')) status.state = event.activity;
        break;
      case 'progress':
        status.epoch = event.epoch;
        status.step = event.step;
        break;
      case 'batch':
        record.metrics.batches.push(...event.points);
        appendLosses((record.metrics.losses ??= emptyLossHistory()), event.losses.values);
        run.saveTimer ??= setTimeout(() => this.save(run), SAVE_EVERY_MS);
        break;
      case 'epoch': {
        const { kind: _kind, runId: _runId, epochs: _epochs, etaMs: _eta, tensors: _tensors, ...point } = event;
        record.metrics.epochs.push(point);
        record.epochsDone = event.epoch;
        this.save(run);
        break;
      }
      case 'done':
        run.terminal = true;
        Object.assign(record, {
          status: event.status,
          finishedAt: new Date().toISOString(),
          evaluation: event.evaluation,
          testAccuracy: event.evaluation.accuracy,
          testLoss: event.evaluation.loss,
          modelId: event.modelId,
          durationMs: event.durationMs,
          samplesPerSec: event.samplesPerSec,
          callbacks: event.callbacks ?? null,
          mix: event.mix ?? null,
        } satisfies Partial<RunRecord>);
        this.save(run);
        break;
      case 'failed':
        run.terminal = true;
        Object.assign(record, { status: 'failed', finishedAt: new Date().toISOString(), reason: event.reason } satisfies Partial<RunRecord>);
        this.save(run);
        break;
      default: {
        const never: never = event;
        throw new Error(`unknown train event ${JSON.stringify(never)}`);
      }
    }
    if (!run.terminal) {
      this.emit(event);
      return;
    }
    // The end of a run is told once the trainer is gone and the record is on disk: whoever hears it
    // can start the next run or read the finished one. A trainer that lingers is ended.
    run.terminalEvent = event;
    setTimeout(() => run.child?.kill(), EXIT_GRACE_MS).unref();
  }

  private async handleExit(run: ActiveRun, exit: TrainerExit): Promise<void> {
    for (const [id, waiting] of run.predictions) {
      run.predictions.delete(id);
      waiting.reject(new StudioError('NOT_FOUND', `run ${run.record.id} has finished training; its model is in the library`, 'runId'));
    }
    if (!run.terminal) {
      this.handleEvent(run, { kind: 'failed', runId: run.record.id, reason: run.killReason ?? exitReason(exit, run.stderr) });
    }
    if (run.saveTimer) clearTimeout(run.saveTimer);
    await this.writes;
    if (this.active === run) this.active = null;
    run.resolve(run.record);
    if (run.terminalEvent) this.emit(run.terminalEvent);
    // The next run gets a warm trainer too.
    this.startSpare();
  }
}
