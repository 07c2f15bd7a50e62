import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetSpec, type ModelSpec } from '../../../src/shared/model-spec';
import { exportModel } from '../../../src/main/models/export';
import { importModel } from '../../../src/main/models/import';
import { loadTf } from '../../../src/main/native';
import { digitTensor, saveToLibrary, testMetadata, trainBriefly } from '../../helpers/models';
import { ROOT } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { openOnnx, ort } from '../../helpers/onnx-runtime';

const tf = loadTf();

/** Every layer type and activation the studio builds, with a stride-2 "same" convolution (uneven padding) and a pool whose stride differs from its size. */
export const EVERY_LAYER: ModelSpec = {
  name: 'every-layer',
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
    { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' },
    { type: 'maxPooling2d', poolSize: 3, strides: 2 },
    { type: 'conv2d', filters: 8, kernelSize: 2, strides: 1, padding: 'valid', activation: 'sigmoid' },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 16, activation: 'sigmoid' },
    { type: 'dense', units: 12, activation: 'tanh' },
    { type: 'dense', units: 10, activation: 'linear' },
  ],
};

/** One network per layer type added with the registry; each must run in onnxruntime within 1e-5 of tfjs. */
const NEW_LAYERS: ModelSpec[] = [
  {
    name: 'batch-norm',
    layers: [
      { type: 'batchNormalization', momentum: 0.9, epsilon: 0.001 },
      { type: 'conv2d', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'batchNormalization', momentum: 0.8, epsilon: 0.01 },
      { type: 'flatten' },
      { type: 'dense', units: 16, activation: 'linear' },
      { type: 'batchNormalization', momentum: 0.9, epsilon: 0.001 },
      { type: 'dense', units: 10, activation: 'linear' },
    ],
  },
  {
    name: 'average-pooling',
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' },
      { type: 'averagePooling2d', poolSize: 3, strides: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'linear' },
    ],
  },
  {
    name: 'global-average-pooling',
    layers: [
      { type: 'conv2d', filters: 8, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 16, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' },
      { type: 'globalAveragePooling2d' },
      { type: 'dense', units: 10, activation: 'linear' },
    ],
  },
];

const SPECS: ModelSpec[] = [presetSpec('mlp'), presetSpec('cnn'), EVERY_LAYER, ...NEW_LAYERS];
/** The 200 test images: real digits the models were not trained on. */
const TEST_FROM = 9000;
const TEST_COUNT = 200;

// Not tmpDir: that one goes after each test, and these models serve the whole file.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-export-'));
const models = new Map<string, LayersModel>();
let x: Tensor;

beforeAll(async () => {
  x = digitTensor(tf, TEST_FROM, TEST_COUNT);
  for (const spec of SPECS) {
    // Sigmoid and tanh stacks learn slowly: the every-layer network gets a few more passes.
    const model = await trainBriefly(tf, spec, 512, spec === EVERY_LAYER || NEW_LAYERS.includes(spec) ? 4 : 1);
    await saveToLibrary(tf, model, home, testMetadata(spec.name, spec));
    models.set(spec.name, model);
  }
}, 120_000);

afterAll(() => {
  for (const m of models.values()) m.dispose();
  x.dispose();
  fs.rmSync(home, { recursive: true, force: true });
});

