/**
 * Datasets as the trainer and the UI see them: the registry of downloadable
 * datasets (files, sizes, digests, class names, mirrors), what a loaded
 * dataset holds, and what the UI is told about datasets in the studio home.
 */

/** Side length of every image: 28×28 grayscale. */
export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const NUM_CLASSES = 10;

/** One split of a dataset as raw bytes: `count` images of 784 pixels (0–255, row-major) and their labels (0–9). */
export interface DatasetSplit {
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** A dataset read and verified from disk, ready to train on. Lives only in the process that loaded it. */
export interface LoadedDataset {
  /** 'mnist', 'fashion-mnist', or the name of an imported dataset; 'dir:<path>' for --data-dir. */
  id: string;
  /** Human name ("MNIST", "Fashion-MNIST"). */
  name: string;
  /** Ten class names, index = label. */
  classNames: readonly string[];
  train: DatasetSplit;
  test: DatasetSplit;
  /** SHA-256 of each file's decompressed IDX bytes, keyed by file name: what a reproduction bundle records. */
  digests: Record<string, string>;
}

/** The four files of an MNIST-format dataset, by role. */
export type IdxRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
export const IDX_ROLES = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const satisfies readonly IdxRole[];

/** Base names of the four files (without `.gz`), as every mirror and Yann LeCun's original page name them. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const satisfies Record<IdxRole, string>;

export type IdxKind = 'images' | 'labels';

export function idxKind(role: IdxRole): IdxKind {
  return role === 'trainImages' || role === 'testImages' ? 'images' : 'labels';
}

/** What one file of a registry dataset must be. */
export interface DatasetFileSpec {
  /** Base name without `.gz`; the mirror serves `<name>.gz`. */
  name: string;
  kind: IdxKind;
  /** Items in the file: 60000 train, 10000 test. */
  count: number;
  /** Size of the gzip file on the dataset's first mirror, a progress estimate until a server sends Content-Length. */
  gzipBytes: number;
  /**
   * SHA-256 of the decompressed IDX bytes. Survives re-compression: any
   * mirror's gzip of the same data verifies.
   */
  rawSha256: readonly string[];
  /** SHA-256 of gzip files known to be good (the publisher's own). */
  gzipSha256: readonly string[];
  /** Items per class, for label files whose histogram is published; checked as a further guard. */
  classCounts?: readonly number[];
}

/** One dataset the studio can download and verify. */
export interface DatasetSpec {
  /** Folder name under `datasets/` and the id in the API. */
  id: string;
  name: string;
  /** One line for the UI. */
  description: string;
  classNames: readonly string[];
  files: Readonly<Record<IdxRole, DatasetFileSpec>>;
  /** Base URLs serving `<file>.gz`, tried in order after any the user adds. */
  mirrors: readonly string[];
}

export const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

const IMAGES_HEADER = 16;
const LABELS_HEADER = 8;

/** Bytes of a decompressed IDX file holding `count` items of `kind`. */
export function idxByteLength(kind: IdxKind, count: number): number {
  return kind === 'images' ? IMAGES_HEADER + count * PIXELS : LABELS_HEADER + count;
}

const MNIST: DatasetSpec = {
  id: 'mnist',
  name: 'MNIST',
  description: 'Handwritten digits 0–9: 60,000 training and 10,000 test images (LeCun, Cortes and Burges).',
  classNames: DIGIT_CLASSES,
  // yann.lecun.com, the original host, answers 403: it is not listed.
  mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/'],
  // Gzip SHA-256 as published by TensorFlow Datasets; label histograms of the official files.
  files: {
    trainImages: {
      name: IDX_FILES.trainImages,
      kind: 'images',
      count: 60000,
      gzipBytes: 9912422,
      rawSha256: [],
      gzipSha256: ['440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609'],
    },
    trainLabels: {
      name: IDX_FILES.trainLabels,
      kind: 'labels',
      count: 60000,
      gzipBytes: 28881,
      rawSha256: [],
      gzipSha256: ['3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c'],
      classCounts: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    },
    testImages: {
      name: IDX_FILES.testImages,
      kind: 'images',
      count: 10000,
      gzipBytes: 1648877,
      rawSha256: [],
      gzipSha256: ['8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6'],
    },
    testLabels: {
      name: IDX_FILES.testLabels,
      kind: 'labels',
      count: 10000,
      gzipBytes: 4542,
      rawSha256: [],
      gzipSha256: ['f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6'],
      classCounts: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    },
  },
};

const FASHION_MNIST: DatasetSpec = {
  id: 'fashion-mnist',
  name: 'Fashion-MNIST',
  description: 'Zalando article images in ten classes, a drop-in replacement for MNIST: 60,000 training and 10,000 test images.',
  classNames: FASHION_CLASSES,
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/', 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/'],
  // Decompressed SHA-256 of the official files (checked against Debian's
  // dataset-fashion-mnist): the upstream and Debian gzip bytes differ.
  files: {
    trainImages: {
      name: IDX_FILES.trainImages,
      kind: 'images',
      count: 60000,
      gzipBytes: 26421880,
      rawSha256: ['c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888'],
      gzipSha256: [],
    },
    trainLabels: {
      name: IDX_FILES.trainLabels,
      kind: 'labels',
      count: 60000,
      gzipBytes: 29515,
      rawSha256: ['bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9'],
      gzipSha256: [],
      classCounts: Array<number>(10).fill(6000),
    },
    testImages: {
      name: IDX_FILES.testImages,
      kind: 'images',
      count: 10000,
      gzipBytes: 4422102,
      rawSha256: ['5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b'],
      gzipSha256: [],
    },
    testLabels: {
      name: IDX_FILES.testLabels,
      kind: 'labels',
      count: 10000,
      gzipBytes: 5148,
      rawSha256: ['0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34'],
      gzipSha256: [],
      classCounts: Array<number>(10).fill(1000),
    },
  },
};

