/**
 * Datasets as the trainer and the UI see them. The registry of downloadable
 * datasets, their files, digests and mirrors, and the API methods of the
 * `datasets` domain belong here too (the Datasets issue adds them).
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
