/**
 * `train:augmentPreview`: a few training digits of an installed data set
 * and augmented versions of each, drawn by the trainer's own kernel (plain
 * typed-array code, no TensorFlow), so the grid shows what a run trains on.
 */
import type { z } from 'zod';
import { PIXELS } from '@shared/datasets';
import type { AugmentPreview, AugmentPreviewInput } from '@shared/training-api';
import { StudioError } from '@shared/result';
import { datasetImages } from '../datasets/images';
import { readyDataset } from '../datasets/store';
import { Augmenter, batchSeed } from '../trainer/augment';

/** Labels read to find one digit of each class: the first this many training images. */
const SCAN = 200;

export async function augmentPreview(home: string, input: z.output<typeof AugmentPreviewInput>): Promise<AugmentPreview> {
  const { summary } = await readyDataset(home, input.dataset);
  const scan = Math.min(SCAN, summary.train.count);
  if (scan === 0) throw new StudioError('INVALID_ARGUMENT', `dataset ${input.dataset} has no training images to preview`, 'dataset');
  const head = await datasetImages(home, { id: input.dataset, split: 'train', indices: Array.from({ length: scan }, (_, i) => i) });
  // The first image of each class, in class order; then more of the first ones if the head lacks classes.
  const chosen: number[] = [];
  for (let c = 0; c < 256 && chosen.length < input.digits; c++) {
    const k = head.labels.indexOf(c);
    if (k >= 0) chosen.push(k);
  }
  for (let k = 0; chosen.length < Math.min(input.digits, head.labels.length); k++) if (!chosen.includes(k)) chosen.push(k);
  const originals = new Uint8Array(chosen.length * PIXELS);
  chosen.forEach((k, i) => originals.set(head.images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS));
  const rows = chosen.flatMap((_, i) => Array.from({ length: input.variants }, () => i));
  const images = new Augmenter(originals, input.augment).bytes(rows, batchSeed(input.seed, 0));
  return { variants: input.variants, labels: Uint8Array.from(chosen, (k) => head.labels[k]!), originals, images };
}
