import { z } from 'zod';
import { EmbedInput, type Embedding } from './embed';
import { Hyperparams, MNIST_NORMALIZATION } from './hyperparams';
import { FIRST_LAYER_UNITS, IG_STEPS, MAX_FIRST_LAYER_UNITS, MAX_IG_STEPS, type Explanation, type FirstLayer } from './explain';
import { ALL_SHELLS, method, NoInput } from './method';
import { wholeNumber } from './model-spec';
import { EXPORT_FORMATS, ModelName, type ImportedModel, type ModelDetails, type ModelEntry, type ModelExport, type Prediction } from './models';
import { MAX_IMAGE_SIDE } from './preprocess';
import { Id, type Evaluation } from './training';
import { UploadId } from './uploads-api';

/** Largest encoded image (PNG or JPEG) or pixel buffer a prediction takes: a 4096² RGBA canvas. */
export const MAX_IMAGE_BYTES = MAX_IMAGE_SIDE * MAX_IMAGE_SIDE * 4;

const Bytes = z.instanceof(Uint8Array, { error: 'must be bytes (a Uint8Array)' });

/** Raw pixels, as a canvas gives them (RGBA) or as MNIST stores them (one gray byte each). */
export const PixelImage = z
  .object({
    width: wholeNumber(1, MAX_IMAGE_SIDE),
    height: wholeNumber(1, MAX_IMAGE_SIDE),
    channels: z.union([z.literal(1), z.literal(3), z.literal(4)], { error: 'must be 1 (gray), 3 (RGB) or 4 (RGBA)' }),
    data: Bytes,
  })
  .strict()
  .refine((img) => img.data.length === img.width * img.height * img.channels, { error: 'data must hold width × height × channels bytes', path: ['data'] });

/** The image to classify: pixels, the bytes of a PNG or JPEG file, or (the CLI only) the path of one. */
export const PredictImage = z.union(
  [
    z.object({ pixels: PixelImage }).strict(),
    z.object({ encoded: Bytes.refine((b) => b.length > 0 && b.length <= MAX_IMAGE_BYTES, { error: `must be 1 to ${MAX_IMAGE_BYTES} bytes` }) }).strict(),
    z.object({ path: z.string().min(1).max(4096) }).strict(),
  ],
  { error: 'must be {pixels}, {encoded} (PNG or JPEG bytes) or {path}' },
);
export type PredictImage = z.output<typeof PredictImage>;

export const PredictInput = z
  .object({
    id: Id,
    image: PredictImage,
    /**
     * MNIST's preprocessing (crop to the ink, fit in 20×20, centre by mass),
     * for drawn digits and photos. False: the image is already a 28×28
     * MNIST-style digit and goes in as it is.
     */
    preprocess: z.boolean().default(true),
  })
  .strict();

/** How an ONNX export takes its input. */
export const OnnxExportOptions = z
  .object({
    layout: z.enum(['nhwc', 'nchw'], { error: 'must be nhwc or nchw' }).default('nhwc'),
    input: z.enum(['normalised', 'raw'], { error: 'must be normalised or raw' }).default('normalised'),
  })
  .strict();
export type OnnxExportOptions = z.output<typeof OnnxExportOptions>;

export const ExplainInput = PredictInput.extend({
  /** The class whose score the saliency explains ("why not 9?"); default: the predicted class. */
  class: wholeNumber(0, 9).optional(),
  /** Integrated gradients: steps on the path from a black image. */
  steps: wholeNumber(1, MAX_IG_STEPS).default(IG_STEPS),
}).strict();

export const FirstLayerInput = z
  .object({
    id: Id,
    /** At most this many units or filters. */
    limit: wholeNumber(1, MAX_FIRST_LAYER_UNITS).default(FIRST_LAYER_UNITS),
  })
  .strict();

export const ExportInput = z
  .object({
    id: Id,
    format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }),
    /** Where to write: a folder (`tfjs`) or a file (the others), in a folder that exists. Nothing appears there unless the export completes. */
    path: z.string().min(1).max(4096),
    /** Replace what is at `path`: a file, an empty folder or an earlier export of ours; any other folder is refused. */
    overwrite: z.boolean().default(false),
    /** ONNX only: the input's layout (`nchw` [N, 1, 28, 28] for PyTorch users, `nhwc` [N, 28, 28, 1] as TF.js) and scale (`normalised` as the metadata says, or `raw` 0–255 pixels with the normalisation inside the graph). */
    onnx: OnnxExportOptions.optional(),
  })
  .strict();

