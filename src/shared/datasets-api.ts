import { z } from 'zod';
import { BUILTIN_DATASET_IDS, SPLITS, type BuiltinDatasetId, type DatasetImages, type DatasetInfo, type DatasetSummary, type DownloadResult } from './datasets';
import { ALL_SHELLS, method, NoInput } from './method';
import { PERSONAL_LIMITS, PersonalSample } from './personal';
import { UploadId } from './uploads-api';

/** A dataset's id, also its folder name under `datasets/`: no path separators, no dot first. */
export const DatasetName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64');

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * A mirror base URL: http or https, serving `<base>/<file>.gz`. No user
 * name or password in it: mirrors are recorded in dataset.json and shown.
 */
export const MirrorUrl = z
  .string()
  .max(2048)
  .refine((value) => ['http:', 'https:'].includes(parseUrl(value)?.protocol ?? ''), 'not an http(s) URL')
  .refine((value) => !parseUrl(value)?.username && !parseUrl(value)?.password, 'must not hold a user name or password');

export const BuiltinDatasetIdSchema = z.enum(BUILTIN_DATASET_IDS as [BuiltinDatasetId, ...BuiltinDatasetId[]]);

export const DownloadInput = z
  .object({
    id: BuiltinDatasetIdSchema,
    /** Mirror base URLs tried before those in settings and the registry's (`--mirror`): the CLI's alone, the renderer's downloads use the settings' mirrors. */
    mirrors: z.array(MirrorUrl).max(16).default([]),
    /** False: only `mirrors` (an offline network with its own mirror). */
    defaultMirrors: z.boolean().default(true),
  })
  .strict();

export const ImportInput = z
  .object({
    /** A folder holding the four IDX files, or the four files themselves; gzip or raw. */
    paths: z.array(z.string().min(1).max(4096)).min(1).max(4),
    /** Id of the new dataset; default: the registry dataset the files are, else the folder's name. */
    name: DatasetName.optional(),
  })
  .strict();

/** The desktop's import: main opens a folder dialog and imports what the user chose; no path crosses. */
export const DialogImportInput = z
  .object({
    /** The dialog's title, in the user's language (the renderer translates it). */
    title: z.string().trim().min(1).max(200).optional(),
    name: DatasetName.optional(),
  })
  .strict();

/** A web client's import: the files it uploaded (uploads:begin with kind 'dataset'). */
export const UploadImportInput = z.object({ uploadId: UploadId, name: DatasetName.optional() }).strict();

export const MAX_SAMPLES_PER_CLASS = 32;

export const InfoInput = z
  .object({
    id: DatasetName,
    samplesPerClass: z.number().int().min(0).max(MAX_SAMPLES_PER_CLASS).default(8),
  })
  .strict();

/** Most images one `datasets:images` call answers: a page of a grid, not a split. */
export const MAX_IMAGES_PER_CALL = 200;

/** Largest index a split can have: the IDX cap (128 MiB) holds fewer 784-byte images. */
const MAX_INDEX = 200_000;

export const ImagesInput = z
  .object({
    id: DatasetName,
    split: z.enum(SPLITS, { error: `must be one of ${SPLITS.join(', ')}` }),
    indices: z
      .array(z.number().int().min(0).max(MAX_INDEX), { error: 'must be a list of image indices' })
      .min(1, { error: `must hold 1 to ${MAX_IMAGES_PER_CALL} indices` })
      .max(MAX_IMAGES_PER_CALL, { error: `must hold 1 to ${MAX_IMAGES_PER_CALL} indices` }),
    /**
     * SHA-256 of the split's decompressed images file as the caller knows it
     * (a run's `dataset.digests`): refused when the dataset in the home is no
     * longer that one, so a run's mistakes are never shown on other images.
     */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { error: 'must be a SHA-256 in hex' })
      .optional(),
  })
  .strict();

