/**
 * Issue 16: "the run as code" in PyTorch. The exported script builds the
 * studio's network in PyTorch (every layer type of the registry, NCHW, the
 * flatten in TF.js's order: the studio's weights put into it give the
 * studio's logits), and, run unmodified, trains the studio's run again to
 * within a point of its test accuracy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS } from '../../../src/shared/hyperparams';
import { INPUT_SHAPE, layerOutput, type ModelSpec } from '../../../src/shared/model-spec';
import type { ModelExport } from '../../../src/shared/models';
import type { ModelDownload } from '../../../src/shared/models-api';
import type { Result } from '../../../src/shared/result';
import type { Tensor2D } from '@tensorflow/tfjs-node';
import { dispatch } from '../../../src/main/dispatch';
import { layerWeights } from '../../../src/main/models/onnx';
import { readModelFolder } from '../../../src/main/models/store';
import { loadTf } from '../../../src/main/native';
import { createStudio } from '../../../src/main/studio';
import { mnistFixtureDir, realDigits } from '../../helpers/mnist-fixture';
import { saveToLibrary, testMetadata, trainBriefly } from '../../helpers/models';
import { runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { runScript, runTorchCode, torchPython } from '../../helpers/torch-python';
import { requireBuiltTrainer } from '../../helpers/training';

const tf = loadTf();
const python = torchPython();
const FROM = 9000;
const COUNT = 64;

/** Every layer type of the registry: both paddings (an uneven "same" pad at stride 2), strides, every activation, batch norm on images and on a flat vector. */
const ALL: ModelSpec = {
  name: 'all layers',
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
    { type: 'batchNormalization', momentum: 0.9, epsilon: 0.001 },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' },
    { type: 'averagePooling2d', poolSize: 2, strides: 1 },
    { type: 'conv2d', filters: 5, kernelSize: 2, strides: 1, padding: 'valid', activation: 'linear' },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.2 },
    { type: 'batchNormalization', momentum: 0.99, epsilon: 0.01 },
    { type: 'dense', units: 16, activation: 'sigmoid' },
    { type: 'dense', units: 10, activation: 'linear' },
  ],
};
const GLOBAL: ModelSpec = {
  name: 'global',
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 5, strides: 1, padding: 'valid', activation: 'relu' },
    { type: 'globalAveragePooling2d' },
    { type: 'dense', units: 10, activation: 'linear' },
  ],
};

