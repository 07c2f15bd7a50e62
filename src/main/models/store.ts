/**
 * The model folders of the studio home: `models/<id>/` holds `model.json`
 * and `weights.bin` (TF.js layers format, what `tf.loadLayersModel`
 * reads) and `metadata.json`. Plain files, no TensorFlow: the main process
 * lists, renames, deletes and imports models; the trainer saves and loads
 * them. Every change is atomic: a folder appears whole or not at all, a
 * metadata file is replaced by rename, a deleted folder is renamed away
 * before it is removed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { MODEL_FILES, modelDetails, modelEntry, ModelMetadataSchema, type ModelDetails, type ModelEntry, type ModelMetadata } from '@shared/models';
import { StudioError } from '@shared/result';
import { buildAtomic, syncDir, TargetExistsError, tempSibling, visibleFolders, writeFileAtomic, writeFileSynced } from '../fs-atomic';

export function modelsDir(home: string): string {
  return path.join(home, 'models');
}

export function modelDir(home: string, id: string): string {
  return path.join(modelsDir(home), id);
}

function weightBytes(data: io.ModelArtifacts['weightData']): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return out;
}

/** One weight as a manifest lists it. */
const WeightEntry = z
  .object({
    name: z.string().min(1).max(500),
    shape: z.array(z.number().int().min(0)).max(8),
    dtype: z.enum(['float32', 'int32']),
  })
  .strict();

/** `model.json` of a library folder: written by the studio, still checked when read back (a hand-edited file must fail clearly). */
const LibraryModelJson = z
  .object({
    modelTopology: z.record(z.string(), z.unknown()),
    format: z.string().optional(),
    generatedBy: z.string().optional(),
    convertedBy: z.string().nullable().optional(),
    trainingConfig: z.unknown().optional(),
    weightsManifest: z.array(z.object({ paths: z.tuple([z.literal(MODEL_FILES.weights)]), weights: z.array(WeightEntry) }).strict()).length(1),
  })
  .strict();

/** The files of a model folder as the studio writes them: the topology, its weights in one buffer, the metadata. */
export interface ModelFiles {
  topology: object;
  weightSpecs: io.WeightsManifestEntry[];
  weights: Uint8Array;
  metadata: ModelMetadata;
  /** Who wrote the topology (`TensorFlow.js tfjs-layers v4.22.0`). */
  generatedBy?: string | undefined;
}

/** `model.json` as the TF.js file handlers write it, with the weights in one `weights.bin`. */
function modelJson(files: ModelFiles): object {
  return {
    modelTopology: files.topology,
    format: 'layers-model',
    generatedBy: files.generatedBy,
    convertedBy: null,
    weightsManifest: [{ paths: [MODEL_FILES.weights], weights: files.weightSpecs }],
  };
}

/** Writes a model folder's three files into `dir` (a temporary folder), each flushed. */
export async function writeModelFiles(dir: string, files: ModelFiles): Promise<void> {
  await writeFileSynced(path.join(dir, MODEL_FILES.weights), files.weights);
  await writeFileSynced(path.join(dir, MODEL_FILES.topology), JSON.stringify(modelJson(files)));
  await writeFileSynced(path.join(dir, MODEL_FILES.metadata), `${JSON.stringify(files.metadata, null, 2)}\n`);
}

/**
 * Adds a model folder atomically: everything is written into a temporary
 * folder beside it, flushed and renamed into place, so `models/<id>/` is
 * either complete or absent, whatever happens mid-save.
 */
