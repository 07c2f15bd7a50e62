/**
 * The model library as every process sees it: a saved model in
 * `models/<id>/` is TF.js layers format (`model.json` + `weights.bin`,
 * loadable by `tf.loadLayersModel`) plus `metadata.json`; what the library
 * lists and shows of it; and what a prediction answers.
 */
import { z } from 'zod';
import { Hyperparams, MAX_SEED, type ResolvedHyperparams } from './hyperparams';
import { describeModel, layerDef, ModelSpec, wholeNumber, type LayerSpec, type ModelSummary } from './model-spec';
import type { DatasetInfo } from './training';

/** Files of a model folder. */
export const MODEL_FILES = { topology: 'model.json', weights: 'weights.bin', metadata: 'metadata.json' } as const;

/** A name is shown on one line in a terminal and a list: no control characters (a raw escape would drive the terminal). */
const isControl = (c: string) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;

export function hasControlCharacters(text: string): boolean {
  return [...text].some(isControl);
}

/** `text` with its control characters dropped: for a name the studio derives (a file's name), where refusing would help nobody. */
export function withoutControlCharacters(text: string): string {
  return [...text].filter((c) => !isControl(c)).join('');
}

/** A model's display name: what `models:rename` sets, and every name a model enters the library with. */
export const ModelName = z
  .string({ error: 'must be a name of 1 to 100 characters' })
  .trim()
  .min(1, { error: 'must be a name of 1 to 100 characters' })
  .max(100, { error: 'must be a name of 1 to 100 characters' })
  .refine((name) => !hasControlCharacters(name), { error: 'must not hold control characters' });

const Count = z.number().int().min(0);

/** What a run learnt about its data (`DatasetInfo`), as read back from a file. */
export const DatasetInfoSchema = z
  .object({
    id: z.string().max(4200),
    name: z.string().max(4200),
    classNames: z.array(z.string().max(200)).max(10),
    trainCount: Count,
    validationCount: Count,
    testCount: Count,
    digests: z.record(z.string().max(200), z.string().regex(/^[0-9a-f]{64}$/)),
  })
  .strict() satisfies z.ZodType<DatasetInfo>;

/** The settings a run used, seed fixed, as read back from a file. */
export const ResolvedHyperparamsSchema = Hyperparams.extend({ seed: wholeNumber(0, MAX_SEED) }) satisfies z.ZodType<ResolvedHyperparams>;

/**
 * What `metadata.json` holds: how the model was made and how to feed it.
 * Fields added after the first release default, so every folder written
 * since then reads.
 */
export const ModelMetadataSchema = z
  .object({
    /** Bumped when the layout changes, so an old folder can be read or refused knowingly. */
    formatVersion: z.literal(1),
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/),
    name: z.string().min(1).max(200),
    createdAt: z.string().max(64),
    spec: ModelSpec,
    /** Input pixels (0–255) go in as ((p / 255) − mean) / std, shape [28, 28, 1]; outputs are logits. */
    inputShape: z.tuple([z.literal(28), z.literal(28), z.literal(1)]),
    normalization: Hyperparams.shape.normalization.unwrap(),
    /** How it was trained; null for an imported model. */
    hyperparams: ResolvedHyperparamsSchema.nullable(),
    /** What it was trained and tested on; null for an imported model. */
    dataset: DatasetInfoSchema.nullable(),
    params: Count,
    /** On the test set of `dataset` when it was saved; null for an imported model (evaluate it). */
    testAccuracy: z.number().min(0).max(1).nullable(),
    testLoss: z.number().nullable(),
    /** The run that trained it; null for an imported model. */
    runId: z.string().max(100).nullable(),
    /** The model a fine-tuning run started from; null when trained from scratch or imported. */
    parentModelId: z.string().max(100).nullable().default(null),
    /** Where an imported model came from (the folder or .zip given); null for a trained one. */
    importedFrom: z.string().max(4096).nullable().default(null),
    /** The run was stopped early: the weights are as of the last finished batch. */
    stoppedEarly: z.boolean(),
    app: z.string().max(64),
    tfjs: z.string().max(64).nullable(),
    /** Its latest accuracy on each personal set it was evaluated on (the user's own handwriting), by set id; absent until one is. */
    personalAccuracy: z
      .record(z.string().max(64), z.object({ name: z.string().max(200), accuracy: z.number().min(0).max(1), count: Count, evaluatedAt: z.string().max(64) }).strict())
      .optional(),
  })
  .strict();

export type ModelMetadata = z.output<typeof ModelMetadataSchema>;

