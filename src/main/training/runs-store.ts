/**
 * Run history in the studio home: `runs/<id>/run.json` (config, environment,
 * status, summary), `metrics.json` (every batch and epoch point) and
 * `evaluation.json` (the test-set results). Each file is replaced
 * atomically; `runs:list` reads only the small `run.json` files.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CallbackOutcomeSchema } from '@shared/callbacks';
import { MixOutcomeSchema } from '@shared/mix';
import { describeModel, ModelSpec, presetOf } from '@shared/model-spec';
import { emptyLossHistory, LossHistorySchema } from '@shared/loss-history';
import { DatasetInfoSchema, ResolvedHyperparamsSchema } from '@shared/models';
import { StudioError } from '@shared/result';
import { DatasetRef, Id, RUN_STATUSES, type Evaluation, type RunRecord, type RunSummary, type TrainConfig } from '@shared/training';
import { visibleFolders, writeJsonAtomic } from '../fs-atomic';
import { EvaluationSchema, RunEnvironmentSchema } from '../models/bundle';

const FILES = { run: 'run.json', metrics: 'metrics.json', evaluation: 'evaluation.json' } as const;

export function runsDir(home: string): string {
  return path.join(home, 'runs');
}

export function runDir(home: string, id: string): string {
  return path.join(runsDir(home), id);
}

/** What the summary derives from the config: kept out of `run.json`, which runs saved before these fields existed lack too. */
type Derived = 'hyperparams' | 'preset';

type RunFile = Omit<RunRecord, 'metrics' | 'evaluation' | Derived>;

function derived(config: TrainConfig): Pick<RunSummary, Derived> {
  return { hyperparams: config.hyperparams, preset: presetOf(config.model) };
}

export function summarize(record: Omit<RunSummary, Derived> & { config: TrainConfig }): RunSummary {
  const { id, status, createdAt, finishedAt, modelName, params, datasetId, epochs, epochsDone, testAccuracy, testLoss, durationMs, samplesPerSec, modelId, reason } = record;
  // Runs recorded before fine-tuning existed have no parent.
  const parentModelId = record.parentModelId ?? null;
  return {
    id,
    status,
    createdAt,
    finishedAt,
    modelName,
    ...derived(record.config),
    params,
    datasetId,
    epochs,
    epochsDone,
    testAccuracy,
    testLoss,
    durationMs,
    samplesPerSec,
    modelId,
    parentModelId,
    reason,
  };
}

/** The record of a run that is starting: `running`, owned by process `hostPid`, nothing measured yet. */
export function newRunRecord(id: string, config: TrainConfig, hostPid: number = process.pid): RunRecord {
  return {
    id,
    status: 'running',
    createdAt: new Date().toISOString(),
    finishedAt: null,
    modelName: config.model.name,
    ...derived(config),
    datasetId: 'id' in config.dataset ? config.dataset.id : `dir:${path.resolve(config.dataset.dir)}`,
    epochs: config.hyperparams.epochs,
    epochsDone: 0,
    testAccuracy: null,
    testLoss: null,
    durationMs: null,
    samplesPerSec: null,
    modelId: null,
    parentModelId: config.fromModel ?? null,
    reason: null,
    config,
    dataset: null,
    environment: null,
    params: describeModel(config.model).params,
    metrics: { batches: [], epochs: [], losses: emptyLossHistory() },
    evaluation: null,
    hostPid,
  };
}

/** Writes a run's files; `run.json` last, so the summary never points past what is on disk. */
export async function saveRun(home: string, record: RunRecord): Promise<void> {
  const dir = runDir(home, record.id);
  const { metrics, evaluation, hyperparams: _hyperparams, preset: _preset, ...run } = record;
  await writeJsonAtomic(path.join(dir, FILES.metrics), metrics, { compact: true });
  if (evaluation) await writeJsonAtomic(path.join(dir, FILES.evaluation), evaluation, { compact: true });
  await writeJsonAtomic(path.join(dir, FILES.run), run satisfies RunFile);
}

const Count = z.number().int().min(0);
const When = z.string().max(64);
const Measure = z.number().nullable();

/**
 * What `run.json` holds. The studio writes it, but a hand edit, a full disk
 * or another release can leave anything there: a file that does not fit is
 * refused with its field named, never read into a crash. Keys a later
 * release may add are dropped, not fatal.
 */
const RunFileSchema = z.object({
  id: Id,
  status: z.enum(RUN_STATUSES),
  createdAt: When,
  finishedAt: When.nullable(),
  modelName: z.string().max(200),
  params: Count.nullable(),
  datasetId: z.string().max(4200),
  epochs: Count,
  epochsDone: Count,
  testAccuracy: Measure,
  testLoss: Measure,
  durationMs: Measure,
  samplesPerSec: Measure,
  modelId: z.string().max(100).nullable(),
  // Runs recorded before fine-tuning existed have none.
  parentModelId: z.string().max(100).nullable().default(null),
  reason: z.string().max(20_000).nullable(),
  config: z.object({ dataset: DatasetRef, model: ModelSpec, hyperparams: ResolvedHyperparamsSchema, fromModel: Id.optional() }),
  dataset: DatasetInfoSchema.nullable(),
  environment: RunEnvironmentSchema.nullable(),
  hostPid: z.number().int(),
  // Runs without callbacks, or recorded before them, have none.
  callbacks: CallbackOutcomeSchema.nullable().optional(),
  // Runs without a mixed-in set, or recorded before mixing, have none.
  mix: MixOutcomeSchema.nullable().optional(),
});
/** The series' shape only: a point is kept as written (a number JSON could not hold reads back as null, and the chart skips it). */
// Runs recorded before every batch's loss was kept have no `losses`.
const MetricsSchema = z.object({
  batches: z.array(z.object({}).loose()),
  epochs: z.array(z.object({}).loose()),
  losses: LossHistorySchema.optional(),
}) as unknown as z.ZodType<RunRecord['metrics']>;

