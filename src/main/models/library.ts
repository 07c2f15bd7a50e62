/**
 * The model library service behind the `models` API and the CLI: files
 * in the studio home handled here (list, rename, delete, import, export),
 * TensorFlow work (evaluate, predict) sent to the library's worker process.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import {
  EXPORT_EXTENSIONS,
  MAX_IMAGE_BYTES,
  NORMALIZATION_CHOICES,
  NORMALIZATION_NAMES,
  resolveNormalization,
  type ModelDownload,
  type NormalizationChoice,
  type OnnxExportOptions,
  type PredictImage,
} from '@shared/models-api';
import type { ExportFormat, ImportedModel, ModelDetails, ModelEntry, ModelExport, Prediction } from '@shared/models';
import type { Explanation, FirstLayer } from '@shared/explain';
import { modelEntry } from '@shared/models';
import { StudioError } from '@shared/result';
import type { DatasetInfo, DatasetRef, Evaluation } from '@shared/training';
import { IDX_FILES, IDX_ROLES } from '@shared/datasets';
import type { EmbedInput, Embedding } from '@shared/embed';
import { readManifest, summarizeDataset } from '../datasets/store';
import { checkDatasetPresent } from '../training/host';
import { exportModel } from './export';
import { importModel, NormalizationNeeded } from './import';
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
    normalization?: NormalizationChoice | undefined;
    source?: string | undefined;
    dataset?: string | undefined;
  }): Promise<ImportedModel> {
    const { dataset, normalization: choice, ...rest } = options;
    const normalization = choice === undefined ? undefined : resolveNormalization(choice);
    // A file that records no normalisation (an ONNX file; a Keras file or TF.js folder without preprocessing layers or
    // metadata.json): its test accuracy under each named one, on the named data set or an installed MNIST, so the user sees which is right.
    const scoreOn = [dataset, 'mnist'].find((id) => id !== undefined && isPresent(this.home, id));
    let metadata;
    try {
      metadata = await importModel({ home: this.home, ...rest, normalization });
    } catch (err) {
      if (!(err instanceof NormalizationNeeded) || scoreOn === undefined) throw err;
      const scores = await this.scoreNormalizations(options.path, scoreOn).catch(() => null);
      throw scores ? new NormalizationNeeded(err.file, `. Test accuracy on ${scores.on}: ${scores.text}`) : err;
    }
    const scored = scoreOn !== undefined && options.path.toLowerCase().endsWith('.onnx') ? await this.scoreNormalizations(options.path, scoreOn).catch(() => null) : null;
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
    return {
      ...modelEntry(metadata, (await getModel(this.home, metadata.id)).bytes),
      evaluationError,
      ...(scored ? { normalizationScores: scored.scores, normalizationScoresOn: scored.on } : {}),
    };
  }

  /**
   * The test accuracy of a model file under each named normalisation on an
   * installed data set: imported into a private temporary home, evaluated
   * three times by the worker, removed; the library is not touched.
   */
  async scoreNormalizations(file: string, datasetId: string): Promise<{ on: string; scores: { choice: (typeof NORMALIZATION_NAMES)[number]; accuracy: number }[]; text: string }> {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'mnist-studio-score-'));
    try {
      const meta = await importModel({ home, path: file, normalization: NORMALIZATION_CHOICES.unit });
      const dir = path.join(this.home, 'datasets', datasetId);
      const scores = [];
      for (const choice of NORMALIZATION_NAMES) {
        await updateMetadata(home, meta.id, (m) => ({ ...m, normalization: resolveNormalization(choice) }));
        const ev = await this.worker.run<Evaluation>({ kind: 'evaluate', home, modelId: meta.id, dataset: { dir } });
        scores.push({ choice, accuracy: ev.accuracy });
      }
      const name = (await summarizeDataset(this.home, datasetId)).name;
      return { on: name, scores, text: scores.map((s) => `${s.choice} ${(s.accuracy * 100).toFixed(2)} %`).join(', ') };
    } finally {
      await fs.rm(home, { recursive: true, force: true });
    }
  }

  export(id: string, format: ExportFormat, dest: string, overwrite = false, onnx?: Partial<OnnxExportOptions>): Promise<ModelExport> {
    if (onnx && format !== 'onnx') throw new StudioError('INVALID_ARGUMENT', `onnx: layout and input scale are ONNX export options, not ${format}`, 'onnx');
    return exportModel(this.home, id, format, dest, overwrite, onnx);
  }

  /** The file name a one-file export is offered under: the model's name and the format's extension. */
  async fileName(id: string, format: ModelDownload['format']): Promise<string> {
    const metadata = await readMetadata(this.home, id);
    const slug = metadata.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || id;
    const suffix = { bundle: '-bundle', pytorch: '-pytorch', 'keras-code': '-keras' } as Partial<Record<ModelDownload['format'], string>>;
    return `${slug}${suffix[format] ?? ''}.${EXPORT_EXTENSIONS[format]}`;
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
    const ev = await this.worker.run<Evaluation>({ kind: 'evaluate', home: this.home, modelId: id, dataset: 'dir' in dataset ? { dir: path.resolve(dataset.dir) } : dataset });
    if ('id' in dataset) {
      // A personal set's figure is kept with the model: the Models table's "your hand".
      const summary = await summarizeDataset(this.home, dataset.id);
      if (summary.personal) {
        await updateMetadata(this.home, id, (m) => ({
          ...m,
          personalAccuracy: { ...(m.personalAccuracy ?? {}), [dataset.id]: { name: summary.name, accuracy: ev.accuracy, count: ev.count, evaluatedAt: new Date().toISOString() } },
        }));
      }
    }
    return ev;
  }

  async predict(id: string, image: PredictImage, preprocess: boolean): Promise<Prediction> {
    await readMetadata(this.home, id);
    const sent = 'path' in image ? { encoded: await readImageFile(image.path) } : image;
    return this.worker.run<Prediction>({ kind: 'predict', home: this.home, modelId: id, image: sent, preprocess });
  }

  /**
   * The test split of an installed data set as a 2-D map of the model's
   * penultimate activations, in the worker: `input.dataset`, else the set the
   * model was trained on, else mnist.
   */
  async embed(input: EmbedInput): Promise<Embedding> {
    const metadata = await readMetadata(this.home, input.id);
    const trainedOn = metadata.dataset?.id;
    const id = input.dataset?.id ?? (trainedOn !== undefined && !trainedOn.startsWith('dir:') ? trainedOn : 'mnist');
    checkDatasetPresent(this.home, { id });
    return this.worker.run<Embedding>({ kind: 'embed', home: this.home, modelId: input.id, dataset: { id }, method: input.method, limit: input.limit, seed: input.seed });
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
