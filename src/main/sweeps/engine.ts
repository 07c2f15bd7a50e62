/**
 * The sweep engine: runs a sweep's pending trials, up to N trainer
 * processes at once (one TrainingHost each), and keeps `sweep.json` true
 * after every change. Resuming a sweep whose process died first settles
 * the trials it left running: a run that finished is adopted, any other is
 * deleted and the trial runs again, so every trial ends with exactly one
 * run. Optional median stopping stops trials that trail.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import type { z } from 'zod';
import { MAX_SEED } from '@shared/hyperparams';
import { StudioError } from '@shared/result';
import { higherIsBetter, SweepSpec, type SweepEvent, type SweepRecord, type Trial } from '@shared/sweeps';
import type { RunRecord, TrainConfigInput } from '@shared/training';
import { newId } from '../ids';
import { modelDir } from '../models/store';
import { checkDatasetPresent, TrainingHost } from '../training/host';
import { readRun, runDir } from '../training/runs-store';
import { chooseIntraOpThreads } from '../training/threads';
import type { TrainerLauncher } from '../training/trainer-process';
import { planTrials, trialConfig } from './plan';
import { landResult, TrialQueue } from './queue';
import { readSweep, saveSweep } from './store';

export interface SweepEngineOptions {
  home: string;
  launch?: TrainerLauncher;
  /** Environment of the trainer processes (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** Trainer processes to run at once: the cores over each trial's TensorFlow threads (at least 1, at most the trials left). */
export function defaultParallel(config: z.output<typeof TrainConfigInput>, env: NodeJS.ProcessEnv, cores = os.availableParallelism()): number {
  const threads = chooseIntraOpThreads({ ...config, hyperparams: { ...config.hyperparams, seed: config.hyperparams.seed ?? 0 } }, env).value;
  const per = threads === undefined ? cores : Math.max(1, Number(threads));
  return Math.max(1, Math.floor(cores / per));
}

/** The sweep's metric of a finished run: the test set's, or the last epoch's validation figure. */
export function runMetric(record: SweepRecord, run: RunRecord): number | null {
  const last = run.metrics.epochs.at(-1);
  switch (record.spec.metric) {
    case 'testAccuracy':
      return run.testAccuracy;
    case 'testLoss':
      return run.testLoss;
    case 'valAccuracy':
      return last?.validationAccuracy ?? null;
    case 'valLoss':
      return last?.validationLoss ?? null;
  }
}

