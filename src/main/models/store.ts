/**
 * The model folders of the studio home: `models/<id>/` holds `model.json`
 * and `weights.bin` (TF.js layers format, what `tf.loadLayersModel`
 * reads) and `metadata.json`. Plain files, no TensorFlow: the main process
 * lists and deletes models, the trainer saves and loads them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import { MODEL_FILES, type ModelMetadata } from '@shared/models';
import { StudioError } from '@shared/result';
import { tempSibling } from '../fs-atomic';

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

/** `model.json` as the TF.js file handlers write it, with the weights in one `weights.bin`. */
function modelJson(artifacts: io.ModelArtifacts): object {
  return {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    weightsManifest: [{ paths: [MODEL_FILES.weights], weights: artifacts.weightSpecs ?? [] }],
  };
}

/**
 * Saves a model folder atomically: everything is written into a temporary
 * folder beside it and renamed into place, so `models/<id>/` is either
 * complete or absent, whatever happens mid-save.
 */
export async function saveModelFolder(home: string, metadata: ModelMetadata, artifacts: io.ModelArtifacts): Promise<string> {
  const target = modelDir(home, metadata.id);
  await fs.mkdir(modelsDir(home), { recursive: true });
  const tmp = tempSibling(target);
  await fs.mkdir(tmp);
  try {
    const write = async (name: string, data: string | Uint8Array) => {
      const handle = await fs.open(path.join(tmp, name), 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    };
    await write(MODEL_FILES.weights, weightBytes(artifacts.weightData));
    await write(MODEL_FILES.topology, JSON.stringify(modelJson(artifacts)));
    await write(MODEL_FILES.metadata, `${JSON.stringify(metadata, null, 2)}\n`);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new StudioError('IO', `model ${metadata.id} already exists in ${modelsDir(home)}`);
    }
    throw err;
  }
  return target;
}

/** Reads a model folder back: its metadata and the artifacts `tf.io.fromMemory` takes. */
export async function readModelFolder(home: string, id: string): Promise<{ metadata: ModelMetadata; artifacts: io.ModelArtifacts }> {
  const dir = modelDir(home, id);
  let json: { modelTopology: object; format?: string; generatedBy?: string; convertedBy?: string | null; weightsManifest: { weights: io.WeightsManifestEntry[] }[] };
  let metadata: ModelMetadata;
  let weights: Buffer;
  try {
    json = JSON.parse(await fs.readFile(path.join(dir, MODEL_FILES.topology), 'utf8')) as typeof json;
    metadata = JSON.parse(await fs.readFile(path.join(dir, MODEL_FILES.metadata), 'utf8')) as ModelMetadata;
    weights = await fs.readFile(path.join(dir, MODEL_FILES.weights));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StudioError('NOT_FOUND', `no model ${id} in ${modelsDir(home)}`, 'id');
    throw new StudioError('IO', `model ${id}: ${(err as Error).message}`);
  }
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return {
    metadata,
    artifacts: {
      modelTopology: json.modelTopology,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? null,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData,
    },
  };
}