async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StudioError(err instanceof SyntaxError ? 'INTEGRITY' : 'IO', `${file}: ${err instanceof SyntaxError ? `not valid JSON (${err.message})` : (err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StudioError('INTEGRITY', `${file}: ${issue?.path.map(String).join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const readRunFile = (file: string) => readJson<RunFile>(file, RunFileSchema);

export async function readRun(home: string, id: string): Promise<RunRecord> {
  const dir = runDir(home, id);
  const run = await readRunFile(path.join(dir, FILES.run));
  if (!run) throw new StudioError('NOT_FOUND', `no run ${id} in ${runsDir(home)}`, 'id');
  const metrics = (await readJson(path.join(dir, FILES.metrics), MetricsSchema)) ?? { batches: [], epochs: [] };
  const evaluation: Evaluation | null = await readJson(path.join(dir, FILES.evaluation), EvaluationSchema);
  return { ...run, ...derived(run.config), parentModelId: run.parentModelId ?? null, metrics, evaluation };
}

function runIds(home: string): Promise<string[]> {
  return visibleFolders(runsDir(home));
}

/** Every run with a readable `run.json`, newest first. A damaged folder is skipped, not fatal. */
export async function listRuns(home: string): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  for (const id of await runIds(home)) {
    try {
      const run = await readRunFile(path.join(runDir(home, id), FILES.run));
      if (run) runs.push(summarize(run));
    } catch (err) {
      console.error(`skipping run ${id}: ${(err as Error).message}`);
    }
  }
  return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** Whether a process with this id exists (and so may still be running a run). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A run marked running whose process is gone was cut off by a crash, a kill or a power cut. */
export function isOrphaned(run: Pick<RunRecord, 'status' | 'hostPid'>, isAlive: (pid: number) => boolean = processAlive): boolean {
  return run.status === 'running' && (run.hostPid === process.pid ? false : !isAlive(run.hostPid));
}

/** Whether a run.json's text says `running` in a process that is gone (read without the schema; any doubt says yes, for the full read to decide). */
function mayBeOrphaned(text: string, isAlive: (pid: number) => boolean): boolean {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return false;
  }
  const { status, hostPid } = (typeof raw === 'object' && raw !== null ? raw : {}) as { status?: unknown; hostPid?: unknown };
  return status === 'running' && (typeof hostPid !== 'number' || isOrphaned({ status, hostPid }, isAlive));
}

/**
 * At start-up: every run still marked `running` whose process is gone
 * becomes `failed`, so a crash never leaves a run running forever. Runs of
 * a live process (the CLI training while the app starts) are left alone.
 */
export async function failOrphanedRuns(home: string, isAlive: (pid: number) => boolean = processAlive): Promise<string[]> {
  const failed: string[] = [];
  for (const id of await runIds(home)) {
    const file = path.join(runDir(home, id), FILES.run);
    // Every run is looked at, before every start: only one that may be orphaned is read through the schema
    // (~1 ms a run here: 114 runs held `train` back 150–190 ms).
    if (!mayBeOrphaned(await fs.readFile(file, 'utf8').catch(() => ''), isAlive)) continue;
    let run: RunFile | null;
    try {
      run = await readRunFile(file);
    } catch {
      continue;
    }
    if (!run || !isOrphaned(run, isAlive)) continue;
    const updated: RunFile = {
      ...run,
      status: 'failed',
      finishedAt: new Date().toISOString(),
      reason: 'interrupted: the studio process running it ended (crash, kill or shutdown) before the run finished',
    };
    await writeJsonAtomic(file, updated);
    failed.push(id);
  }
  return failed;
}

/** Deletes a run's folder. A run still running elsewhere is refused. */
export async function deleteRun(home: string, id: string): Promise<void> {
  // A damaged run.json can still be deleted: only a readable one can say its run is live.
  const run = await readRunFile(path.join(runDir(home, id), FILES.run)).catch((err: unknown) => {
    if (err instanceof StudioError && err.code === 'INTEGRITY') return { status: 'failed' as const, hostPid: 0 };
    throw err;
  });
  if (!run) throw new StudioError('NOT_FOUND', `no run ${id} in ${runsDir(home)}`, 'id');
  if (run.status === 'running' && processAlive(run.hostPid)) {
    throw new StudioError('BUSY', `run ${id} is still running (process ${run.hostPid}); stop it first`, 'id');
  }
  await fs.rm(runDir(home, id), { recursive: true, force: true });
}
