/**
 * The filter-gradient formulation a convolution trains with is measured once
 * per shape and batch (the faster is taken, the other's result dropped), kept
 * in the home's cache for later trainers, and either one trains what
 * tfjs-layers trains on oneDNN's kernels, the ones users train with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetSpec } from '../../../../src/shared/model-spec';
import { loadTf } from '../../../../src/main/native';
import { kernelCache } from '../../../../src/main/trainer/home-cache';
import { buildModel } from '../../../../src/main/trainer/model';
import { FILTER_GRADIENT_FORMS, KernelChoices } from '../../../../src/main/trainer/native/kernel-choice';
import { NativePath } from '../../../../src/main/trainer/native/path';
import { seededRandom } from '../../../../src/main/trainer/random';
import { layersPath } from '../../../../src/main/trainer/training-path';
import { mnistFixtureDir } from '../../../helpers/mnist-fixture';
import { realDigitSplit } from '../../../helpers/native-training';
import { runCli } from '../../../helpers/project';
import { tmpDir } from '../../../helpers/tmp';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('the filter-gradient formulation', () => {
  it('is the faster of the two, timed on first use only; a known or forced one runs alone', () => {
    const calls = { backprop: 0, swapped: 0 };
    const forms = {
      backprop: () => (calls.backprop++, busy(3), 1),
      swapped: () => (calls.swapped++, 2),
    };
    const choices = new KernelChoices();
    expect(choices.filterGradient('layer a', forms)).toBe(2);
    expect(choices.measured.get('layer a')).toMatchObject({ form: 'swapped', ms: { backprop: expect.any(Number), swapped: expect.any(Number) } });
    expect(choices.measured.get('layer a')!.ms.backprop).toBeGreaterThanOrEqual(3);
    expect(calls.backprop).toBeGreaterThan(1);
    Object.assign(calls, { backprop: 0, swapped: 0 });
    expect(choices.filterGradient('layer a', forms)).toBe(2);
    expect(calls).toEqual({ backprop: 0, swapped: 1 });

    // Known from the home's cache: not timed.
    const known = new KernelChoices();
    known.known.set('layer a', 'backprop');
    expect(known.filterGradient('layer a', forms)).toBe(1);
    expect(known.measured.size).toBe(0);
    expect(new KernelChoices('backprop').filterGradient('layer b', forms)).toBe(1);
  });

  it('trains the cnn preset as tfjs-layers does on oneDNN’s kernels, either way', () => {
    const tf = loadTf();
    expect(process.env.TF_ENABLE_ONEDNN_OPTS).toBe('1');
    const rows = 256;
    const train = realDigitSplit(tf, rows);
    const spec = presetSpec('cnn');
    const hp = { optimizer: 'adam', learningRate: 0.001, loss: 'cross-entropy' } as const;
    for (const form of FILTER_GRADIENT_FORMS) {
      const model = buildModel(tf, spec, seededRandom(3));
      // Op by op: as graphs the stock ops run and no formulation is chosen.
      const native = new NativePath({ tf, model, spec, hp, train, dropoutRand: seededRandom(5), kernels: new KernelChoices(form), graphs: false });
      const layers = layersPath({ tf, model, spec, hp, train, dropoutRand: seededRandom(5) });
      try {
        for (let step = 0; step < 24; step++) {
          const batch = Int32Array.from({ length: 32 }, (_, i) => (step * 32 + i) % rows);
          native.step(batch);
          layers.step(batch);
        }
        const n = native.drain().losses;
        const l = layers.drain().losses;
        const worst = Math.max(...l.map((loss, k) => Math.abs(n[k]! - loss) / loss));
        expect(worst, form).toBeLessThan(1e-4);
        expect(l.at(-1)!).toBeLessThan(l[0]!);
      } finally {
        native.dispose();
        layers.dispose();
        model.dispose();
      }
    }
    train.x.dispose();
    train.y.dispose();
  });

  it('is kept in the home’s cache by the first cnn run op by op; the next run takes it without timing', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    // Steps as graphs run TensorFlow's stock ops and time nothing: the measured formulations are the op-by-op path's.
    const env = { MNIST_STUDIO_STEP_GRAPHS: '0' };
    const args = ['train', '--data-dir', mnistFixtureDir(), '--preset', 'cnn', '--limit', '640', '--epochs', '1', '--seed', '3', '--json', '--home', home];
    const first = await runCli(args, { env });
    expect(first.code, first.stderr).toBe(0);
    const file = path.join(home, kernelCache.file);
    const written = fs.readFileSync(file, 'utf8');
    const choices = (JSON.parse(written) as { choices: Record<string, string> }).choices;
    const keys = Object.keys(choices);
    // Both convolutions at the run's batch (64) and at the self-test's.
    expect(keys.filter((k) => k.endsWith('batch 64'))).toHaveLength(2);
    expect(keys.every((k) => k.includes('"1"') && k.includes('folded conv'))).toBe(true);
    expect(Object.values(choices).every((v) => (FILTER_GRADIENT_FORMS as readonly string[]).includes(v))).toBe(true);
    const mtime = fs.statSync(file).mtimeMs;
    const second = await runCli(args, { env });
    expect(second.code, second.stderr).toBe(0);
    // Nothing measured: the file was not written again.
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
    expect(fs.readFileSync(file, 'utf8')).toBe(written);
  });
});