export async function addModelFolder(home: string, files: ModelFiles): Promise<string> {
  const target = modelDir(home, files.metadata.id);
  try {
    await buildAtomic(target, 'dir', (tmp) => writeModelFiles(tmp, files));
  } catch (err) {
    if (err instanceof TargetExistsError || (err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new StudioError('IO', `model ${files.metadata.id} already exists in ${modelsDir(home)}`);
    }
    throw writeError(target, err);
  }
  return target;
}

/** Saves what `model.save` hands a save handler as a new library folder. */
export function saveModelFolder(home: string, metadata: ModelMetadata, artifacts: io.ModelArtifacts): Promise<string> {
  return addModelFolder(home, {
    topology: artifacts.modelTopology as object,
    weightSpecs: artifacts.weightSpecs ?? [],
    weights: weightBytes(artifacts.weightData),
    metadata,
    generatedBy: artifacts.generatedBy,
  });
}

/** A write that failed (disk full, permission, …): what was being written, why, and that nothing changed. */
export function writeError(target: string, err: unknown): StudioError {
  if (err instanceof StudioError) return err;
  return new StudioError('IO', `${target}: could not be written (${(err as Error).message}); nothing was changed`);
}

function fileError(file: string, err: unknown, id: string, home: string): StudioError {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new StudioError('NOT_FOUND', `no model ${id} in ${modelsDir(home)}`, 'id');
  return new StudioError('IO', `${file}: ${(err as Error).message}`);
}

function parseJsonFile<T>(file: string, text: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StudioError('INTEGRITY', `${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StudioError('INTEGRITY', `${file}: ${issue?.path.map(String).join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** A model's metadata, checked. NOT_FOUND when the folder is absent, INTEGRITY when the file is damaged. */
export async function readMetadata(home: string, id: string): Promise<ModelMetadata> {
  const file = path.join(modelDir(home, id), MODEL_FILES.metadata);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw fileError(file, err, id, home);
  }
  return parseJsonFile(file, text, ModelMetadataSchema);
}

/** Reads a model folder back: its metadata and the artifacts `tf.io.fromMemory` takes. */
export async function readModelFolder(home: string, id: string): Promise<{ metadata: ModelMetadata; artifacts: io.ModelArtifacts }> {
  const dir = modelDir(home, id);
  const metadata = await readMetadata(home, id);
  const topologyFile = path.join(dir, MODEL_FILES.topology);
  const weightsFile = path.join(dir, MODEL_FILES.weights);
  let text: string;
  let weights: Buffer;
  try {
    text = await fs.readFile(topologyFile, 'utf8');
    weights = await fs.readFile(weightsFile);
  } catch (err) {
    throw fileError(dir, err, id, home);
  }
  const json = parseJsonFile(topologyFile, text, LibraryModelJson);
  const weightSpecs = json.weightsManifest[0]!.weights;
  const expected = weightSpecs.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.byteLength !== expected) throw new StudioError('INTEGRITY', `${weightsFile}: ${weights.byteLength} bytes, but its manifest needs ${expected}`);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return {
    metadata,
    artifacts: {
      modelTopology: json.modelTopology,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? null,
      weightSpecs,
      weightData,
    },
  };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of Object.values(MODEL_FILES)) {
    try {
      total += (await fs.stat(path.join(dir, name))).size;
    } catch {
      // A missing file shows as a smaller folder; reading the model says what is wrong.
    }
  }
  return total;
}

/** Every model with a readable metadata file, newest first. A damaged folder is skipped (and said on stderr), not fatal. */
export async function listModels(home: string): Promise<ModelEntry[]> {
  const models: ModelEntry[] = [];
  for (const id of await visibleFolders(modelsDir(home))) {
    try {
      models.push(modelEntry(await readMetadata(home, id), await folderBytes(modelDir(home, id))));
    } catch (err) {
      console.error(`skipping model ${id}: ${(err as Error).message}`);
    }
  }
  return models.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** `name`, or `name (2)`, `name (3)`… when a model in the library has it: pickers and lists must tell models apart. */
export async function uniqueModelName(home: string, name: string): Promise<string> {
  const taken = new Set((await listModels(home)).map((m) => m.name));
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) if (!taken.has(`${name} (${n})`)) return `${name} (${n})`;
}

export async function getModel(home: string, id: string): Promise<ModelDetails> {
  const metadata = await readMetadata(home, id);
  return modelDetails(metadata, await folderBytes(modelDir(home, id)));
}

/** Replaces a model's `metadata.json` with a changed copy (checked against the schema); the rest of its folder stays. */
export async function updateMetadata(home: string, id: string, change: (metadata: ModelMetadata) => ModelMetadata): Promise<ModelMetadata> {
  const metadata = ModelMetadataSchema.parse(change(await readMetadata(home, id)));
  const file = path.join(modelDir(home, id), MODEL_FILES.metadata);
  try {
    await writeFileAtomic(file, `${JSON.stringify(metadata, null, 2)}\n`);
    await syncDir(modelDir(home, id));
  } catch (err) {
    throw writeError(file, err);
  }
  return metadata;
}

/** Sets a model's display name: `metadata.json` is replaced by rename, the rest stays. */
export async function renameModel(home: string, id: string, name: string): Promise<ModelEntry> {
  const metadata = await updateMetadata(home, id, (m) => ({ ...m, name }));
  return modelEntry(metadata, await folderBytes(modelDir(home, id)));
}

/** Removes a model folder: renamed away first (one step), so a crash mid-removal leaves no half folder in the library. */
export async function deleteModel(home: string, id: string): Promise<void> {
  const dir = modelDir(home, id);
  await readMetadata(home, id);
  const aside = tempSibling(dir);
  try {
    await fs.rename(dir, aside);
    await syncDir(modelsDir(home));
  } catch (err) {
    throw writeError(dir, err);
  }
  await fs.rm(aside, { recursive: true, force: true });
}
