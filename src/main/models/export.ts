/**
 * Exports of a library model. Each is built beside its destination and
 * renamed into place when complete, so a partial export never lands at the
 * path asked for. Writes are non-destructive: with `overwrite` an export
 * replaces a file, an empty folder or an earlier TF.js export of ours (a
 * folder marked by EXPORT_MARKER and holding nothing else), never another
 * folder; and it creates no missing folder.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { MODEL_FILES, type ExportFormat, type ModelExport } from '@shared/models';
import type { OnnxExportOptions } from '@shared/models-api';
import { StudioError } from '@shared/result';
import { appVersion } from '../app-info';
import { buildAtomic, TargetExistsError, writeFileSynced } from '../fs-atomic';
import { readRun } from '../training/runs-store';
import { BUNDLE_KIND, BUNDLE_MANIFEST, BUNDLE_MODEL, BUNDLE_PARENT, sha256, type BundleManifestInput } from './bundle';
import { kerasScript } from './keras-code';
import { buildKerasFile } from './keras-export';
import { buildOnnx, layerWeights } from './onnx';
import { pytorchScript } from './pytorch-code';
import { scriptDataDir } from './python-code';
import { modelDir, readMetadata, readModelFolder } from './store';
import { writeZip } from './zip';

/** Written inside every TF.js folder export: what lets a later export replace that folder, and nothing else. */
export const EXPORT_MARKER = '.mnist-studio-export';

/** The names an export folder of ours holds. */
const EXPORT_FOLDER_NAMES = new Set<string>([EXPORT_MARKER, ...Object.values(MODEL_FILES)]);

/**
 * Refuses an export to `target` that would create a folder or replace
 * something not ours: the parent must be an existing folder; something at
 * `target` must be a file, an empty folder or an earlier export folder.
 */