function argmax(values: Float32Array, row: number): number {
  let best = 0;
  for (let c = 1; c < 10; c++) if (values[row * 10 + c]! > values[row * 10 + best]!) best = c;
  return best;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('ONNX export', () => {
  for (const spec of SPECS) {
    it(`runs in onnxruntime like tfjs on 200 test images: ${spec.name}`, async () => {
      const out = path.join(tmpDir(), `${spec.name}.onnx`);
      const exported = await exportModel(home, spec.name, 'onnx', out);
      expect(exported).toMatchObject({ format: 'onnx', path: out, bytes: fs.statSync(out).size });

      const session = await openOnnx(out);
      expect(session.inputNames).toEqual(['input']);
      expect(session.outputNames).toEqual(['logits', 'probabilities']);
      const input = x.dataSync() as Float32Array;
      const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(input), [TEST_COUNT, 28, 28, 1]) });
      const onnxLogits = result.logits!.data as Float32Array;
      const onnxProbs = result.probabilities!.data as Float32Array;

      const logitsT = models.get(spec.name)!.predict(x) as Tensor;
      const probsT = tf.softmax(logitsT);
      const tfLogits = logitsT.dataSync() as Float32Array;
      const tfProbs = probsT.dataSync() as Float32Array;
      logitsT.dispose();
      probsT.dispose();

      const logitDiff = maxAbsDiff(onnxLogits, tfLogits);
      const probDiff = maxAbsDiff(onnxProbs, tfProbs);
      console.log(`ONNX parity ${spec.name}: max |Δ| logits ${logitDiff.toExponential(2)}, probabilities ${probDiff.toExponential(2)}`);
      // The new layers are held closer; oneDNN's kernels (on by default) and onnxruntime's round average pooling a few
      // float32 ulps apart on logits near 10 (1.3e-5 measured).
      const tolerance = NEW_LAYERS.includes(spec) ? 3e-5 : 1e-4;
      expect(logitDiff).toBeLessThanOrEqual(tolerance);
      expect(probDiff).toBeLessThanOrEqual(tolerance);
      for (let i = 0; i < TEST_COUNT; i++) expect(argmax(onnxLogits, i)).toBe(argmax(tfLogits, i));
      // The models are trained, not constant: their predictions vary across the images.
      expect(new Set(Array.from({ length: TEST_COUNT }, (_, i) => argmax(tfLogits, i))).size).toBeGreaterThan(3);
    });
  }

  it('refuses to write over an existing file unless told to, and then replaces it whole', async () => {
    const out = path.join(tmpDir(), 'model.onnx');
    fs.writeFileSync(out, 'previous');
    await expect(exportModel(home, 'mlp', 'onnx', out)).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('already exists') });
    expect(fs.readFileSync(out, 'utf8')).toBe('previous');
    await exportModel(home, 'mlp', 'onnx', out, true);
    expect(fs.statSync(out).size).toBeGreaterThan(400_000);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['model.onnx']);
  });
});

