/**
 * Steps as graphs (native/graph.ts): after the first, every step of one
 * shape runs as one session call and trains what the op-by-op path
 * trains; a step of another shape runs op by op in between, the weights
 * crossing from the session to the eager variables and back; a graph that
 * does not load leaves the path op by op; nothing stays behind (sessions,
 * handles, the SavedModel's temporary folder).
 */
import fs from 'node:fs';
import os from 'node:os';
import type { LayersModel } from '@tensorflow/tfjs-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Hyperparams } from '../../../../src/shared/hyperparams';
import { presetSpec, type ModelSpec } from '../../../../src/shared/model-spec';
import { loadTf } from '../../../../src/main/native';
import { buildModel } from '../../../../src/main/trainer/model';
import { nativeAccess } from '../../../../src/main/trainer/native/binding';
import { stepGraphsWanted } from '../../../../src/main/trainer/native/graph';
import { NativePath } from '../../../../src/main/trainer/native/path';
import { seededRandom } from '../../../../src/main/trainer/random';
import { layersPath } from '../../../../src/main/trainer/training-path';
import { realDigitSplit, shuffledBatches } from '../../../helpers/native-training';

process.env.TF_ENABLE_ONEDNN_OPTS = '0';
const tf = loadTf();
const binding = nativeAccess(tf).binding;

const ROWS = 512;
const train = realDigitSplit(tf, ROWS);
afterAll(() => {
  train.x.dispose();
  train.y.dispose();
});

/** A small convolutional network (its rows train independently: two towers a step). */
const SPEC: ModelSpec = {
  name: 'graph-test',
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 16, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'linear' },
  ],
};
const HP: Pick<Hyperparams, 'optimizer' | 'learningRate' | 'loss'> = { optimizer: 'adam', learningRate: 0.003, loss: 'cross-entropy' };

/** The batches of `steps` steps: shuffled epochs of the rows, each epoch's last batch short unless `batch` divides ROWS. */
const batches = (steps: number, batch: number) => shuffledBatches(ROWS, steps, batch, 11);

/** The SavedModel folders graph.ts writes in the temporary folder (each removed once loaded, or not). */
const stepFolders = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('mnist-studio-step-'));

const weightsOf = (model: LayersModel) => model.getWeights().map((w) => w.dataSync() as Float32Array);
function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!)))));
  return worst;
}
function worstRelative(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  b.forEach((x, k) => (worst = Math.max(worst, Math.abs(a[k]! - x) / Math.abs(x))));
  return worst;
}

/** Trains `steps` on a graph path and on the layers path side by side; `between(k)` runs after step k. */
function sideBySide(steps: Int32Array[], spec: ModelSpec, options: { towers?: 1 | 2; fault?: 'graph' }, between?: (k: number, native: NativePath, model: LayersModel) => void) {
  const model = buildModel(tf, spec, seededRandom(3));
  const native = new NativePath({ tf, model, spec, hp: HP, train, dropoutRand: seededRandom(5), ...options });
  const layers = layersPath({ tf, model, spec, hp: HP, train, dropoutRand: seededRandom(5) });
  try {
    steps.forEach((rows, k) => {
      native.step(rows);
      layers.step(rows);
      between?.(k, native, model);
    });
    const losses = worstRelative(native.drain().losses, layers.drain().losses);
    return { losses, weights: maxDifference(native.weights(), weightsOf(model)), stepsRun: native.stepsRun };
  } finally {
    native.dispose();
    layers.dispose();
    model.dispose();
  }
}