/** The datasets the studio downloads with one click. */
export const DATASETS = { mnist: MNIST, 'fashion-mnist': FASHION_MNIST } as const satisfies Record<string, DatasetSpec>;

export type BuiltinDatasetId = keyof typeof DATASETS;
export const BUILTIN_DATASET_IDS = Object.keys(DATASETS) as BuiltinDatasetId[];

export function isBuiltinDatasetId(value: string): value is BuiltinDatasetId {
  return Object.hasOwn(DATASETS, value);
}

/** Prefix of the dataset id of a run trained from a folder (the CLI's `--data-dir`). */
export const DIR_DATASET_PREFIX = 'dir:';

/**
 * The one name a data set goes by on every screen and in the CLI: the
 * registry's for a built-in id ("MNIST", never "mnist"), else its own name
 * (an imported set's), else a folder's last part, else its id.
 */
export function datasetDisplayName(id: string | null, name?: string | null): string {
  if (id !== null && isBuiltinDatasetId(id)) return DATASETS[id].name;
  if (name) return name;
  if (id?.startsWith(DIR_DATASET_PREFIX)) return id.slice(DIR_DATASET_PREFIX.length).split(/[\\/]/).filter(Boolean).at(-1) ?? id;
  return id ?? '';
}

const sameNames = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((name, i) => name === b[i]);

/** What a model's classes are: the ten digits, Fashion-MNIST's clothes, or something else (an imported set's, or unknown). */
export function classKind(classNames: readonly string[] | null): 'digits' | 'fashion' | 'other' {
  if (classNames && sameNames(classNames, DIGIT_CLASSES)) return 'digits';
  if (classNames && sameNames(classNames, FASHION_CLASSES)) return 'fashion';
  return 'other';
}

/** Where a dataset in the studio home came from. */
export type DatasetOrigin = { kind: 'download'; mirrors: string[] } | { kind: 'import'; from: string };

/** Items per split and per class. */
export interface SplitInfo {
  count: number;
  /** Index = label. */
  classCounts: number[];
}

/** A dataset as the datasets screen and `datasets list` show it. */
export interface DatasetSummary {
  id: string;
  name: string;
  /** One of the registry's (downloadable) or imported by the user. */
  builtin: boolean;
  /** A personal set: digits the user drew (the Write screen) or a personal set's .zip imported; its train and test files hold the same images. */
  personal: boolean;
  /** ready: four verified files; partial: some verified files of an unfinished download; missing: none. */
  status: 'ready' | 'partial' | 'missing';
  classNames: readonly string[];
  /** Set when ready. */
  train: SplitInfo | null;
  test: SplitInfo | null;
  /** Verified files present, out of four. */
  files: number;
  /** Bytes on disk of its verified files. */
  bytes: number;
  origin: DatasetOrigin | null;
  /** Folder in the studio home. */
  dir: string;
}

/** What the datasets screen shows of one ready dataset: counts, histograms and a grid of samples per class. */
export interface DatasetInfo {
  summary: DatasetSummary;
  train: SplitInfo;
  test: SplitInfo;
  /** Sample grid from the training split: `perClass` images for each class, class by class. */
  samples: {
    perClass: number;
    /** Label of each sample, in grid order (a class with fewer items than perClass has fewer). */
    labels: Uint8Array;
    /** 784 bytes per sample, row-major, 0 = background. */
    images: Uint8Array;
  };
}

export const SPLITS = ['train', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/** Chosen images of one split, by index (`datasets:images`): what the Evaluate screen draws of a run's misclassified test images. */
export interface DatasetImages {
  split: SplitName;
  /** The indices asked for, in the order asked. */
  indices: number[];
  /** Label of each, in that order. */
  labels: Uint8Array;
  /** 784 bytes per image, row-major, 0 = background, in that order. */
  images: Uint8Array;
}

/** Result of a download: which files were fetched and which were already there. */
export interface DownloadResult {
  id: string;
  dir: string;
  files: { name: string; status: 'cached' | 'downloaded'; mirror: string | null; bytes: number }[];
  /** Bytes received over the network (0 when everything was cached). */
  downloadedBytes: number;
  seconds: number;
}
