import fs from 'node:fs';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetSpec, type ModelSpec } from '../../../src/shared/model-spec';
import type { ImportedModel } from '../../../src/shared/models';
import type { Result } from '../../../src/shared/result';
import type { Evaluation } from '../../../src/shared/training';
import { dispatch } from '../../../src/main/dispatch';
import { exportModel } from '../../../src/main/models/export';
import { importModel } from '../../../src/main/models/import';
import { readModelFolder } from '../../../src/main/models/store';
import { loadTf } from '../../../src/main/native';
import { createStudio } from '../../../src/main/studio';
import { digitTensor, saveToLibrary, testMetadata, trainBriefly } from '../../helpers/models';
import { normalise, ONNX_FIXTURES, torchRecord, torchSplit, writeTorchSplit } from '../../helpers/onnx-fixtures';
import { openOnnx, ort } from '../../helpers/onnx-runtime';
import { snapshotTree } from '../../helpers/home-snapshot';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

const tf = loadTf();
const record = torchRecord();
const MNIST = record.normalization;

function value<T>(result: Result<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** The library model's outputs on a batch (NHWC, already normalised), through tfjs as the worker loads it. */
async function studioOutputs(home: string, id: string, input: Float32Array, count: number, softmax: boolean): Promise<Float32Array> {
  const { artifacts } = await readModelFolder(home, id);
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const x = tf.tensor4d(input, [count, 28, 28, 1]);
  const logits = model.predict(x) as Tensor;
  const out = softmax ? tf.softmax(logits) : logits;
  const data = Float32Array.from(out.dataSync());
  tf.dispose([x, logits, out]);
  model.dispose();
  return data;
}

const FIXTURES = Object.entries(record.models).flatMap(([name, m]) =>
  (['torchscript', 'dynamo'] as const).map((exporter) => ({ name, exporter, file: path.join(ONNX_FIXTURES, m.files[exporter]), ...m })),
);

const split = torchSplit(record.split.testEvery);

describe('ONNX import of PyTorch exports (issue 16)', () => {
  beforeAll(requireBuiltTrainer);
  const PARITY = 300;

  it('the fixtures use the split the script wrote', () => {
    expect(split.test.labels.length).toBe(record.split.test);
    expect(split.train.labels.length).toBe(record.split.train);
  });

  for (const f of FIXTURES) {
    it(`${f.name} via ${f.exporter}: logits match onnxruntime within 1e-5 and evaluate gives PyTorch's accuracy`, { timeout: 120_000 }, async () => {
      const home = tmpDir();
      writeTorchSplit(path.join(home, 'datasets', 'torch-split'), record.split.testEvery);
      const studio = createStudio({ home, shell: 'web' });
      try {
        const imported = value<ImportedModel>(await dispatch(studio.handlers, 'models:import', { path: f.file, normalization: MNIST }, { shell: 'cli' }));
        expect(imported.source).toBe('imported');
        expect(imported.name).toBe(path.basename(f.file, '.onnx'));

        // The same images through onnxruntime (NCHW [N, 1, 28, 28]: one channel, the same bytes as NHWC) and the studio's model.
        const input = normalise(split.test.images.subarray(0, PARITY * 784), MNIST.mean, MNIST.std);
        const session = await openOnnx(f.file);
        const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [PARITY, 1, 28, 28]) });
        const expected = result[session.outputNames[0]!]!.data as Float32Array;
        const got = await studioOutputs(home, imported.id, input, PARITY, f.softmaxOutput);
        const diff = maxAbsDiff(got, expected);
        console.log(`ONNX import ${f.name} (${f.exporter}): ${imported.architecture}; max |Δ| ${f.softmaxOutput ? 'probabilities' : 'logits'} ${diff.toExponential(2)}`);
        expect(diff).toBeLessThanOrEqual(1e-5);

        const ev = value<Evaluation>(await dispatch(studio.handlers, 'models:evaluate', { id: imported.id, dataset: { id: 'torch-split' } }, { shell: 'cli' }));
        console.log(`  evaluate: ${(ev.accuracy * 100).toFixed(2)} % on ${ev.count}; PyTorch measured ${(f.accuracy * 100).toFixed(2)} %`);
        expect(ev.count).toBe(record.split.test);
        expect(Math.abs(ev.accuracy - f.accuracy)).toBeLessThanOrEqual(0.001);
      } finally {
        await studio.close();
      }
    });
  }
});

