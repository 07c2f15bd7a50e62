/**
 * `mnist-studio reproduce BUNDLE`: trains again from a reproduction bundle
 * (same config, same seed, the same dataset checked by digest) as a new
 * run in the studio home, and measures how far the new loss curve, test
 * figures and weights are from the recorded ones.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MODEL_FILES } from '@shared/models';
import { StudioError } from '@shared/result';
import { TrainConfigInput, type DatasetRef, type RunEnvironment, type TrainEvent } from '@shared/training';
import { TrainingHost } from '../training/host';
import { BUNDLE_MANIFEST, BUNDLE_MODEL, BUNDLE_PARENT, BundleManifest, sha256 } from './bundle';
import { importModel, MAX_WEIGHT_BYTES } from './import';
import { modelDir, readMetadata } from './store';
import { readZipEntries, ZipError } from './zip';

/** A bundle holds a manifest and at most two model folders. */
const BUNDLE_LIMITS = { maxEntries: 16, maxEntryBytes: MAX_WEIGHT_BYTES, maxTotalBytes: 2 * MAX_WEIGHT_BYTES + 64 * 1024 * 1024 };

/** How a number series compares with the recorded one. */
export interface SeriesDiff {
  recorded: number;
  reproduced: number;
  maxAbsDiff: number;
  meanAbsDiff: number;
  identical: boolean;
}

export interface ReproductionReport {
  bundle: string;
  recordedRunId: string;
  runId: string;
  modelId: string | null;
  seed: number;
  /** Logged batch losses, point by point. */
  lossCurve: SeriesDiff;
  /** Mean training loss per epoch. */
  epochLoss: SeriesDiff;
  testAccuracy: { recorded: number; reproduced: number; diff: number };
  testLoss: { recorded: number; reproduced: number; diff: number };
  /** The saved weights are the very same bytes. */
  weightsIdentical: boolean;
  /** Environment fields that differ from the recording (`cpu: A → B`). */
  environmentDifferences: string[];
  /** Everything above matched exactly. */
  identical: boolean;
}