/**
 * How an imported model's inputs are scaled, by name or as numbers (pixels p
 * go in as ((p / 255) − mean) / std): `mnist` is the PyTorch tutorial's
 * (p/255 − 0.1307)/0.3081, `unit` is p/255, `raw` is p itself.
 */
export const NORMALIZATION_CHOICES = { mnist: { ...MNIST_NORMALIZATION }, unit: { mean: 0, std: 1 }, raw: { mean: 0, std: 1 / 255 } } as const;
export type NormalizationName = keyof typeof NORMALIZATION_CHOICES;
export const NORMALIZATION_NAMES = ['mnist', 'unit', 'raw'] as const satisfies readonly NormalizationName[];
export const NormalizationChoice = z.union([z.enum(NORMALIZATION_NAMES), Hyperparams.shape.normalization.unwrap()], {
  error: `must be ${NORMALIZATION_NAMES.join(', ')} or {mean, std}`,
});
export type NormalizationChoice = z.output<typeof NormalizationChoice>;

/** The mean and std a choice stands for. */
export function resolveNormalization(choice: NormalizationChoice): { mean: number; std: number } {
  return typeof choice === 'string' ? { ...NORMALIZATION_CHOICES[choice] } : choice;
}

export const ImportModelInput = z
  .object({
    /** A TF.js layers model: a folder holding model.json and its weight files, or a .zip of one. */
    path: z.string().min(1).max(4096),
    name: ModelName.optional(),
    /** How the model's inputs are scaled; default: what the file records (a metadata.json beside a TF.js folder, an ONNX export's metadata). An ONNX file that records none is refused without it. */
    normalization: NormalizationChoice.optional(),
    /** The installed data set to score it on when its metadata names none that is installed; the test accuracy is recorded in its metadata. */
    dataset: Id.optional(),
  })
  .strict();

const ModelRef = z.object({ id: Id }).strict();

/** The desktop's import: main opens a folder or .zip dialog and imports what the user chose; no path crosses. */
export const DialogImportModelInput = z
  .object({
    from: z.enum(['folder', 'zip', 'onnx'], { error: 'must be folder, zip or onnx' }),
    /** The dialog's title, in the user's language (the renderer translates it). */
    title: z.string().trim().min(1).max(200).optional(),
    name: ModelName.optional(),
    normalization: NormalizationChoice.optional(),
    dataset: Id.optional(),
  })
  .strict();

/** A web client's import: the TF.js folder's files (or a .zip) it uploaded (uploads:begin with kind 'model'). */
export const UploadImportModelInput = z.object({ uploadId: UploadId, name: ModelName.optional(), normalization: NormalizationChoice.optional(), dataset: Id.optional() }).strict();

/** The formats a browser can download: one file each (a TF.js folder goes as its .zip). */
export const DOWNLOAD_FORMATS = ['tfjs-zip', 'onnx', 'keras', 'bundle', 'pytorch', 'keras-code'] as const satisfies readonly (typeof EXPORT_FORMATS)[number][];

/** The extension of the file each one-file format writes. */
export const EXPORT_EXTENSIONS = { 'tfjs-zip': 'zip', onnx: 'onnx', keras: 'keras', bundle: 'zip', pytorch: 'py', 'keras-code': 'py' } as const;

/** The desktop's export: main asks where with a save dialog and writes there; no path crosses. */
export const SaveAsInput = z
  .object({
    id: Id,
    format: z.enum(DOWNLOAD_FORMATS, { error: `must be one of ${DOWNLOAD_FORMATS.join(', ')}` }),
    /** The dialog's title and the format's name in its filter, in the user's language. */
    title: z.string().trim().min(1).max(200).optional(),
    filterName: z.string().trim().min(1).max(100).optional(),
  })
  .strict();