describe('native steps as TensorFlow graphs', () => {
  it('runs every step after the first as one graph, two towers each, and trains what tfjs-layers trains', () => {
    const steps = batches(120, 8);
    const r = sideBySide(steps, SPEC, { towers: 2 });
    expect(r.stepsRun).toEqual({ graph: 119, eager: 1, graphsOffBecause: null });
    expect(r.losses).toBeLessThan(1e-4);
    expect(r.weights).toBeLessThan(1e-3);
  });

  it('runs a step of another shape op by op in between, the weights crossing both ways, and reads them mid-run', () => {
    // Two epochs in batches of 5: one tower each (5 is odd); each epoch's last batch has 2 rows, two towers: another graph.
    const steps = batches(2 * Math.ceil(ROWS / 5), 5);
    expect(steps.filter((b) => b.length === 2)).toHaveLength(2);
    let checked = 0;
    const r = sideBySide(steps, SPEC, { towers: 2 }, (k, native, model) => {
      // Mid-run, as a pause or an epoch's validation reads them: the graph's weights, then training goes on in the graph.
      if (k === 50 || k === 150) {
        expect(maxDifference(native.weights(), weightsOf(model))).toBeLessThan(1e-4);
        checked++;
      }
    });
    expect(checked).toBe(2);
    expect(r.stepsRun).toEqual({ graph: steps.length - 3, eager: 3, graphsOffBecause: null });
    expect(r.losses).toBeLessThan(1e-4);
    expect(r.weights).toBeLessThan(1e-3);
  });

  it('trains the cnn preset and a network with batch normalisation and dropout (one tower) as graphs too', () => {
    const steps = batches(30, 16);
    const cnn = sideBySide(steps, presetSpec('cnn'), {});
    expect(cnn.stepsRun.graph).toBe(29);
    expect(cnn.losses).toBeLessThan(1e-4);
    const bn: ModelSpec = {
      name: 'bn-dropout',
      layers: [
        { type: 'flatten' },
        { type: 'dense', units: 24, activation: 'relu' },
        { type: 'batchNormalization', momentum: 0.9, epsilon: 0.001 },
        { type: 'dropout', rate: 0.3 },
        { type: 'dense', units: 10, activation: 'linear' },
      ],
    };
    const r = sideBySide(steps, bn, {});
    expect(r.stepsRun.graph).toBe(29);
    expect(r.losses).toBeLessThan(1e-4);
    // The moving mean and variance are weights too: updated in the graph, read back.
    expect(r.weights).toBeLessThan(1e-3);
  });

  it('goes on op by op, training the same, when a graph does not load, and leaves no folder of it behind', () => {
    const steps = batches(40, 8);
    const before = stepFolders();
    const r = sideBySide(steps, SPEC, { towers: 2, fault: 'graph' });
    expect(stepFolders()).toEqual(before);
    expect(r.stepsRun.graph).toBe(0);
    expect(r.stepsRun.eager).toBe(40);
    expect(r.stepsRun.graphsOffBecause).toMatch(/MnistStudioNoSuchOp/);
    expect(r.losses).toBeLessThan(1e-4);
    expect(r.weights).toBeLessThan(1e-3);
  });

  it('leaves no session, handle or temporary folder behind', () => {
    const before = { sessions: binding.getNumOfSavedModels(), handles: binding.getNumOfTensors(), folders: stepFolders() };
    const model = buildModel(tf, SPEC, seededRandom(3));
    const native = new NativePath({ tf, model, spec: SPEC, hp: HP, train, dropoutRand: seededRandom(5), towers: 2 });
    for (const rows of batches(10, 8)) native.step(rows);
    native.drain();
    expect(binding.getNumOfSavedModels()).toBe(before.sessions + 1);
    expect(stepFolders()).toEqual(before.folders);
    native.dispose();
    model.dispose();
    expect(binding.getNumOfSavedModels()).toBe(before.sessions);
    expect(binding.getNumOfTensors()).toBe(before.handles);
  });
});

describe('MNIST_STUDIO_STEP_GRAPHS', () => {
  it('turns steps as graphs off with 0, on unset or with 1, and names itself for anything else', () => {
    expect(stepGraphsWanted({})).toBe(true);
    expect(stepGraphsWanted({ MNIST_STUDIO_STEP_GRAPHS: '1' })).toBe(true);
    expect(stepGraphsWanted({ MNIST_STUDIO_STEP_GRAPHS: '0' })).toBe(false);
    expect(() => stepGraphsWanted({ MNIST_STUDIO_STEP_GRAPHS: 'off' })).toThrow('MNIST_STUDIO_STEP_GRAPHS must be 0 or 1, not off');
  });
});