/** Drawings to keep as a personal set (the Write screen): a new set, or more for one. */
export const SavePersonalInput = z
  .object({
    /** The set's id (its folder): new, or a personal set's when `extend`. */
    id: DatasetName,
    /** Its name on the screens (a new set's; default the id). */
    name: z
      .string()
      .trim()
      .min(1, { error: 'must be a name of 1 to 100 characters' })
      .max(100, { error: 'must be a name of 1 to 100 characters' })
      .refine((text) => ![...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), { error: 'must not hold control characters' })
      .optional(),
    samples: z
      .array(PersonalSample, { error: 'must be a list of drawings' })
      .min(1, { error: `must hold 1 to ${PERSONAL_LIMITS.maxSamplesPerSave} drawings` })
      .max(PERSONAL_LIMITS.maxSamplesPerSave, { error: `must hold 1 to ${PERSONAL_LIMITS.maxSamplesPerSave} drawings` }),
    /** Add to the personal set `id`; false: make a new one (refused when the id is taken). */
    extend: z.boolean().default(false),
  })
  .strict();

export const ExportPersonalInput = z
  .object({
    id: DatasetName,
    /** The .zip to write, in a folder that exists. */
    path: z.string().min(1).max(4096),
    /** Replace a file at `path`. */
    overwrite: z.boolean().default(false),
  })
  .strict();

/** A personal set's .zip in memory, for a browser (or the desktop page) to save. */
export interface PersonalDownload {
  fileName: string;
  data: Uint8Array;
  /** Drawings in it. */
  count: number;
}

/** Getting the data: the registry's datasets, their download, offline import and what the UI shows of them. */
export const DATASETS_API = {
  'datasets:list': method<DatasetSummary[]>()(NoInput, 'The registry’s datasets and imported ones, with what is on disk, for the datasets screen.', ALL_SHELLS),
  'datasets:download': method<DownloadResult>()(
    DownloadInput,
    'Fetches a registry dataset, verified file by file; progress on the `download` stream; a second call joins the first.',
    ALL_SHELLS,
    // A page may not make the engine fetch a URL it names: its downloads use the mirrors in settings.
    { mirrors: ['cli'] },
  ),
  'datasets:cancel': method<{ cancelled: boolean }>()(
    z.object({ id: DatasetName }).strict(),
    'Stops a running download; its call answers CANCELLED and nothing half-written stays.',
    ALL_SHELLS,
  ),
  'datasets:delete': method<{ id: string; dir: string }>()(
    z.object({ id: DatasetName }).strict(),
    'Removes a dataset’s folder from the studio home, whatever state it is in (a broken entry too), so it can be downloaded or imported again; runs that used it stay.',
    ALL_SHELLS,
  ),
  'datasets:import': method<DatasetSummary>()(ImportInput, 'Brings in the four files from a folder, after the same checks as a download, for users without internet.', ['cli']),
  'datasets:importFromDialog': method<{ imported: DatasetSummary | null }>()(
    DialogImportInput,
    'The desktop’s import: main opens a folder dialog and imports the four files in the folder chosen (null when the dialog is closed).',
    ['desktop'],
  ),
  'datasets:importUpload': method<DatasetSummary>()(
    UploadImportInput,
    'A web client’s import: the four IDX files (or a .zip of them), or a personal set’s .zip, it uploaded, after the same checks as `datasets:import`; the upload goes either way.',
    ['web'],
  ),
  'datasets:savePersonal': method<DatasetSummary>()(
    SavePersonalInput,
    'Keeps drawn digits (their strokes) as a personal set, or adds them to one: each becomes a 28×28 through the same preprocessing as a prediction.',
    ALL_SHELLS,
  ),
  'datasets:exportPersonal': method<{ path: string; bytes: number; count: number }>()(
    ExportPersonalInput,
    'Writes a personal set as a .zip (personal.json with the strokes, an IDX pair, one PNG a drawing) that `import` brings in on another machine.',
    ['cli'],
  ),
  'datasets:downloadPersonal': method<PersonalDownload>()(
    z.object({ id: DatasetName }).strict(),
    'A personal set’s .zip as bytes, for the page to save (the Data screen’s export).',
    ALL_SHELLS,
  ),
  'datasets:info': method<DatasetInfo>()(InfoInput, 'Counts per split, class histograms and a sample grid of a ready dataset.', ALL_SHELLS),
  'datasets:images': method<DatasetImages>()(
    ImagesInput,
    'Chosen images of a split by index, e.g. a run’s misclassified test images for the Evaluate screen; reads only as far into the file as they lie.',
    ALL_SHELLS,
  ),
};