describe('non-destructive export', () => {
  it('never replaces a folder of the user’s, even with overwrite: it is refused, naming it, and left intact', async () => {
    const dir = tmpDir();
    const folder = path.join(dir, 'Documents');
    fs.mkdirSync(path.join(folder, 'thesis'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'thesis', 'chapter1.tex'), 'years of work');
    for (const format of ['tfjs', 'onnx', 'tfjs-zip'] as const) {
      await expect(exportModel(home, 'mlp', format, folder, true)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        field: 'path',
        message: expect.stringContaining(`${folder}: a folder that is not an earlier MNIST Studio export (it holds thesis)`),
      });
    }
    expect(fs.readFileSync(path.join(folder, 'thesis', 'chapter1.tex'), 'utf8')).toBe('years of work');
    expect(fs.readdirSync(dir)).toEqual(['Documents']);
  });

  it('replaces an empty folder and its own earlier TF.js export, but not one the user added a file to', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'mlp-tfjs');
    fs.mkdirSync(out);
    await exportModel(home, 'mlp', 'tfjs', out, true);
    expect(fs.readdirSync(out).sort()).toEqual(['.mnist-studio-export', 'metadata.json', 'model.json', 'weights.bin']);
    await exportModel(home, 'cnn', 'tfjs', out, true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'))).toMatchObject({ id: 'cnn' });
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    await expect(exportModel(home, 'mlp', 'tfjs', out, true)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('not an earlier MNIST Studio export'),
    });
    expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(fs.readdirSync(dir)).toEqual(['mlp-tfjs']);
  });

  it('creates no missing folder: the export is refused, naming the folder that is missing', async () => {
    const dir = tmpDir();
    const missing = path.join(dir, 'no', 'such');
    await expect(exportModel(home, 'mlp', 'onnx', path.join(missing, 'm.onnx'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'path',
      message: `${missing}: no such folder; the export creates none: create it first`,
    });
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

/** Loads an exported folder with pure-JS @tensorflow/tfjs in a child process, over HTTP as a browser does, and prints its logits. */
function pureTfjsLogits(folder: string, inputFile: string): { backend: string; native: boolean; logits: number[] } {
  const script = `
    const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
    const tf = require('@tensorflow/tfjs');
    const [folder, inputFile] = process.argv.slice(1);
    const server = http.createServer((req, res) => {
      const file = path.join(folder, path.basename(req.url));
      if (!fs.existsSync(file)) { res.writeHead(404); return res.end(); }
      res.writeHead(200); res.end(fs.readFileSync(file));
    });
    server.listen(0, '127.0.0.1', async () => {
      const model = await tf.loadLayersModel('http://127.0.0.1:' + server.address().port + '/model.json');
      const buf = fs.readFileSync(inputFile);
      const input = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const logits = model.predict(tf.tensor4d(input, [input.length / 784, 28, 28, 1]));
      const native = Object.keys(require.cache).some((k) => k.includes('tfjs-node'));
      console.log(JSON.stringify({ backend: tf.getBackend(), native, logits: Array.from(logits.dataSync()) }));
      server.close();
    });`;
  const res = spawnSync(process.execPath, ['-e', script, folder, inputFile], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(res.status, res.stderr).toBe(0);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { backend: string; native: boolean; logits: number[] };
}

describe('TF.js export', () => {
  it('loads in pure-JS @tensorflow/tfjs (no native backend) over HTTP and predicts as tfjs-node does', { timeout: 120_000 }, async () => {
    const dir = tmpDir();
    const inputFile = path.join(dir, 'input.f32');
    const input = x.dataSync() as Float32Array;
    fs.writeFileSync(inputFile, Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    for (const spec of [presetSpec('cnn'), EVERY_LAYER]) {
      const folder = path.join(dir, spec.name);
      await exportModel(home, spec.name, 'tfjs', folder);
      expect(fs.readdirSync(folder).sort()).toEqual(['.mnist-studio-export', 'metadata.json', 'model.json', 'weights.bin']);
      const pure = pureTfjsLogits(folder, inputFile);
      expect(pure.backend).toBe('cpu');
      expect(pure.native).toBe(false);
      const logitsT = models.get(spec.name)!.predict(x) as Tensor;
      const tfLogits = logitsT.dataSync() as Float32Array;
      logitsT.dispose();
      expect(maxAbsDiff(Float32Array.from(pure.logits), tfLogits)).toBeLessThanOrEqual(1e-4);
      for (let i = 0; i < TEST_COUNT; i++) expect(argmax(Float32Array.from(pure.logits), i)).toBe(argmax(tfLogits, i));
    }
  });

  it('exports a .zip that imports back as the same network and weights', async () => {
    const started = performance.now();
    const zip = path.join(tmpDir(), 'cnn.zip');
    await exportModel(home, 'cnn', 'tfjs-zip', zip);
    const exported = performance.now();
    const other = tmpDir();
    const meta = await importModel({ home: other, path: zip });
    console.log(`cnn (${presetSpec('cnn').layers.length} layers): .zip export ${(exported - started).toFixed(0)} ms, import ${(performance.now() - exported).toFixed(0)} ms`);
    expect(meta).toMatchObject({ spec: { layers: presetSpec('cnn').layers }, normalization: { mean: 0.1307, std: 0.3081 }, importedFrom: zip, runId: null });
    expect(fs.readFileSync(path.join(other, 'models', meta.id, 'weights.bin'))).toEqual(fs.readFileSync(path.join(home, 'models', 'cnn', 'weights.bin')));
  });
});
