import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DatasetSplit, LoadedDataset } from '@shared/datasets';
import { StudioError } from '@shared/result';
import { maybeGunzip, parseIdx } from './idx';

/** Where to read a dataset from: the studio home's `datasets/<id>/`, or a folder of the four IDX files (`--data-dir`). */
export type DatasetSource = { home: string; id: string } | { dir: string };

export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

async function readIdxFile(dir: string, base: string): Promise<{ bytes: Uint8Array; file: string }> {
  for (const name of [`${base}.gz`, base]) {
    const file = path.join(dir, name);
    try {
      return { bytes: maybeGunzip(await fs.readFile(file), file), file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new StudioError('NOT_FOUND', `${path.join(dir, base)}(.gz): missing`);
}

async function readSplit(dir: string, images: string, labels: string, digests: Record<string, string>): Promise<DatasetSplit> {
  const img = await readIdxFile(dir, images);
  const lab = await readIdxFile(dir, labels);
  const parsedImages = parseIdx(img.bytes, img.file, { kind: 'images' });
  const parsedLabels = parseIdx(lab.bytes, lab.file, { kind: 'labels' });
  if (parsedImages.count !== parsedLabels.count) {
    throw new StudioError('INTEGRITY', `${img.file} holds ${parsedImages.count} images but ${lab.file} holds ${parsedLabels.count} labels`);
  }
  digests[images] = crypto.createHash('sha256').update(img.bytes).digest('hex');
  digests[labels] = crypto.createHash('sha256').update(lab.bytes).digest('hex');
  return { count: parsedImages.count, images: parsedImages.data, labels: parsedLabels.data };
}

/**
 * Reads and verifies the four IDX files of a dataset. Every failure is a
 * StudioError naming the file and the defect.
 */
export async function loadDataset(source: DatasetSource): Promise<LoadedDataset> {
  const dir = 'dir' in source ? path.resolve(source.dir) : path.join(source.home, 'datasets', source.id);
  const digests: Record<string, string> = {};
  const train = await readSplit(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels, digests);
  const test = await readSplit(dir, IDX_FILES.testImages, IDX_FILES.testLabels, digests);
  const id = 'dir' in source ? `dir:${dir}` : source.id;
  return { id, name: 'dir' in source ? path.basename(dir) : source.id, classNames: DIGIT_CLASSES, train, test, digests };
}