/** Index of the best trial with a metric, or null. */
export function bestTrial(record: SweepRecord): number | null {
  const up = higherIsBetter(record.spec.metric);
  let best: Trial | null = null;
  for (const t of record.trials) {
    if (t.metric === null || !Number.isFinite(t.metric) || (t.status !== 'done' && t.status !== 'pruned')) continue;
    if (!best || (up ? t.metric > best.metric! : t.metric < best.metric!)) best = t;
  }
  return best?.index ?? null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export class SweepEngine {
  private readonly listeners = new Set<(event: SweepEvent) => void>();
  private writes: Promise<void> = Promise.resolve();
  private readonly hosts: TrainingHost[] = [];
  private interrupted = false;

  constructor(private readonly options: SweepEngineOptions) {}

  on(listener: (event: SweepEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private emit(event: SweepEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        console.error('sweep listener failed:', err);
      }
    }
  }

  /** Writes the record as it is now (writes are kept in order). */
  private save(record: SweepRecord): Promise<void> {
    const copy = structuredClone(record);
    this.writes = this.writes.then(() => saveSweep(this.options.home, copy));
    return this.writes;
  }

  /** Checks a spec (every trial's configuration included) and records the sweep with its trials pending. Nothing runs yet. */
  async create(input: unknown): Promise<SweepRecord> {
    const parsed = SweepSpec.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new StudioError('INVALID_ARGUMENT', `${issue.path.map(String).join('.') || 'spec'}: ${issue.message}`, issue.path.map(String).join('.'));
    }
    const spec = parsed.data;
    const seed = spec.seed ?? crypto.randomInt(0, MAX_SEED);
    const combos = planTrials(spec, seed);
    for (const values of combos) {
      const config = trialConfig(spec, values, seed);
      if ((spec.metric === 'valAccuracy' || spec.metric === 'valLoss') && config.hyperparams.validationSplit === 0) {
        throw new StudioError('INVALID_ARGUMENT', `metric ${spec.metric} needs a validation set: set validationSplit above 0 in base`, 'metric');
      }
    }
    checkDatasetPresent(this.options.home, trialConfig(spec, combos[0] ?? {}, seed).dataset);
    const record: SweepRecord = {
      formatVersion: 1,
      id: newId(),
      createdAt: new Date().toISOString(),
      finishedAt: null,
      status: 'interrupted',
      spec,
      seed,
      hostPid: process.pid,
      trials: combos.map((values, index) => ({ index, values, status: 'pending', runId: null, modelId: null, metric: null, curve: [], reason: null })),
      best: null,
    };
    await this.save(record);
    return record;
  }

  /**
   * Runs the sweep's trials that have not finished, `parallel` at a time
   * (default: from the cores and each trial's threads), and resolves with
   * the record once every trial has ended (or `interrupt` was called).
   */
  async run(id: string, options: { parallel?: number; queue?: string } = {}): Promise<SweepRecord> {
    const { home } = this.options;
    const record = await readSweep(home, id);
    if (record.status === 'running' && record.hostPid !== process.pid) throw new StudioError('BUSY', `sweep ${id} is running in process ${record.hostPid}`, 'id');
    await this.settle(record);
    record.status = 'running';
    record.hostPid = process.pid;
    record.finishedAt = null;
    await this.save(record);

    if (options.queue !== undefined) return this.runQueued(record, options.queue);
    const pending = () => record.trials.find((t) => t.status === 'pending');
    const left = record.trials.filter((t) => t.status === 'pending').length;
    const first = pending();
    const env = this.options.env ?? process.env;
    const parallel = Math.max(1, Math.min(options.parallel ?? (first ? defaultParallel(trialConfig(record.spec, first.values, record.seed), env) : 1), Math.max(1, left)));
    // Trials side by side each get their share of the cores for TensorFlow's graph executor too (one each on 2 cores: no halves of a batch side by side).
    const trialEnv = parallel > 1 && !env.TF_NUM_INTEROP_THREADS ? { ...env, TF_NUM_INTEROP_THREADS: String(Math.max(1, Math.floor(os.availableParallelism() / parallel))) } : env;
    const hosts = Array.from({ length: parallel }, () => new TrainingHost({ home, launch: this.options.launch, env: trialEnv }));
    this.hosts.push(...hosts);
    try {
      await Promise.all(
        hosts.map(async (host) => {
          await host.ready;
          for (let trial = pending(); trial && !this.interrupted; trial = pending()) await this.runTrial(host, record, trial);
        }),
      );
    } finally {
      await Promise.all(hosts.map((h) => h.close()));
      this.hosts.length = 0;
    }
    return this.end(record);
  }

  private async end(record: SweepRecord): Promise<SweepRecord> {
    const id = record.id;
    record.best = bestTrial(record);
    if (this.interrupted) {
      record.status = 'interrupted';
    } else {
      record.status = 'done';
      record.finishedAt = new Date().toISOString();
    }
    await this.save(record);
    this.emit({ kind: 'finished', sweepId: id, record: structuredClone(record) });
    return record;
  }

  /**
   * Stops the sweep: running trials' trainers are killed and the trials go
   * back to pending (their partial runs deleted); `run` then resolves with
   * the sweep `interrupted`, to be resumed later.
   */
  interrupt(): void {
    this.interrupted = true;
    for (const host of this.hosts) {
      const runId = host.activeRunId;
      if (runId) host.kill(runId, 'the sweep was interrupted; the trial runs again when the sweep resumes');
    }
  }

  /**
   * Every pending trial on the BullMQ queue at `url` at once; workers
   * anywhere train them and their runs and models land in this home.
   */
  private async runQueued(record: SweepRecord, url: string): Promise<SweepRecord> {
    const queue = await TrialQueue.open(url);
    try {
      await Promise.all(
        record.trials
          .filter((t) => t.status === 'pending')
          .map(async (trial) => {
            const runId = newId();
            Object.assign(trial, { status: 'running', runId } satisfies Partial<Trial>);
            await this.save(record);
            this.emit({ kind: 'trial', sweepId: record.id, trial: structuredClone(trial) });
            try {
              const result = await queue.run({ sweepId: record.id, index: trial.index, runId, config: trialConfig(record.spec, trial.values, record.seed) });
              // A job added before a resume carries the run id it was given then.
              trial.runId = result.runId;
              await landResult(this.options.home, result);
              this.finishTrial(record, trial, await readRun(this.options.home, result.runId));
            } catch (err) {
              Object.assign(trial, { status: 'failed', reason: (err as Error).message } satisfies Partial<Trial>);
            }
            await this.save(record);
            this.emit({ kind: 'trial', sweepId: record.id, trial: structuredClone(trial) });
          }),
      );
    } finally {
      await queue.close();
    }
    return this.end(record);
  }

  /** Trials a dead process left running: a finished run is adopted, any other deleted and the trial made pending again. */
  private async settle(record: SweepRecord): Promise<void> {
    for (const trial of record.trials) {
      if (trial.status !== 'running') continue;
      let run: RunRecord | null = null;
      if (trial.runId) run = await readRun(this.options.home, trial.runId).catch(() => null);
      if (run && (run.status === 'done' || run.status === 'stopped') && run.modelId) {
        this.finishTrial(record, trial, run);
        continue;
      }
      await this.discardRun(trial);
    }
  }

  /** Deletes a trial's unfinished run and its model (saved, perhaps, before the run could say so) and makes the trial pending. */
  private async discardRun(trial: Trial): Promise<void> {
    const { home } = this.options;
    if (trial.runId) await fs.rm(runDir(home, trial.runId), { recursive: true, force: true });
    if (trial.modelId) await fs.rm(modelDir(home, trial.modelId), { recursive: true, force: true });
    Object.assign(trial, { status: 'pending', runId: null, modelId: null, metric: null, curve: [], reason: null } satisfies Partial<Trial>);
  }

  private finishTrial(record: SweepRecord, trial: Trial, run: RunRecord): void {
    trial.runId = run.id;
    trial.modelId = run.modelId;
    if (run.status === 'failed') {
      trial.status = 'failed';
      trial.reason = run.reason;
    } else {
      trial.status = trial.status === 'pruned' || run.status === 'stopped' ? 'pruned' : 'done';
      trial.metric = runMetric(record, run);
    }
    record.best = bestTrial(record);
  }

  /** The value early termination compares after an epoch: validation accuracy or loss (training's without a split), as the metric ranks. */
  private curveValue(record: SweepRecord, e: { validationAccuracy: number | null; validationLoss: number | null; trainAccuracy: number; trainLoss: number }): number {
    return higherIsBetter(record.spec.metric) ? (e.validationAccuracy ?? e.trainAccuracy) : (e.validationLoss ?? e.trainLoss);
  }

  private async runTrial(host: TrainingHost, record: SweepRecord, trial: Trial): Promise<void> {
    const config = trialConfig(record.spec, trial.values, record.seed);
    // Recorded before the run exists: killed at any moment (even after the model is saved and before the run says so), the sweep knows which run and model to settle on resume.
    const runId = newId();
    const modelId = newId();
    Object.assign(trial, { status: 'running', runId, modelId } satisfies Partial<Trial>);
    await this.save(record);
    try {
      await host.start(config, { runId, modelId });
    } catch (err) {
      Object.assign(trial, { status: 'failed', runId: null, modelId: null, reason: (err as Error).message } satisfies Partial<Trial>);
      await this.save(record);
      this.emit({ kind: 'trial', sweepId: record.id, trial: structuredClone(trial) });
      return;
    }
    this.emit({ kind: 'trial', sweepId: record.id, trial: structuredClone(trial) });
    const rule = record.spec.earlyTermination;
    const off = host.on((event) => {
      if (event.runId !== runId || event.kind !== 'epoch') return;
      trial.curve.push(this.curveValue(record, event));
      if (rule && event.epoch === rule.afterEpochs && trial.status === 'running') {
        const others = record.trials.filter((t) => t !== trial && t.curve.length >= rule.afterEpochs).map((t) => t.curve[rule.afterEpochs - 1]!);
        const value = trial.curve[rule.afterEpochs - 1]!;
        if (others.length >= 2) {
          const m = median(others);
          const trails = higherIsBetter(record.spec.metric) ? value < m : value > m;
          if (trails && event.epoch < config.hyperparams.epochs) {
            trial.status = 'pruned';
            trial.reason = `stopped after epoch ${event.epoch}: ${value.toFixed(4)} trails the median ${m.toFixed(4)} of ${others.length} trials`;
            host.stop(runId);
          }
        }
      }
    });
    let run: RunRecord;
    try {
      run = await host.whenFinished(runId);
    } finally {
      off();
    }
    if (this.interrupted && run.status === 'failed') {
      await this.discardRun(trial);
    } else {
      this.finishTrial(record, trial, run);
    }
    await this.save(record);
    this.emit({ kind: 'trial', sweepId: record.id, trial: structuredClone(trial) });
  }
}
