import path from 'node:path';
import type { z } from 'zod';
import { PIXELS, type DatasetImages } from '@shared/datasets';
import type { ImagesInput } from '@shared/datasets-api';
import { StudioError } from '@shared/result';
import { readIdxHead } from './idx';
import { readyDataset } from './store';

/**
 * Chosen images of one split by index, in the order asked, with their
 * labels. Both files are read only up to the last index asked for (the
 * test split is at most a few MB), and each index is checked against the
 * split's count; with `sha256`, the split's images must be the ones the
 * caller's run was tested on.
 */
export async function datasetImages(home: string, input: z.output<typeof ImagesInput>): Promise<DatasetImages> {
  const { id, split, indices, sha256 } = input;
  const { summary, manifest } = await readyDataset(home, id);
  const images = manifest.files[split === 'train' ? 'trainImages' : 'testImages'];
  const labels = manifest.files[split === 'train' ? 'trainLabels' : 'testLabels'];
  const count = summary[split].count;
  const past = indices.findIndex((i) => i >= count);
  if (past >= 0) {
    throw new StudioError('INVALID_ARGUMENT', `indices.${past}: ${id} has ${count} ${split} images, so ${indices[past]} is past the last (${count - 1})`, `indices.${past}`);
  }
  if (sha256 && images.sha256 !== sha256) {
    throw new StudioError(
      'INTEGRITY',
      `${id}: its ${split} images (SHA-256 ${images.sha256.slice(0, 12)}…) are not the ones asked for (${sha256.slice(0, 12)}…): the dataset was replaced since`,
      'sha256',
    );
  }
  const items = Math.max(...indices) + 1;
  const imagesFile = path.join(summary.dir, images.file);
  const labelsFile = path.join(summary.dir, labels.file);
  const pixels = await readIdxHead(imagesFile, imagesFile, { kind: 'images', count }, items);
  const allLabels = await readIdxHead(labelsFile, labelsFile, { kind: 'labels', count }, items);
  const out = new Uint8Array(indices.length * PIXELS);
  indices.forEach((index, k) => out.set(pixels.subarray(index * PIXELS, (index + 1) * PIXELS), k * PIXELS));
  return { split, indices: [...indices], labels: Uint8Array.from(indices, (i) => allLabels[i]!), images: out };
}