function value<T>(result: Result<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

/** A library model's logits on the test digits, fed as the studio feeds them. */
async function studioLogits(home: string, id: string): Promise<number[][]> {
  const { metadata, artifacts } = await readModelFolder(home, id);
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const { mean, std } = metadata.normalization;
  const pixels = Float32Array.from(realDigits().images.subarray(FROM * 784, (FROM + COUNT) * 784), (p) => (p / 255 - mean) / std);
  const x = tf.tensor4d(pixels, [COUNT, 28, 28, 1]);
  const out = model.predict(x) as Tensor2D;
  const rows = await out.array();
  tf.dispose([x, out]);
  model.dispose();
  return rows;
}

/** Puts the studio's weights into the script's network (kernels transposed to PyTorch's layouts) and answers its logits and weight count. */
const LOAD_STUDIO_WEIGHTS = `
import json, runpy, sys, numpy as np, torch
from torch import nn
ns = runpy.run_path(sys.argv[1], run_name="check")
model = ns["build_model"]()
layers = [ws for ws in json.load(open(sys.argv[2])) if ws]
modules = [m for m in model if isinstance(m, (nn.Linear, nn.Conv2d, nn.BatchNorm1d, nn.BatchNorm2d))]
assert len(modules) == len(layers), (len(modules), len(layers))
with torch.no_grad():
    for m, ws in zip(modules, layers):
        t = [torch.tensor(w["data"], dtype=torch.float32).reshape(w["shape"]) for w in ws]
        if isinstance(m, nn.Linear):
            m.weight.copy_(t[0].T); m.bias.copy_(t[1])
        elif isinstance(m, nn.Conv2d):
            m.weight.copy_(t[0].permute(3, 2, 0, 1)); m.bias.copy_(t[1])
        else:
            m.weight.copy_(t[0]); m.bias.copy_(t[1]); m.running_mean.copy_(t[2]); m.running_var.copy_(t[3])
model.eval()
x = ns["normalise"](np.fromfile(sys.argv[3], dtype=np.uint8).reshape(-1, 28, 28))
count = sum(p.numel() for p in model.parameters()) + sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
print(json.dumps({"logits": model(x).detach().tolist(), "params": count}))
`;

describe('PyTorch code export (issue 16)', () => {
  it('writes every layer type as PyTorch modules with the run’s settings; a browser downloads the same script', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    const studio = createStudio({ home, shell: 'web' });
    const out = tmpDir();
    try {
      const model = await trainBriefly(tf, ALL, 128, 1, 5);
      const dataset = { id: 'digits', name: 'digits', classNames: [...'0123456789'], trainCount: 8000, validationCount: 0, testCount: 2000, digests: {} };
      const hyperparams = {
        ...DEFAULT_HYPERPARAMS,
        seed: 7,
        epochs: 4,
        batchSize: 32,
        optimizer: 'rmsprop' as const,
        loss: 'mse' as const,
        learningRate: 0.002,
        validationSplit: 0.1,
        limit: 4000,
        lrSchedule: { type: 'cosine' as const, minLr: 0 },
        earlyStopping: { monitor: 'val-accuracy' as const, patience: 2, minDelta: 0 },
        restoreBest: true,
        augment: { rotate: 10, shift: 0, scale: 0, shear: 0, elastic: 0, thickness: 0, noise: 0 },
      };
      await saveToLibrary(tf, model, home, testMetadata('all', ALL, { hyperparams, dataset, runId: 'run-1' }));
      model.dispose();
      const script = path.join(out, 'all.py');
      value<ModelExport>(await dispatch(studio.handlers, 'models:export', { id: 'all', format: 'pytorch', path: script }, { shell: 'cli' }));
      const text = fs.readFileSync(script, 'utf8');
      for (const line of [
        'EPOCHS, BATCH_SIZE, LEARNING_RATE, SEED = 4, 32, 0.002, 7',
        'MEAN, STD = 0.1307, 0.3081',
        'VALIDATION_SPLIT = 0.1',
        'LIMIT = 4000',
        `DEFAULT_DATA = ${JSON.stringify(path.join(home, 'datasets', 'digits'))}`,
        'LR_SCHEDULE = {"type": "cosine", "minLr": 0}',
        'EARLY_STOPPING = {"monitor": "val-accuracy", "patience": 2, "minDelta": 0}',
        'RESTORE_BEST = True',
        'return TfRMSprop(params, lr=lr, rho=0.9, eps=1e-7)',
        'return torch.mean((nn.functional.one_hot(labels, 10).float() - torch.softmax(logits, dim=1)) ** 2)',
        '        nn.Conv2d(1, 4, 3, stride=1, padding=(1, 1)),',
        '        nn.BatchNorm2d(4, eps=0.001, momentum=0.1),',
        '        nn.MaxPool2d(2, stride=2),',
        // 14 → 7 at stride 2: TF pads one pixel, after.
        '        nn.ZeroPad2d((0, 1, 0, 1)),\n        nn.Conv2d(4, 6, 3, stride=2),\n        nn.Tanh(),',
        '        nn.AvgPool2d(2, stride=1),',
        '        nn.Conv2d(6, 5, 2, stride=1),\n        # flatten',
        '        FlattenNHWC(),',
        '        nn.Dropout(0.2),',
        '        nn.BatchNorm1d(125, eps=0.01, momentum=0.01),',
        '        nn.Linear(125, 16),\n        nn.Sigmoid(),',
        '        nn.Linear(16, 10),\n    )',
        'The run augmented its training images (rotate=10); this script does not.',
      ])
        expect(text).toContain(line);

      const download = value<ModelDownload>(await dispatch(studio.handlers, 'models:download', { id: 'all', format: 'pytorch' }, { shell: 'web' }));
      expect(download.fileName).toBe('all-layers-test-pytorch.py');
      expect(Buffer.from(download.data).toString('utf8')).toBe(text);
      const keras = value<ModelDownload>(await dispatch(studio.handlers, 'models:download', { id: 'all', format: 'keras-code' }, { shell: 'web' }));
      expect(keras.fileName).toBe('all-layers-test-keras.py');
      expect(Buffer.from(keras.data).toString('utf8')).toContain('keras.layers.Conv2D(filters=6');
    } finally {
      await studio.close();
    }
  });

  it.skipIf(!python)('builds the studio’s network: the studio’s weights put into it give the studio’s logits', { timeout: 180_000 }, async () => {
    const home = tmpDir();
    const studio = createStudio({ home, shell: 'web' });
    const out = tmpDir();
    try {
      const pixelsFile = path.join(out, 'pixels.u8');
      fs.writeFileSync(pixelsFile, realDigits().images.subarray(FROM * 784, (FROM + COUNT) * 784));
      for (const [i, spec] of [ALL, GLOBAL].entries()) {
        const id = `torch-${i}`;
        const model = await trainBriefly(tf, spec, 256, 1, i + 3);
        // A name that would end the docstring or start an escape, were it not escaped.
        await saveToLibrary(tf, model, home, testMetadata(id, spec, { name: `${spec.name} """ C:\\new` }));
        model.dispose();
        const script = path.join(out, `${id}.py`);
        value<ModelExport>(await dispatch(studio.handlers, 'models:export', { id, format: 'pytorch', path: script }, { shell: 'cli' }));
        const { metadata, artifacts } = await readModelFolder(home, id);
        const weights = layerWeights(metadata.spec, artifacts.weightSpecs ?? [], artifacts.weightData as ArrayBuffer);
        const weightsFile = path.join(out, `${id}.json`);
        const shapes = weightShapes(metadata.spec);
        fs.writeFileSync(weightsFile, JSON.stringify(weights.map((list, l) => list.map((w, k) => ({ shape: shapes[l]![k]!, data: Array.from(w) })))));
        const answer = JSON.parse(await runTorchCode(python!, LOAD_STUDIO_WEIGHTS, [script, weightsFile, pixelsFile])) as { logits: number[][]; params: number };
        expect(answer.params, spec.name).toBe(metadata.params);
        const ours = await studioLogits(home, id);
        let worst = 0;
        ours.forEach((row, r) => row.forEach((v, c) => (worst = Math.max(worst, Math.abs(v - answer.logits[r]![c]!)))));
        console.log(`${spec.name}: PyTorch's logits within ${worst.toExponential(2)} of the studio's on ${COUNT} digits`);
        expect(worst, spec.name).toBeLessThan(1e-4);
      }
    } finally {
      await studio.close();
    }
  });
});