/** Networks of every layer type the studio builds, exported by the studio and read back. */
const ROUND_TRIP: ModelSpec[] = [
  presetSpec('mlp'),
  presetSpec('cnn'),
  {
    name: 'every-layer',
    layers: [
      { type: 'batchNormalization', momentum: 0.9, epsilon: 0.001 },
      { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' },
      { type: 'maxPooling2d', poolSize: 3, strides: 2 },
      { type: 'batchNormalization', momentum: 0.8, epsilon: 0.01 },
      { type: 'conv2d', filters: 8, kernelSize: 2, strides: 1, padding: 'valid', activation: 'sigmoid' },
      { type: 'averagePooling2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dropout', rate: 0.25 },
      { type: 'dense', units: 16, activation: 'linear' },
      { type: 'batchNormalization', momentum: 0.9, epsilon: 0.001 },
      { type: 'dense', units: 12, activation: 'tanh' },
      { type: 'dense', units: 10, activation: 'linear' },
    ],
  },
  {
    name: 'global-average-pooling',
    layers: [
      { type: 'conv2d', filters: 8, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'globalAveragePooling2d' },
      { type: 'dense', units: 10, activation: 'linear' },
    ],
  },
];

describe("ONNX import of the studio's own export", () => {
  for (const spec of ROUND_TRIP) {
    it(`${spec.name}: the same network (dropout aside) and the same predictions, normalisation from the file`, { timeout: 60_000 }, async () => {
      const home = tmpDir();
      const model = await trainBriefly(tf, spec, 256, 1);
      await saveToLibrary(tf, model, home, testMetadata(spec.name, spec, { normalization: { mean: 0.2, std: 0.5 } }));
      model.dispose();
      const file = path.join(tmpDir(), `${spec.name}.onnx`);
      await exportModel(home, spec.name, 'onnx', file);
      const meta = await importModel({ home, path: file });
      expect(meta.normalization).toEqual({ mean: 0.2, std: 0.5 });
      // Dropout is no node; a batch norm's momentum (a training setting) is not in the file.
      const inference = (layers: ModelSpec['layers']) => layers.filter((l) => l.type !== 'dropout').map((l) => (l.type === 'batchNormalization' ? { ...l, momentum: 0 } : l));
      expect(inference(meta.spec.layers)).toEqual(inference(spec.layers));
      const x = digitTensor(tf, 9000, 100);
      const input = Float32Array.from(x.dataSync());
      x.dispose();
      const before = await studioOutputs(home, spec.name, input, 100, false);
      const after = await studioOutputs(home, meta.id, input, 100, false);
      expect(maxAbsDiff(after, before)).toBeLessThanOrEqual(1e-5);
    });
  }
});

describe('ONNX files the studio refuses', () => {
  const fixture = path.join(ONNX_FIXTURES, 'lenet-torchscript.onnx');
  const refused = async (bytes: Uint8Array | string, pattern: RegExp) => {
    const home = tmpDir();
    const file = path.join(tmpDir(), 'bad.onnx');
    fs.writeFileSync(file, bytes);
    const before = snapshotTree(home);
    await expect(importModel({ home, path: file, normalization: MNIST })).rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringMatching(pattern) });
    expect(snapshotTree(home)).toEqual(before);
  };

  it('not a model, an unsupported op, external data, a branch: each named with the file and the node', async () => {
    const { onnx } = await import('../../../src/main/trainer/layers/onnx-graph');
    const decode = () => onnx.ModelProto.decode(fs.readFileSync(fixture));
    const encode = (m: ReturnType<typeof decode>) => onnx.ModelProto.encode(m).finish();
    await refused('this is not a protobuf at all, just text', /bad\.onnx: not an ONNX model/);
    await refused(new Uint8Array(0), /bad\.onnx: empty/);

    const lrn = decode();
    lrn.graph!.node![1]!.opType = 'LeakyRelu';
    await refused(encode(lrn), /bad\.onnx: node \/1\/Relu \(LeakyRelu\): not supported; the studio imports Gemm/);

    const external = decode();
    const w = external.graph!.initializer![0]!;
    w.rawData = new Uint8Array(0);
    w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w.externalData = [{ key: 'location', value: 'weights.bin' }];
    await refused(encode(external), /bad\.onnx: tensor 0\.weight is stored in an external data file \(weights\.bin\).*external_data=False/);

    const custom = decode();
    custom.graph!.node![0]!.domain = 'com.microsoft';
    await refused(encode(custom), /bad\.onnx: node \/0\/Conv \(Conv in domain com\.microsoft\): an operator outside the standard ONNX set/);

    const softmaxInside = decode();
    softmaxInside.graph!.node![1]!.opType = 'Softmax';
    await refused(encode(softmaxInside), /Softmax inside the network is not supported/);

    const wrongInput = decode();
    wrongInput.graph!.input![0]!.type!.tensorType!.shape!.dim![2]!.dimValue = 32;
    await refused(encode(wrongInput), /input input has shape \[N, 1, 32, 28\]/);
  });

  it('an .onnx that is a folder or missing, and a plain file of another kind, are named', async () => {
    const home = tmpDir();
    await expect(importModel({ home, path: path.join(tmpDir(), 'missing.onnx') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const other = path.join(tmpDir(), 'model.pt');
    fs.writeFileSync(other, 'x');
    await expect(importModel({ home, path: other })).rejects.toMatchObject({ message: expect.stringContaining('an .onnx file') });
  });
});

describe('ONNX export for PyTorch users: nchw layout, raw input (issue 16)', () => {
  beforeAll(requireBuiltTrainer);

  it('a PyTorch model imported, exported nchw + raw: onnxruntime on raw pixels scores what evaluate scores, and the file imports back', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    writeTorchSplit(path.join(home, 'datasets', 'torch-split'), record.split.testEvery);
    const studio = createStudio({ home, shell: 'web' });
    try {
      const lenet = record.models.lenet!;
      const imported = value<ImportedModel>(
        await dispatch(studio.handlers, 'models:import', { path: path.join(ONNX_FIXTURES, lenet.files.dynamo), normalization: 'mnist', dataset: 'torch-split' }, { shell: 'cli' }),
      );
      const file = path.join(tmpDir(), 'lenet-raw.onnx');
      value(await dispatch(studio.handlers, 'models:export', { id: imported.id, format: 'onnx', path: file, onnx: { layout: 'nchw', input: 'raw' } }, { shell: 'cli' }));
      const ev = value<Evaluation>(await dispatch(studio.handlers, 'models:evaluate', { id: imported.id, dataset: { id: 'torch-split' } }, { shell: 'cli' }));

      const session = await openOnnx(file);
      const n = split.test.labels.length;
      const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(split.test.images), [n, 1, 28, 28]) });
      const logits = result.logits!.data as Float32Array;
      let correct = 0;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (logits[i * 10 + c]! > logits[i * 10 + best]!) best = c;
        if (best === split.test.labels[i]) correct++;
      }
      console.log(
        `nchw + raw export: onnxruntime ${((correct / n) * 100).toFixed(2)} % on raw pixels; evaluate ${(ev.accuracy * 100).toFixed(2)} %; PyTorch ${(lenet.accuracy * 100).toFixed(2)} %`,
      );
      expect(correct / n).toBeCloseTo(ev.accuracy, 6);
      expect(Math.abs(ev.accuracy - lenet.accuracy)).toBeLessThanOrEqual(0.001);
      // Fed normalised input instead, the same file would be wrong: the scaling really is inside.
      const wrong = await session.run({ input: new ort.Tensor('float32', normalise(split.test.images.subarray(0, 784 * 50), MNIST.mean, MNIST.std), [50, 1, 28, 28]) });
      expect(maxAbsDiff(wrong.logits!.data as Float32Array, logits.subarray(0, 500))).toBeGreaterThan(0.1);

      const back = await importModel({ home, path: file });
      expect(back.normalization).toEqual(MNIST);
      expect(back.spec.layers).toEqual((await readModelFolder(home, imported.id)).metadata.spec.layers);
    } finally {
      await studio.close();
    }
  });
});