function diffSeries(recorded: number[], reproduced: number[]): SeriesDiff {
  const n = Math.min(recorded.length, reproduced.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(recorded[i]! - reproduced[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  const identical = recorded.length === reproduced.length && max === 0;
  return { recorded: recorded.length, reproduced: reproduced.length, maxAbsDiff: max, meanAbsDiff: n === 0 ? 0 : sum / n, identical };
}

/** Fields that differ; a field an older bundle lacks shows as `undefined → value`. */
function environmentDiff(a: Partial<RunEnvironment>, b: RunEnvironment): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof RunEnvironment)[];
  return keys.filter((k) => a[k] !== b[k]).map((k) => `${k}: ${String(a[k])} → ${String(b[k])}`);
}

async function readBundle(file: string) {
  let entries: Map<string, Buffer>;
  try {
    entries = await readZipEntries(file, BUNDLE_LIMITS, () => true);
  } catch (err) {
    if (err instanceof ZipError) throw new StudioError('INTEGRITY', err.message);
    throw err;
  }
  const manifestBytes = entries.get(BUNDLE_MANIFEST);
  if (!manifestBytes) throw new StudioError('INTEGRITY', `${file}: no ${BUNDLE_MANIFEST}: not a reproduction bundle`);
  let raw: unknown;
  try {
    raw = JSON.parse(manifestBytes.toString('utf8'));
  } catch (err) {
    throw new StudioError('INTEGRITY', `${file}: ${BUNDLE_MANIFEST} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = BundleManifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StudioError('INTEGRITY', `${file}: ${BUNDLE_MANIFEST}: ${issue?.path.map(String).join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
  }
  const manifest = parsed.data;
  // The model folders must be the very bytes the manifest names.
  for (const [folder, files] of [[BUNDLE_MODEL, manifest.model], ...(manifest.parent ? [[BUNDLE_PARENT, manifest.parent] as const] : [])] as const) {
    for (const name of Object.values(MODEL_FILES)) {
      const data = entries.get(`${folder}/${name}`);
      if (!data) throw new StudioError('INTEGRITY', `${file}: ${folder}/${name} is missing`);
      if (sha256(data) !== files.sha256[name]) throw new StudioError('INTEGRITY', `${file}: ${folder}/${name} does not match the digest in ${BUNDLE_MANIFEST}`);
    }
  }
  return { manifest, entries };
}

/** Puts a fine-tuned run's parent model into the library (under its own id) unless it is there, through the import checks. */
async function ensureParent(home: string, bundle: string, id: string, entries: Map<string, Buffer>): Promise<boolean> {
  try {
    await readMetadata(home, id);
    return false;
  } catch (err) {
    if (!(err instanceof StudioError && err.code === 'NOT_FOUND')) throw err;
  }
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'mnist-studio-parent-'));
  try {
    for (const name of Object.values(MODEL_FILES)) await fs.writeFile(path.join(staging, name), entries.get(`${BUNDLE_PARENT}/${name}`)!);
    await importModel({ home, path: staging, id }).catch((err: unknown) => {
      throw new StudioError('INTEGRITY', `${bundle}: ${BUNDLE_PARENT}/: ${(err as Error).message}`);
    });
    return true;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

export interface ReproduceOptions {
  home: string;
  bundle: string;
  /** The dataset's folder, when it is not installed under the recorded id. */
  dataDir?: string | undefined;
  /** Every event of the new run (progress for the terminal). */
  onEvent?: (event: TrainEvent) => void;
  /** Told once the run starts, with whether the parent model was added to the library. */
  onStart?: (info: { runId: string; addedParent: string | null; dataset: DatasetRef }) => void;
  /** Set by the caller to stop the run early (Ctrl-C). */
  signal?: AbortSignal;
}

export async function reproduce(options: ReproduceOptions): Promise<ReproductionReport> {
  const bundle = path.resolve(options.bundle);
  const { manifest, entries } = await readBundle(bundle);
  const recorded = manifest.run.config;
  const dataset: DatasetRef = options.dataDir !== undefined ? { dir: path.resolve(options.dataDir) } : recorded.dataset;
  const addedParent = manifest.parent && (await ensureParent(options.home, bundle, manifest.parent.id, entries)) ? manifest.parent.id : null;
  const config = TrainConfigInput.parse({ ...recorded, dataset });
  const host = new TrainingHost({ home: options.home });
  let mismatch: string | null = null;
  const off = host.on((event) => {
    if (event.kind === 'started') {
      const want = manifest.dataset.digests;
      const differs = Object.keys(want).filter((name) => event.dataset.digests[name] !== want[name]);
      if (differs.length > 0 || Object.keys(event.dataset.digests).length !== Object.keys(want).length) {
        mismatch = `the dataset's files differ from the bundle's (${differs.join(', ') || 'other files'}): reproduce needs the very same data`;
        host.kill(event.runId, mismatch);
      }
    }
    options.onEvent?.(event);
  });
  let runId: string;
  try {
    runId = (await host.start(config)).runId;
  } catch (err) {
    off();
    if (err instanceof StudioError && err.field?.startsWith('dataset') && options.dataDir === undefined) {
      throw new StudioError(err.code, `${err.message} (the bundle was trained on ${manifest.dataset.name}; give its folder with --data-dir)`, 'dataset');
    }
    throw err;
  }
  options.onStart?.({ runId, addedParent, dataset });
  const abort = () => host.stop(runId);
  options.signal?.addEventListener('abort', abort);
  const record = await host.whenFinished(runId).finally(() => {
    off();
    options.signal?.removeEventListener('abort', abort);
  });
  if (record.status === 'failed') throw new StudioError(mismatch ? 'INTEGRITY' : 'INTERNAL', mismatch ?? `the reproduction run ${runId} failed: ${record.reason}`);
  if (!record.evaluation || !record.environment) throw new StudioError('INTERNAL', `run ${runId} ended without an evaluation`);

  const weights = record.modelId ? sha256(await fs.readFile(path.join(modelDir(options.home, record.modelId), MODEL_FILES.weights))) : null;
  const lossCurve = diffSeries(
    manifest.metrics.batches.map((b) => b.loss),
    record.metrics.batches.map((b) => b.loss),
  );
  const epochLoss = diffSeries(
    manifest.metrics.epochs.map((e) => e.trainLoss),
    record.metrics.epochs.map((e) => e.trainLoss),
  );
  const testAccuracy = { recorded: manifest.evaluation.accuracy, reproduced: record.evaluation.accuracy, diff: record.evaluation.accuracy - manifest.evaluation.accuracy };
  const testLoss = { recorded: manifest.evaluation.loss, reproduced: record.evaluation.loss, diff: record.evaluation.loss - manifest.evaluation.loss };
  const weightsIdentical = weights === manifest.model.sha256[MODEL_FILES.weights];
  return {
    bundle,
    recordedRunId: manifest.run.id,
    runId,
    modelId: record.modelId,
    seed: record.config.hyperparams.seed,
    lossCurve,
    epochLoss,
    testAccuracy,
    testLoss,
    weightsIdentical,
    environmentDifferences: environmentDiff(manifest.environment, record.environment),
    identical: lossCurve.identical && epochLoss.identical && testAccuracy.diff === 0 && testLoss.diff === 0 && weightsIdentical && record.status === manifest.run.status,
  };
}