/** A model exported in memory, for a browser to save (web mode has no save dialog on the engine’s machine). */
export interface ModelDownload {
  format: (typeof DOWNLOAD_FORMATS)[number];
  /** A file name made of the model's name and the format's extension. */
  fileName: string;
  data: Uint8Array;
}

/**
 * The model library: every model kept in `models/<id>/`, trained here or
 * imported after validation; evaluation and prediction run in a worker
 * process. Fine-tuning is `train:start` with `fromModel`.
 */
export const MODELS_API = {
  'models:list': method<ModelEntry[]>()(NoInput, 'Every model in the library, newest first, for the models screen.', ALL_SHELLS),
  'models:get': method<ModelDetails>()(ModelRef, 'One model in full: metadata, per-layer shapes and parameters.', ALL_SHELLS),
  'models:rename': method<ModelEntry>()(ModelRef.extend({ name: ModelName }).strict(), 'Gives a model a name the user chose; its id and files stay.', ALL_SHELLS),
  'models:delete': method<{ id: string }>()(ModelRef, 'Removes a model folder from the library (the run that trained it stays).', ALL_SHELLS),
  'models:import': method<ImportedModel>()(
    ImportModelInput,
    'Adds a TF.js layers model (folder or .zip) after checks that run before TensorFlow reads a byte; on any defect nothing is added.',
    ['cli'],
  ),
  'models:importFromDialog': method<{ imported: ImportedModel | null }>()(
    DialogImportModelInput,
    'The desktop’s import: main opens a folder or .zip dialog and imports what the user chose, as `models:import` (null when the dialog is closed).',
    ['desktop'],
  ),
  'models:importUpload': method<ImportedModel>()(
    UploadImportModelInput,
    'A web client’s import: the TF.js folder’s files (model.json and weight shards) or the .zip it uploaded, as `models:import`; the upload goes either way.',
    ['web'],
  ),
  'models:export': method<ModelExport>()(
    ExportInput,
    'Writes a model as TF.js (folder or .zip), ONNX, a reproduction bundle, Keras, or its run as a PyTorch or Keras training script; atomically, replacing no folder of the user’s.',
    ['cli'],
  ),
  'models:saveAs': method<{ saved: string | null }>()(
    SaveAsInput,
    'The desktop’s export: main opens a save dialog and writes the one file there; answers the file’s name (null when the dialog is closed).',
    ['desktop'],
  ),
  'models:download': method<ModelDownload>()(
    ModelRef.extend({ format: z.enum(DOWNLOAD_FORMATS, { error: `must be one of ${DOWNLOAD_FORMATS.join(', ')}` }) }).strict(),
    'A model exported as one file and answered as bytes, for the browser to download in web mode (`models:export` writes on the engine’s machine).',
    ALL_SHELLS,
  ),
  'models:evaluate': method<Evaluation>()(
    ModelRef.extend({ dataset: z.object({ id: Id }).strict() }).strict(),
    'Scores a model on an installed dataset’s test set, in a worker process: the same evaluation a run ends with.',
    ALL_SHELLS,
  ),
  'models:embed': method<Embedding>()(
    EmbedInput,
    'The test set as a map: a model’s penultimate-layer activations for an installed data set’s test images, projected to 2-D by PCA or UMAP (seeded) in a worker process, with labels and predictions.',
    ALL_SHELLS,
  ),
  'models:predict': method<Prediction>()(
    PredictInput,
    'Classifies one image (a drawn digit, a PNG or JPEG) in a worker process: ten probabilities and the 28×28 the model saw.',
    ALL_SHELLS,
    // A path would let a page read the engine's files (and learn whether one exists).
    { 'image.path': ['cli'] },
  ),
  'models:explain': method<Explanation>()(
    ExplainInput,
    'Looks inside a model for one image, in a worker process: the prediction, every layer’s output in order (feature maps as small images, dense layers as activations) and the saliency of a class’s score (plain gradient and integrated gradients).',
    ALL_SHELLS,
    { 'image.path': ['cli'] },
  ),
  'models:firstLayer': method<{ firstLayer: FirstLayer | null }>()(
    FirstLayerInput,
    'What the first layer learned: a dense layer’s weights from the pixels as 28×28 images, or the first convolution’s filters (null for a network whose first weights see no pixels).',
    ALL_SHELLS,
  ),
};