/** Each layer's weights' shapes as the registry declares them (TF.js's layouts), walking the network from the input. */
function weightShapes(spec: ModelSpec): number[][][] {
  let shape: number[] = [...INPUT_SHAPE];
  return spec.layers.map((layer) => {
    const out = layerOutput(layer, shape);
    if ('code' in out) throw new Error(`${spec.name}: ${out.code}`);
    shape = out.shape;
    return out.weights.map((w) => w.shape);
  });
}

describe('the PyTorch script, run unmodified, trains the studio’s run again (issue 16)', () => {
  beforeAll(requireBuiltTrainer);

  /** Trains with the CLI, exports the script with the CLI, runs it as a user would; answers both test accuracies. */
  async function compare(name: string, trainArgs: string[]): Promise<{ studio: number; torch: number; stdout: string; seconds: number; out: string }> {
    const home = tmpDir();
    const out = tmpDir();
    const trained = await runCli(['train', '--data-dir', mnistFixtureDir(), '--json', '--home', home, ...trainArgs]);
    expect(trained.code, trained.stderr).toBe(0);
    const run = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as { modelId: string; testAccuracy: number };
    const script = path.join(out, `${name}.py`);
    const exported = await runCli(['models', 'export', run.modelId, '--format', 'pytorch', '--out', script, '--home', home]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^Exported model \S+ \(pytorch\) to .*\.py \([\d.]+ kB\)\.\n$/);
    const started = performance.now();
    // Unmodified, from the folder it was written to: its default --data is the run's data set.
    const stdout = await runScript(python!, script, ['--out', path.join(out, `${name}.pt`)]);
    const seconds = (performance.now() - started) / 1000;
    const match = /^Accuracy of the network on the 2000 test images: (\d+\.\d\d) %/m.exec(stdout);
    expect(match, stdout).not.toBeNull();
    const torch = Number(match![1]) / 100;
    console.log(`${name}: studio ${(run.testAccuracy * 100).toFixed(2)} %, PyTorch script ${(torch * 100).toFixed(2)} % (the script ran ${seconds.toFixed(1)} s)`);
    expect(fs.statSync(path.join(out, `${name}.pt`)).size).toBeGreaterThan(0);
    return { studio: run.testAccuracy, torch, stdout, seconds, out };
  }

  it.skipIf(!python)('the tutorial’s MLP (Adam, lr 0.001, batch 64, 5 epochs): within a point of the studio’s test accuracy', { timeout: 300_000 }, async () => {
    const r = await compare('mlp', ['--seed', '2']);
    expect(r.stdout).toMatch(/^Epoch \[1\/5\], Step \[100\/125\], Loss: \d+\.\d{4}$/m);
    expect(r.stdout).toMatch(/^Epoch \[5\/5\] done in/m);
    expect(Math.abs(r.torch - r.studio)).toBeLessThanOrEqual(0.01);
  });

  it.skipIf(!python)('a small CNN (conv, batch norm, pooling, dropout) with a validation split and a step schedule: within a point', { timeout: 300_000 }, async () => {
    const specFile = path.join(tmpDir(), 'cnn.json');
    const cnn: ModelSpec = {
      name: 'small-cnn',
      layers: [
        { type: 'conv2d', filters: 8, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
        { type: 'batchNormalization', momentum: 0.9, epsilon: 0.001 },
        { type: 'maxPooling2d', poolSize: 2 },
        { type: 'conv2d', filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
        { type: 'averagePooling2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.2 },
        { type: 'dense', units: 32, activation: 'relu' },
        { type: 'dense', units: 10, activation: 'linear' },
      ],
    };
    fs.writeFileSync(specFile, JSON.stringify(cnn));
    const r = await compare('cnn', ['--model-spec', specFile, '--epochs', '3', '--lr', '0.003', '--validation-split', '0.1', '--lr-schedule', 'step:2:0.5', '--seed', '1']);
    expect(r.stdout).toMatch(/^Epoch \[3\/3\] done in .*validation accuracy 0\.\d{4}, learning rate 0\.0015$/m);
    expect(Math.abs(r.torch - r.studio)).toBeLessThanOrEqual(0.01);
  });
});