/** A model in the library list: enough to pick one without opening it. */
export interface ModelEntry {
  id: string;
  name: string;
  /** One line: `flatten → dense 128 relu → dense 64 relu → dense 10`. */
  architecture: string;
  /** The network's own name (`mlp`, `cnn`, a spec file's). */
  specName: string;
  params: number;
  /** Dataset id (or `dir:<path>`) and human name it was trained on; null for an imported model. */
  datasetId: string | null;
  datasetName: string | null;
  /** The classes it tells apart (index = output), as its data set names them; null when unknown (an imported model). */
  classNames: string[] | null;
  testAccuracy: number | null;
  createdAt: string;
  /** The run that trained it; null for an imported model. */
  runId: string | null;
  parentModelId: string | null;
  source: 'trained' | 'imported';
  stoppedEarly: boolean;
  /** Bytes of the folder's files. */
  bytes: number;
  /** Its accuracy on each personal set it was evaluated on, latest evaluation each, by set name. */
  personalAccuracy: { datasetId: string; name: string; accuracy: number; count: number; evaluatedAt: string }[];
}

/** One model in full: its entry, the metadata file and the per-layer shape check of its network. */
/** A model just imported: its entry, and why scoring it on a test set failed when it did (it is imported all the same). */
export interface ImportedModel extends ModelEntry {
  evaluationError: string | null;
  /** The test accuracy under each named normalisation on `normalizationScoresOn`, when the file recorded none and a data set to score on is installed. */
  normalizationScores?: { choice: 'mnist' | 'unit' | 'raw'; accuracy: number }[] | undefined;
  normalizationScoresOn?: string | undefined;
}

export interface ModelDetails extends ModelEntry {
  metadata: ModelMetadata;
  summary: ModelSummary;
}

/** Where `models:export` wrote and what. */
export interface ModelExport {
  format: ExportFormat;
  path: string;
  bytes: number;
}

export const EXPORT_FORMATS = ['tfjs', 'tfjs-zip', 'onnx', 'bundle', 'keras', 'keras-code', 'pytorch'] as const;
/**
 * `tfjs`: a folder of model.json + weights.bin (what `tf.loadLayersModel`
 * reads in a browser); `tfjs-zip`: the same in a .zip; `onnx`: one .onnx
 * file (opset 13, outputs `logits` and `probabilities`); `bundle`: a
 * reproduction .zip (config, seed, dataset digests, environment, metrics,
 * evaluation, weights) for `mnist-studio reproduce`; `keras`: a Keras 3
 * .keras file (`keras.saving.load_model`), raw 0–255 pixels in (a Rescaling
 * layer holds the normalisation), logits out; `keras-code`: a Keras
 * training script (.py) for the network with its run's settings;
 * `pytorch`: the same as a PyTorch training script (.py).
 */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What a model said about one image, and the 28×28 it actually saw. */
export interface Prediction {
  /** softmax of the logits: ten numbers summing to 1, index = class. */
  probabilities: number[];
  /** The most probable class. */
  predicted: number;
  classNames: string[];
  /** The 28×28 grayscale image fed to the model (0–255, ink bright), before its normalisation: what the UI shows as "what the model saw". */
  input: Uint8Array;
  /** The ink's bounding box in the given image (x, y, width, height), or null when the image is blank or was not preprocessed. */
  inkBox: { x: number; y: number; width: number; height: number } | null;
}

function layerLine(layer: LayerSpec): string {
  return layerDef(layer).summary(layer);
}

/** The network on one line, for lists: `conv 6×5² same relu → maxpool 2 → … → dense 10`. */
export function architectureSummary(spec: ModelSpec): string {
  return spec.layers.map(layerLine).join(' → ');
}

/** The list entry of a model from its metadata and folder size. */
export function modelEntry(metadata: ModelMetadata, bytes: number): ModelEntry {
  return {
    id: metadata.id,
    name: metadata.name,
    architecture: architectureSummary(metadata.spec),
    specName: metadata.spec.name,
    params: metadata.params,
    datasetId: metadata.dataset?.id ?? null,
    datasetName: metadata.dataset?.name ?? null,
    classNames: metadata.dataset?.classNames ?? null,
    testAccuracy: metadata.testAccuracy,
    createdAt: metadata.createdAt,
    runId: metadata.runId,
    parentModelId: metadata.parentModelId,
    source: metadata.importedFrom !== null ? 'imported' : 'trained',
    stoppedEarly: metadata.stoppedEarly,
    bytes,
    personalAccuracy: Object.entries(metadata.personalAccuracy ?? {})
      .map(([datasetId, p]) => ({ datasetId, ...p }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export function modelDetails(metadata: ModelMetadata, bytes: number): ModelDetails {
  return { ...modelEntry(metadata, bytes), metadata, summary: describeModel(metadata.spec) };
}
