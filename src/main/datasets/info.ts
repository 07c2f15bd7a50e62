import path from 'node:path';
import { NUM_CLASSES, PIXELS, type DatasetInfo } from '@shared/datasets';
import { readIdxFile, readIdxHead } from './idx';
import { readyDataset } from './store';

/**
 * What the datasets screen shows: counts and class histograms (recorded
 * when the files were verified) and the first `perClass` training images
 * of each class, reading only as far into the images file as they lie.
 */
export async function datasetInfo(home: string, id: string, perClass: number): Promise<DatasetInfo> {
  const { summary, manifest } = await readyDataset(home, id);
  const labelsFile = path.join(summary.dir, manifest.files.trainLabels.file);
  const imagesFile = path.join(summary.dir, manifest.files.trainImages.file);
  const labels = (await readIdxFile(labelsFile, labelsFile, { kind: 'labels', count: summary.train.count }, { keepData: true })).data!;
  const chosen: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  let last = -1;
  for (let i = 0; i < labels.length && chosen.some((c) => c.length < perClass); i++) {
    const bucket = chosen[labels[i]!]!;
    if (bucket.length < perClass) {
      bucket.push(i);
      last = i;
    }
  }
  const order = chosen.flat();
  const pixels = last >= 0 ? await readIdxHead(imagesFile, imagesFile, { kind: 'images', count: summary.train.count }, last + 1) : new Uint8Array(0);
  const images = new Uint8Array(order.length * PIXELS);
  order.forEach((index, k) => images.set(pixels.subarray(index * PIXELS, (index + 1) * PIXELS), k * PIXELS));
  return {
    summary,
    train: summary.train,
    test: summary.test,
    samples: { perClass, labels: Uint8Array.from(order, (i) => labels[i]!), images },
  };
}
