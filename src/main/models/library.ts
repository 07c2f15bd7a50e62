/**
 * The model library service behind the `models` API and the CLI: files
 * in the studio home handled here (list, rename, delete, import, export),
 * TensorFlow work (evaluate, predict) sent to the library's worker process.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import type { Explanation, FirstLayer } from '@shared/explain';
import { EXPORT_EXTENSIONS, MAX_IMAGE_BYTES, type ModelDownload, type PredictImage } from '@shared/models-api';
import type { ExportFormat, ImportedModel, ModelDetails, ModelEntry, ModelExport, ModelMetadata, Prediction } from '@shared/models';
import { modelEntry } from '@shared/models';
import { StudioError } from '@shared/result';
import type { DatasetInfo, DatasetRef, Evaluation } from '@shared/training';
import { IDX_FILES, IDX_ROLES } from '@shared/datasets';
import { readManifest, summarizeDataset } from '../datasets/store';
import { checkDatasetPresent } from '../training/host';
import { exportModel } from './export';
import { importModel } from './import';
import { deleteModel, getModel, listModels, modelDir, readMetadata, renameModel, updateMetadata } from './store';
import type { ModelWorker } from './worker';

/** Reads an image file for prediction, its size checked before it is read. */
export async function readImageFile(file: string): Promise<Uint8Array> {
  const full = path.resolve(file);
  const stat = await fs.stat(full).catch((err: NodeJS.ErrnoException) => {
    throw new StudioError(err.code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `${full}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, 'image.path');
  });
  if (!stat.isFile()) throw new StudioError('INVALID_ARGUMENT', `${full}: not a file`, 'image.path');
  if (stat.size > MAX_IMAGE_BYTES) throw new StudioError('INVALID_ARGUMENT', `${full}: ${stat.size} bytes; an image of at most ${MAX_IMAGE_BYTES} is read`, 'image.path');
  return new Uint8Array(await fs.readFile(full));
}

function isPresent(home: string, id: string): boolean {
  try {
    checkDatasetPresent(home, { id });
    return true;
  } catch {
    return false;
  }
}

/**
 * The record of an installed data set a model was scored on but not trained
 * on here: how many images it learnt from is not known, so 0; the file
 * digests are the manifest's when the set has one.
 */
async function evaluatedOn(home: string, id: string, ev: Evaluation): Promise<DatasetInfo> {
  const summary = await summarizeDataset(home, id);
  const manifest = await readManifest(summary.dir);
  return {
    id,
    name: summary.name,
    classNames: [...ev.classNames],
    trainCount: 0,
    validationCount: 0,
    testCount: ev.count,
    digests: manifest ? Object.fromEntries(IDX_ROLES.map((role) => [IDX_FILES[role], manifest.files[role].sha256])) : {},
  };
}

export class ModelLibrary {
  constructor(
    readonly home: string,
    private readonly worker: ModelWorker,
  ) {}

  list(): Promise<ModelEntry[]> {
    return listModels(this.home);
  }

  get(id: string): Promise<ModelDetails> {
    return getModel(this.home, id);
  }

  rename(id: string, name: string): Promise<ModelEntry> {
    return renameModel(this.home, id, name);
  }

  async delete(id: string): Promise<{ id: string }> {
    await deleteModel(this.home, id);
    return { id };
  }

  /**
   * Adds a model, then scores it on a test set so the library shows its data
   * set and accuracy: the one its metadata records when that is installed,
   * else `dataset`. A failed evaluation is reported; the model stays.
   */
  async import(options: {
    path: string;
    name?: string | undefined;
    normalization?: ModelMetadata['normalization'] | undefined;
    source?: string | undefined;
    dataset?: string | undefined;
  }): Promise<ImportedModel> {
    const { dataset, ...rest } = options;
    let metadata = await importModel({ home: this.home, ...rest });
    const recorded = metadata.dataset?.id;
    const target = recorded !== undefined && isPresent(this.home, recorded) ? recorded : dataset;
    let evaluationError: string | null = null;
    if (target !== undefined) {
      try {
        const ev = await this.evaluate(metadata.id, { id: target });
        const scored = target === recorded && metadata.dataset ? metadata.dataset : await evaluatedOn(this.home, target, ev);
        metadata = await updateMetadata(this.home, metadata.id, (m) => ({ ...m, dataset: scored, testAccuracy: ev.accuracy, testLoss: ev.loss }));
      } catch (err) {
        evaluationError = err instanceof Error ? err.message : String(err);
      }
    }
    return { ...modelEntry(metadata, (await getModel(this.home, metadata.id)).bytes), evaluationError };
  }

  export(id: string, format: ExportFormat, dest: string, overwrite = false): Promise<ModelExport> {
    return exportModel(this.home, id, format, dest, overwrite);
  }

  /** The file name a one-file export is offered under: the model's name and the format's extension. */
  async fileName(id: string, format: ModelDownload['format']): Promise<string> {
    const metadata = await readMetadata(this.home, id);
    const slug = metadata.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || id;
    return `${slug}${format === 'bundle' ? '-bundle' : ''}.${EXPORT_EXTENSIONS[format]}`;
  }

  /** Exports into a private temporary folder and answers the file's bytes, leaving nothing behind. */
  async download(id: string, format: ModelDownload['format']): Promise<ModelDownload> {
    const fileName = await this.fileName(id, format);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mnist-studio-download-'));
    try {
      const written = await exportModel(this.home, id, format, path.join(dir, fileName));
      return { format, fileName, data: new Uint8Array(await fs.readFile(written.path)) };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** The test-set evaluation of a model on a dataset (installed, or a folder for the CLI). */
  async evaluate(id: string, dataset: DatasetRef): Promise<Evaluation> {
    await readMetadata(this.home, id);
    checkDatasetPresent(this.home, dataset);
    return this.worker.run<Evaluation>({ kind: 'evaluate', home: this.home, modelId: id, dataset: 'dir' in dataset ? { dir: path.resolve(dataset.dir) } : dataset });
  }

  async predict(id: string, image: PredictImage, preprocess: boolean): Promise<Prediction> {
    await readMetadata(this.home, id);
    const sent = 'path' in image ? { encoded: await readImageFile(image.path) } : image;
    return this.worker.run<Prediction>({ kind: 'predict', home: this.home, modelId: id, image: sent, preprocess });
  }

  /** Every layer's output and a saliency map of `classIndex` (null: the predicted class) for one image, in the worker. */
  async explain(id: string, image: PredictImage, preprocess: boolean, classIndex: number | null, steps: number): Promise<Explanation> {
    await readMetadata(this.home, id);
    const sent = 'path' in image ? { encoded: await readImageFile(image.path) } : image;
    return this.worker.run<Explanation>({ kind: 'explain', home: this.home, modelId: id, image: sent, preprocess, classIndex, steps });
  }

  /** The first layer's weights as images (null when the network's first weights do not see the pixels). */
  async firstLayer(id: string, limit: number): Promise<FirstLayer | null> {
    await readMetadata(this.home, id);
    return this.worker.run<FirstLayer | null>({ kind: 'first-layer', home: this.home, modelId: id, limit });
  }

  /** Where a model's files are (for messages). */
  dir(id: string): string {
    return modelDir(this.home, id);
  }
}