async function checkExportTarget(target: string, overwrite: boolean): Promise<void> {
  const parent = path.dirname(target);
  const parentStat = await fs.stat(parent).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new StudioError('NOT_FOUND', `${parent}: no such folder; the export creates none: create it first`, 'path');
    throw new StudioError('IO', `${parent}: ${err.message}`, 'path');
  });
  if (!parentStat.isDirectory()) throw new StudioError('INVALID_ARGUMENT', `${parent}: not a folder`, 'path');
  const stat = await fs.lstat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new StudioError('IO', `${target}: ${err.message}`, 'path');
  });
  if (!stat) return;
  if (!overwrite) throw new StudioError('IO', `${target} already exists (--force or overwrite: true replaces it)`, 'path');
  if (!stat.isDirectory()) return;
  const names = await fs.readdir(target);
  const ours = names.includes(EXPORT_MARKER) && names.every((name) => EXPORT_FOLDER_NAMES.has(name));
  if (names.length > 0 && !ours) {
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '');
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${target}: a folder that is not an earlier MNIST Studio export (it holds ${shown}); it is not replaced: choose another path`,
      'path',
    );
  }
}

async function modelFiles(home: string, id: string): Promise<{ name: string; data: Buffer }[]> {
  return Promise.all(Object.values(MODEL_FILES).map(async (name) => ({ name, data: await fs.readFile(path.join(modelDir(home, id), name)) })));
}

async function onnxBytes(home: string, id: string, options: Partial<OnnxExportOptions> = {}): Promise<Uint8Array> {
  const { metadata, artifacts } = await readModelFolder(home, id);
  const weights = layerWeights(metadata.spec, artifacts.weightSpecs ?? [], artifacts.weightData as ArrayBuffer);
  return buildOnnx(
    metadata.spec,
    weights,
    {
      name: metadata.spec.name,
      normalization: metadata.normalization,
      producerVersion: appVersion(),
      docString: `${metadata.name} (${metadata.id}), exported by MNIST Studio`,
    },
    options,
  );
}

/** The reproduction bundle's files: the manifest, the model and (fine-tuned) its parent. */
async function bundleFiles(home: string, id: string): Promise<{ name: string; data: Uint8Array | string }[]> {
  const metadata = await readMetadata(home, id);
  if (!metadata.runId) throw new StudioError('INVALID_ARGUMENT', `model ${id} was imported, not trained here: there is no run to reproduce`, 'id');
  const run = await readRun(home, metadata.runId).catch((err: unknown) => {
    if (err instanceof StudioError && err.code === 'NOT_FOUND')
      throw new StudioError('NOT_FOUND', `the run that trained model ${id} (${metadata.runId}) is no longer kept: it cannot be bundled`, 'id');
    throw err;
  });
  if ((run.status !== 'done' && run.status !== 'stopped') || !run.dataset || !run.environment || !run.evaluation) {
    throw new StudioError('INVALID_ARGUMENT', `run ${run.id} did not finish (${run.status}): there is nothing to reproduce`, 'id');
  }
  const files = await modelFiles(home, id);
  let parent: { name: string; data: Buffer }[] | null = null;
  if (metadata.parentModelId) {
    parent = await modelFiles(home, metadata.parentModelId).catch(() => {
      throw new StudioError('NOT_FOUND', `model ${id} was fine-tuned from ${metadata.parentModelId}, which is no longer in the library: the bundle could not be reproduced`, 'id');
    });
  }
  const digest = (list: { name: string; data: Buffer }[]) => Object.fromEntries(list.map((f) => [f.name, sha256(f.data)]));
  const manifest: BundleManifestInput = {
    formatVersion: 1,
    kind: BUNDLE_KIND,
    createdAt: new Date().toISOString(),
    app: appVersion(),
    run: { id: run.id, config: run.config, status: run.status, params: run.params ?? metadata.params, durationMs: run.durationMs, samplesPerSec: run.samplesPerSec },
    dataset: run.dataset,
    environment: run.environment,
    metrics: run.metrics,
    evaluation: run.evaluation,
    model: { id, name: metadata.name, sha256: digest(files) },
    parent: parent && metadata.parentModelId ? { id: metadata.parentModelId, name: (await readMetadata(home, metadata.parentModelId)).name, sha256: digest(parent) } : null,
  };
  return [
    { name: BUNDLE_MANIFEST, data: `${JSON.stringify(manifest, null, 2)}\n` },
    ...files.map((f) => ({ name: `${BUNDLE_MODEL}/${f.name}`, data: f.data })),
    ...(parent ?? []).map((f) => ({ name: `${BUNDLE_PARENT}/${f.name}`, data: f.data })),
  ];
}

/** Writes model `id` in `format` at `dest`; answers what was written. */
export async function exportModel(
  home: string,
  id: string,
  format: ExportFormat,
  dest: string,
  overwrite = false,
  onnxOptions: Partial<OnnxExportOptions> = {},
): Promise<ModelExport> {
  const target = path.resolve(dest);
  const metadata = await readMetadata(home, id);
  await checkExportTarget(target, overwrite);
  try {
    switch (format) {
      case 'tfjs': {
        const files = await modelFiles(home, id);
        await buildAtomic(
          target,
          'dir',
          async (tmp) => {
            for (const f of files) await writeFileSynced(path.join(tmp, f.name), f.data);
            await writeFileSynced(path.join(tmp, EXPORT_MARKER), `${JSON.stringify({ exportedBy: `MNIST Studio ${appVersion()}`, modelId: metadata.id })}\n`);
          },
          { overwrite },
        );
        break;
      }
      case 'tfjs-zip': {
        const files = await modelFiles(home, id);
        await buildAtomic(target, 'file', (tmp) => writeZip(tmp, files), { overwrite });
        break;
      }
      case 'onnx': {
        const bytes = await onnxBytes(home, id, onnxOptions);
        await buildAtomic(target, 'file', (tmp) => writeFileSynced(tmp, bytes), { overwrite });
        break;
      }
      case 'keras': {
        const { artifacts } = await readModelFolder(home, id);
        const weights = layerWeights(metadata.spec, artifacts.weightSpecs ?? [], artifacts.weightData as ArrayBuffer);
        const options = { name: metadata.name, normalization: metadata.normalization, producer: `MNIST Studio ${appVersion()}` };
        await buildAtomic(target, 'file', (tmp) => buildKerasFile(tmp, metadata.spec, weights, options), { overwrite });
        break;
      }
      case 'keras-code':
      case 'pytorch': {
        const options = { dataDir: scriptDataDir(home, metadata), producer: `MNIST Studio ${appVersion()}` };
        const script = format === 'pytorch' ? pytorchScript(metadata, options) : kerasScript(metadata, options);
        await buildAtomic(target, 'file', (tmp) => writeFileSynced(tmp, script), { overwrite });
        break;
      }
      case 'bundle': {
        const files = await bundleFiles(home, id);
        await buildAtomic(target, 'file', (tmp) => writeZip(tmp, files), { overwrite });
        break;
      }
      default: {
        const never: never = format;
        throw new Error(`unknown format ${String(never)}`);
      }
    }
  } catch (err) {
    if (err instanceof TargetExistsError) throw new StudioError('IO', `${target} already exists (--force or overwrite: true replaces it)`, 'path');
    if (err instanceof StudioError) throw err;
    throw new StudioError('IO', `${target}: could not be written (${(err as Error).message}); nothing was written there`, 'path');
  }
  const stat = await fs.stat(target);
  let bytes = stat.size;
  if (stat.isDirectory()) bytes = (await Promise.all((await fs.readdir(target)).map(async (name) => (await fs.stat(path.join(target, name))).size))).reduce((a, b) => a + b, 0);
  return { format, path: target, bytes };
}
