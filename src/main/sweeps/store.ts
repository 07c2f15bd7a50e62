/**
 * Sweeps in the studio home: `sweeps/<id>/sweep.json`, the spec, the seed
 * and every trial with its run and model (the runs and models themselves
 * live where every run's and model's do). Replaced atomically; a file
 * that does not fit is refused with its field named.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { StudioError } from '@shared/result';
import { SWEEP_STATUSES, SweepSpec, TRIAL_STATUSES, type SweepRecord, type SweepSummary } from '@shared/sweeps';
import { Id } from '@shared/training';
import { visibleFolders, writeJsonAtomic } from '../fs-atomic';
import { processAlive } from '../training/runs-store';

export function sweepsDir(home: string): string {
  return path.join(home, 'sweeps');
}

export function sweepDir(home: string, id: string): string {
  return path.join(sweepsDir(home), id);
}

const sweepFile = (home: string, id: string) => path.join(sweepDir(home, id), 'sweep.json');

const TrialSchema = z.object({
  index: z.number().int().min(0),
  values: z.record(z.string(), z.unknown()),
  status: z.enum(TRIAL_STATUSES),
  runId: Id.nullable(),
  modelId: Id.nullable(),
  metric: z.number().nullable(),
  curve: z.array(
    z
      .number()
      .nullable()
      .transform((v) => v ?? NaN),
  ),
  reason: z.string().max(20_000).nullable(),
});

const SweepRecordSchema = z.object({
  formatVersion: z.literal(1),
  id: Id,
  createdAt: z.string().max(64),
  finishedAt: z.string().max(64).nullable(),
  status: z.enum(SWEEP_STATUSES),
  spec: SweepSpec,
  seed: z.number().int().min(0),
  hostPid: z.number().int(),
  trials: z.array(TrialSchema),
  best: z.number().int().min(0).nullable(),
}) as unknown as z.ZodType<SweepRecord>;

export function saveSweep(home: string, record: SweepRecord): Promise<void> {
  return writeJsonAtomic(sweepFile(home, record.id), record);
}

/** A sweep marked running whose process is gone was cut off: it reads as `interrupted` (resumable). */
function withLiveStatus(record: SweepRecord): SweepRecord {
  if (record.status === 'running' && record.hostPid !== process.pid && !processAlive(record.hostPid)) return { ...record, status: 'interrupted' };
  return record;
}

export async function readSweep(home: string, id: string): Promise<SweepRecord> {
  const file = sweepFile(home, id);
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StudioError('NOT_FOUND', `no sweep ${id} in ${sweepsDir(home)}`, 'id');
    throw new StudioError(err instanceof SyntaxError ? 'INTEGRITY' : 'IO', `${file}: ${err instanceof SyntaxError ? `not valid JSON (${err.message})` : (err as Error).message}`);
  }
  const parsed = SweepRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StudioError('INTEGRITY', `${file}: ${issue?.path.map(String).join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
  }
  return withLiveStatus(parsed.data);
}

export function summarizeSweep(r: SweepRecord): SweepSummary {
  const best = r.best === null ? null : r.trials[r.best];
  return {
    id: r.id,
    createdAt: r.createdAt,
    status: r.status,
    metric: r.spec.metric,
    trials: r.trials.length,
    finished: r.trials.filter((t) => t.status === 'done' || t.status === 'pruned' || t.status === 'failed').length,
    best: best && best.metric !== null ? { index: best.index, metric: best.metric, runId: best.runId, values: best.values } : null,
  };
}

/** Every readable sweep, newest first; a damaged one is skipped with a note. */
export async function listSweeps(home: string): Promise<SweepSummary[]> {
  const out: SweepSummary[] = [];
  for (const id of await visibleFolders(sweepsDir(home))) {
    try {
      out.push(summarizeSweep(await readSweep(home, id)));
    } catch (err) {
      console.error(`skipping sweep ${id}: ${(err as Error).message}`);
    }
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** Deletes a sweep's folder (its runs and models stay: they are ordinary runs and models). A sweep still running is refused. */
export async function deleteSweep(home: string, id: string): Promise<void> {
  const record = await readSweep(home, id);
  if (record.status === 'running') throw new StudioError('BUSY', `sweep ${id} is still running (process ${record.hostPid}); stop it first`, 'id');
  await fs.rm(sweepDir(home, id), { recursive: true, force: true });
}
