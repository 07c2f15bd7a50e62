import { describe, expect, it } from 'vitest';
import { Augment, AUGMENT_PRESET_VALUES } from '../../../src/shared/augment';
import { MNIST_NORMALIZATION } from '../../../src/shared/hyperparams';
import { Augmenter, batchSeed } from '../../../src/main/trainer/augment';
import { augmentInWorker, inlineBatchImages, workerBatchImages } from '../../../src/main/trainer/batch-images';
import { normalizePixels } from '../../../src/main/trainer/data';
import { realDigits } from '../../helpers/mnist-fixture';

const digits = realDigits();
const rows = Int32Array.from({ length: 32 }, (_, i) => i * 3);
const ink = (img: ArrayLike<number>, k: number) => {
  let sum = 0;
  for (let p = 0; p < 784; p++) sum += img[k * 784 + p]!;
  return sum;
};
/** Centre of mass (x, y) of image k. */
const centre = (img: ArrayLike<number>, k: number) => {
  let m = 0;
  let x = 0;
  let y = 0;
  for (let p = 0; p < 784; p++) {
    const v = img[k * 784 + p]!;
    m += v;
    x += v * (p % 28);
    y += v * Math.floor(p / 28);
  }
  return [x / m, y / m] as const;
};

describe('the augmentation kernel', () => {
  it('leaves images as they are when every transform is off', () => {
    const out = new Augmenter(digits.images, Augment.parse({})).batch(rows, 1, MNIST_NORMALIZATION);
    const expected = normalizePixels(Uint8Array.from(Array.from(rows).flatMap((r) => Array.from(digits.images.subarray(r * 784, (r + 1) * 784)))), MNIST_NORMALIZATION);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(expected[i]!, 5);
  });

  it('repeats a batch for the same seed and step, and differs for another step', () => {
    const a = new Augmenter(digits.images, AUGMENT_PRESET_VALUES.handwriting);
    const b = new Augmenter(digits.images, AUGMENT_PRESET_VALUES.handwriting);
    const one = a.batch(rows, batchSeed(42, 7), MNIST_NORMALIZATION);
    expect(b.batch(rows, batchSeed(42, 7), MNIST_NORMALIZATION)).toEqual(one);
    const other = b.batch(rows, batchSeed(42, 8), MNIST_NORMALIZATION);
    let differ = 0;
    for (let i = 0; i < one.length; i++) if (Math.abs(one[i]! - other[i]!) > 1e-3) differ++;
    expect(differ).toBeGreaterThan(one.length / 10);
    expect(batchSeed(42, 7)).not.toBe(batchSeed(43, 7));
  });

  it('moves digits by up to the shift, and rotation keeps them in place', () => {
    const shifted = new Augmenter(digits.images, Augment.parse({ shift: 4 })).bytes(rows, 5);
    const rotated = new Augmenter(digits.images, Augment.parse({ rotate: 25 })).bytes(rows, 5);
    let moved = 0;
    for (let k = 0; k < rows.length; k++) {
      const [x0, y0] = centre(digits.images, rows[k]!);
      const [x1, y1] = centre(shifted, k);
      // Up to 4 px each way (a little more where bilinear sampling or the border clips).
      expect(Math.abs(x1 - x0)).toBeLessThan(4.6);
      expect(Math.abs(y1 - y0)).toBeLessThan(4.6);
      moved = Math.max(moved, Math.abs(x1 - x0), Math.abs(y1 - y0));
      const [x2, y2] = centre(rotated, k);
      // Rotation turns the digit about the image centre; MNIST digits are centred by mass, so it stays near.
      expect(Math.hypot(x2 - x0, y2 - y0)).toBeLessThan(3);
      expect(ink(rotated, k)).toBeGreaterThan(0.8 * ink(digits.images, rows[k]!));
    }
    expect(moved).toBeGreaterThan(2);
  });

  it('thickens and thins strokes', () => {
    const base = new Augmenter(digits.images, Augment.parse({})).bytes(rows, 1);
    const changed = new Augmenter(digits.images, Augment.parse({ thickness: 1 })).bytes(rows, 9);
    let thicker = 0;
    let thinner = 0;
    for (let k = 0; k < rows.length; k++) {
      const ratio = ink(changed, k) / ink(base, k);
      if (ratio > 1.1) thicker++;
      if (ratio < 0.9) thinner++;
    }
    expect(thicker).toBeGreaterThan(4);
    expect(thinner).toBeGreaterThan(4);
  });

  it('adds noise of the asked size and keeps pixels in 0–255', () => {
    const noisy = new Augmenter(digits.images, Augment.parse({ noise: 0.1 })).bytes(rows, 3);
    let diff = 0;
    let corner = 0;
    for (let k = 0; k < rows.length; k++) {
      for (let p = 0; p < 784; p++) diff += Math.abs(noisy[k * 784 + p]! - digits.images[rows[k]! * 784 + p]!);
      corner += noisy[k * 784]!;
    }
    // Background pixels get |N(0, 0.1)| after clamping at 0: about 0.04 × 255 on average, over the image.
    expect(diff / (rows.length * 784)).toBeGreaterThan(3);
    expect(corner / rows.length).toBeGreaterThan(2);
  });

  it('gives the same batches in a worker thread as on this thread, with several in flight', async () => {
    const job = { images: digits.images, augment: AUGMENT_PRESET_VALUES.handwriting, seed: 99, normalization: MNIST_NORMALIZATION };
    const inline = inlineBatchImages(job);
    const worker = workerBatchImages(job);
    try {
      const batches = [0, 8, 16, 24].map((from, k) => ({ rows: rows.subarray(from, from + 8), step: k + 1 }));
      // The first request asks for all four; the later ones find theirs already on the way.
      const got = [];
      for (let k = 0; k < batches.length; k++) got.push(await worker.get(batches[k]!.rows, batches[k]!.step, batches.slice(k + 1)));
      for (let k = 0; k < batches.length; k++) expect(got[k]).toEqual(await inline.get(batches[k]!.rows, batches[k]!.step, []));
    } finally {
      await worker.dispose();
      await inline.dispose();
    }
  });

  it('uses a worker only when asked to, with a second CPU', () => {
    expect(augmentInWorker({}, 2)).toBe(false);
    expect(augmentInWorker({ MNIST_STUDIO_AUGMENT_WORKER: '1' }, 2)).toBe(true);
    expect(augmentInWorker({ MNIST_STUDIO_AUGMENT_WORKER: '1' }, 1)).toBe(false);
    expect(augmentInWorker({ MNIST_STUDIO_AUGMENT_WORKER: '0' }, 2)).toBe(false);
  });
});
