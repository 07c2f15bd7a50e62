/** What the native-path tests train on: real digits as a split's tensors, and seeded shuffled batches of their rows. */
import { MNIST_NORMALIZATION } from '../../src/shared/hyperparams';
import type { Tf } from '../../src/main/native';
import { splitTensors, type SplitTensors } from '../../src/main/trainer/data';
import { seededRandom, shuffle } from '../../src/main/trainer/random';
import { realDigits } from './mnist-fixture';

/** The first `rows` real digits as a training split's tensors, MNIST-normalised (the caller disposes them). */
export function realDigitSplit(tf: Tf, rows: number): SplitTensors {
  const digits = realDigits();
  return splitTensors(tf, { count: rows, images: digits.images.subarray(0, rows * 784), labels: digits.labels.subarray(0, rows) }, MNIST_NORMALIZATION);
}

/** The batches of `steps` steps over rows 0…`rows`−1: shuffled epochs (seeded), each epoch's last batch short unless `batch` divides `rows`. */
export function shuffledBatches(rows: number, steps: number, batch: number, seed: number): Int32Array[] {
  const rand = seededRandom(seed);
  const out: Int32Array[] = [];
  while (out.length < steps) {
    const order = shuffle(
      Int32Array.from({ length: rows }, (_, i) => i),
      rand,
    );
    for (let s = 0; s * batch < rows && out.length < steps; s++) out.push(order.subarray(s * batch, Math.min(rows, (s + 1) * batch)));
  }
  return out;
}
