/**
 * A cold trainer's dataset without copies: the pixels TensorFlow trains on
 * are the buffer they were normalised into (used in place, whatever its
 * alignment), and the read-ahead worker (the built bundle) gives what
 * `loadDataset` and `splitTensors` give on the trainer's own thread; a bad
 * file there leaves the run to name it as it always did.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS } from '../../../src/shared/hyperparams';
import { loadDataset } from '../../../src/main/datasets/load';
import { loadTf } from '../../../src/main/native';
import { normalizePixels, pixelBuffer, splitTensors, tensorPixels, type PixelBuffer } from '../../../src/main/trainer/data';
import { ReadAheadWorker, readAheadWorkerFile } from '../../../src/main/trainer/read-ahead';
import { startReadAheadWorker } from '../../../src/main/trainer/read-ahead-start';
import { realDigits } from '../../helpers/mnist-fixture';
import { homeWithFixture, requireBuiltTrainer } from '../../helpers/training';
import { runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';

const tf = loadTf();
const normalization = DEFAULT_HYPERPARAMS.normalization;

/** Whether two typed arrays hold the same bytes (toEqual walks millions of elements one by one). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('pixels TensorFlow uses in place', () => {
  it('at every offset in its buffer a split’s pixels are moved where TensorFlow takes them without a copy, unchanged', () => {
    const digits = realDigits();
    const rows = 300;
    const images = digits.images.subarray(0, rows * 784);
    const expected = normalizePixels(images, normalization);
    for (let offset = 0; offset < 64; offset += 4) {
      const buffer = new ArrayBuffer(images.length * 4 + 64);
      normalizePixels(images, normalization, new Float32Array(buffer, offset, images.length));
      const pixels: PixelBuffer = { buffer, offset, length: images.length };
      const view = tensorPixels(tf, pixels);
      expect(view.buffer).toBe(buffer);
      const x = tf.tensor2d(view, [rows, 784]);
      try {
        // tfjs-node gives TensorFlow the pixels on their first use in an op; until then it reads them from the array.
        tf.tidy(() => x.sum());
        expect(sameBytes(x.dataSync(), expected)).toBe(true);
        // In place: a write to the buffer is what TensorFlow then holds (a copy would keep the old value).
        view[5] = 123;
        expect(x.dataSync()[5], `pixels at byte ${offset}`).toBe(123);
      } finally {
        x.dispose();
      }
    }
  });

  it('a split’s tensors hold the normalised images and one-hot labels, from its own pixels or from pixels made ahead', () => {
    const digits = realDigits();
    const split = { count: 200, images: digits.images.subarray(0, 200 * 784), labels: digits.labels.subarray(0, 200) };
    const made = splitTensors(tf, split, normalization);
    const ahead = splitTensors(tf, split, normalization, pixelBuffer(split.images, normalization));
    try {
      expect(made.x.shape).toEqual([200, 28, 28, 1]);
      expect(sameBytes(made.x.dataSync(), normalizePixels(split.images, normalization))).toBe(true);
      expect(sameBytes(ahead.x.dataSync(), made.x.dataSync())).toBe(true);
      expect(Array.from(tf.tidy(() => made.y.argMax(1).dataSync()))).toEqual(Array.from(split.labels));
      // Pixels of another split are refused, not trained on.
      expect(() => splitTensors(tf, split, normalization, pixelBuffer(split.images.subarray(784), normalization))).toThrow(/a split of 200 images/);
    } finally {
      for (const t of [made.x, made.y, ahead.x, ahead.y]) t.dispose();
    }
  });
});

describe('the read-ahead worker', () => {
  requireBuiltTrainer();
  expect(fs.existsSync(readAheadWorkerFile()), 'the read-ahead bundle is built beside the trainer').toBe(true);

  it('reads what loadDataset reads, with each split’s normalised pixels, handed over whole', { timeout: 60_000 }, async () => {
    const home = homeWithFixture('digits', tmpDir());
    const [ahead, loaded] = await Promise.all([new ReadAheadWorker().read({ source: { home, id: 'digits' }, normalization }), loadDataset({ home, id: 'digits' })]);
    expect(ahead).not.toBeNull();
    const { dataset, pixels } = ahead!;
    expect({ ...dataset, train: null, test: null }).toEqual({ ...loaded, train: null, test: null });
    for (const split of ['train', 'test'] as const) {
      expect(dataset[split].count).toBe(loaded[split].count);
      expect(sameBytes(dataset[split].images, loaded[split].images)).toBe(true);
      expect(sameBytes(dataset[split].labels, loaded[split].labels)).toBe(true);
      const p = pixels[split];
      expect(sameBytes(new Float32Array(p.buffer, p.offset, p.length), normalizePixels(loaded[split].images, normalization))).toBe(true);
    }
  });

  it('started before its request is known, reads it when asked, and answers only the first request', { timeout: 60_000 }, async () => {
    const home = homeWithFixture('digits', tmpDir());
    const worker = new ReadAheadWorker();
    // Idle for a while, as a trainer's worker is until its job comes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ahead = await worker.read({ source: { home, id: 'digits' }, normalization });
    expect(ahead?.dataset.train.count).toBe((await loadDataset({ home, id: 'digits' })).train.count);
    expect(await worker.read({ source: { home, id: 'digits' }, normalization })).toBeNull();
  });

  it('given train’s command line, reads the data set it names unasked; that read serves only the same request', { timeout: 60_000 }, async () => {
    const home = homeWithFixture('digits', tmpDir());
    const argv = JSON.stringify(['--home', home, '--dataset', 'digits', '--epochs', '1']);
    const request = { source: { home, id: 'digits' }, normalization };
    const guessed = new ReadAheadWorker(startReadAheadWorker(readAheadWorkerFile(), argv));
    expect((await guessed.read(request))?.dataset.train.count).toBe((await loadDataset({ home, id: 'digits' })).train.count);
    // Another normalisation (or data set) than the guess: the worker read the guess all the same, and that is not used.
    const other = new ReadAheadWorker(startReadAheadWorker(readAheadWorkerFile(), argv));
    expect(await other.read({ ...request, normalization: { mean: 0, std: 1 } })).toBeNull();
    // A command line it cannot read (not a JSON list of strings) is no guess: the worker waits to be asked.
    const asked = new ReadAheadWorker(startReadAheadWorker(readAheadWorkerFile(), '{"--home": 1}'));
    expect((await asked.read(request))?.dataset.id).toBe('digits');
  });

  it('answers null for a damaged file, and the run’s own read names it', { timeout: 60_000 }, async () => {
    const home = homeWithFixture('digits', tmpDir());
    const file = path.join(home, 'datasets', 'digits', 'train-images-idx3-ubyte.gz');
    // A valid gzip stream of a truncated IDX file.
    const raw = zlib.gunzipSync(fs.readFileSync(file));
    fs.writeFileSync(file, zlib.gzipSync(raw.subarray(0, raw.length - 784)));
    expect(await new ReadAheadWorker().read({ source: { home, id: 'digits' }, normalization })).toBeNull();
    await expect(loadDataset({ home, id: 'digits' })).rejects.toThrow(`${file}: is truncated`);
  });

  it('is what a cold trainer of `train` reads with: the worker reads the dataset while TensorFlow loads (MNIST_STUDIO_TRACE marks)', { timeout: 120_000 }, async () => {
    const home = homeWithFixture('digits', tmpDir());
    const trace = path.join(tmpDir(), 'trace.txt');
    const res = await runCli(['train', '--home', home, '--dataset', 'digits', '--epochs', '1', '--limit', '1000', '--seed', '1', '--json'], {
      env: { MNIST_STUDIO_TRACE: trace },
    });
    expect(res.code, res.stderr).toBe(0);
    const lines = fs
      .readFileSync(trace, 'utf8')
      .trim()
      .split('\n')
      .map((line) => /^(\d+\.\d) (\d+) (.+)$/.exec(line)!);
    const at = (label: string) => Number(lines.find((m) => m[3] === label)?.[1] ?? NaN);
    // The CLI's, the trainer's and the worker's marks, on one clock: the worker's pid is the trainer's.
    const pids = new Map(lines.map((m) => [m[3]!, m[2]!]));
    expect(pids.get('read-ahead: pixels normalised')).toBe(pids.get('trainer: TensorFlow loaded'));
    expect(pids.get('cli: first loss')).not.toBe(pids.get('trainer: TensorFlow loaded'));
    // Causal order only (which of the worker and TensorFlow finishes first depends on the machine's load).
    // The trainer's entry starts the worker before the trainer's own modules load; `train`'s prelaunched trainer's
    // worker reads the data set it guessed from the command line unasked (the job then confirms it: no second request).
    expect(at('trainer: read-ahead worker started')).toBeLessThan(at('trainer: modules loaded'));
    expect(at('read-ahead: worker ready')).toBeLessThanOrEqual(at('read-ahead: request received'));
    expect(lines.filter((m) => m[3] === 'read-ahead: request received')).toHaveLength(1);
    expect(at('read-ahead: pixels normalised')).toBeLessThanOrEqual(at('trainer: dataset read'));
    expect(at('trainer: dataset read')).toBeLessThan(at('cli: first loss'));
    expect(at('cli: first loss')).toBeLessThan(at('cli: done'));
  });

  it('answers null without its bundle (the run then reads on its own thread)', async () => {
    expect(await new ReadAheadWorker(startReadAheadWorker(path.join(tmpDir(), 'missing.js'))).read({ source: { dir: tmpDir() }, normalization })).toBeNull();
  });
});
