import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedding } from '../../../src/shared/embed';
import { presetSpec } from '../../../src/shared/model-spec';
import { loadTf } from '../../../src/main/native';
import { createStudio, type Studio } from '../../../src/main/studio';
import { topEigenvectors } from '../../../src/main/trainer/embed';
import { buildModel } from '../../../src/main/trainer/model';
import { seededRandom } from '../../../src/main/trainer/random';
import { mnistFixtureDir, realDigits } from '../../helpers/mnist-fixture';
import { digitTensor, saveToLibrary, testMetadata } from '../../helpers/models';
import { runCli } from '../../helpers/project';
import { call } from '../../helpers/studio-home';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

const tf = loadTf();
let home: string;
let studio: Studio;
let accuracy = 0;

beforeAll(async () => {
  requireBuiltTrainer();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-embed-'));
  studio = createStudio({ home, shell: 'web' });
  // The real-digit fixture: 8000 training digits, 2000 test digits the model never saw.
  await call(studio, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' });
  const started = performance.now();
  const model = await trainWell();
  console.log(`trained the cnn on 8000 digits in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await saveToLibrary(tf, model, home, testMetadata('cnn', presetSpec('cnn')));
  model.dispose();
  accuracy = (await call(studio, 'models:evaluate', { id: 'cnn', dataset: { id: 'digits' } })).accuracy;
}, 300_000);

/** LeNet-5 on the fixture's 8000 training digits: 3 epochs of Adam at 0.002, then 2 at 0.0003 (above 97 % on the 2000 test digits). */
async function trainWell(): Promise<LayersModel> {
  const model = buildModel(tf, presetSpec('cnn'), seededRandom(3));
  const digits = realDigits();
  const x = digitTensor(tf, 0, 8000);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(digits.labels.subarray(0, 8000)), 'int32'), 10).toFloat();
  for (const [lr, epochs] of [
    [0.002, 3],
    [0.0003, 2],
  ] as const) {
    model.compile({ optimizer: tf.train.adam(lr), loss: (labels: Tensor, logits: Tensor) => tf.losses.softmaxCrossEntropy(labels, logits) });
    await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  }
  x.dispose();
  y.dispose();
  return model;
}

afterAll(async () => {
  await studio?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

/** How often the majority of a point's k nearest other points (2-D, Euclidean) has its true class; ties go to the nearest. */
function knnAgreement(e: Embedding, k = 5): number {
  const pts = e.points;
  let agree = 0;
  for (let i = 0; i < pts.length; i++) {
    const near: { d: number; label: number }[] = [];
    for (let j = 0; j < pts.length; j++) {
      if (j === i) continue;
      const d = (pts[i]!.x - pts[j]!.x) ** 2 + (pts[i]!.y - pts[j]!.y) ** 2;
      if (near.length < k || d < near[near.length - 1]!.d) {
        near.push({ d, label: pts[j]!.label });
        near.sort((a, b) => a.d - b.d);
        if (near.length > k) near.pop();
      }
    }
    const votes = new Map<number, number>();
    for (const n of near) votes.set(n.label, (votes.get(n.label) ?? 0) + 1);
    const best = Math.max(...votes.values());
    const winner = near.find((n) => votes.get(n.label) === best)!.label;
    if (winner === pts[i]!.label) agree++;
  }
  return agree / pts.length;
}

describe('the test set as a map (models:embed)', () => {
  it('UMAP separates what a model above 97 % separates: a 5-NN classifier on the 2-D points agrees with the true labels on ≥ 85 %', { timeout: 300_000 }, async () => {
    expect(accuracy, 'the model must be a good one for this check to mean something').toBeGreaterThan(0.97);
    const e = await call(studio, 'models:embed', { id: 'cnn', dataset: { id: 'digits' }, method: 'umap' });
    expect(e.points).toHaveLength(2000);
    expect(e.layer).toMatchObject({ index: 6, units: 84 });
    expect(e.accuracy).toBeCloseTo(accuracy, 10);
    expect(e.points.filter((p) => p.misclassified).length).toBe(Math.round((1 - accuracy) * 2000));
    for (const p of e.points) expect(p.misclassified).toBe(p.label !== p.predicted);
    const knn = knnAgreement(e);
    // A map of noise would score about 10 %; the same check on the raw PCA map shows how much UMAP adds.
    const pca = await call(studio, 'models:embed', { id: 'cnn', dataset: { id: 'digits' }, method: 'pca' });
    const knnPca = knnAgreement(pca);
    console.log(
      `model accuracy ${(accuracy * 100).toFixed(2)} %; 5-NN agreement on the 2-D map: UMAP ${(knn * 100).toFixed(2)} % (${e.timing.projection.toFixed(1)} s), PCA ${(knnPca * 100).toFixed(2)} % (${pca.timing.projection.toFixed(2)} s, axes hold ${pca.explainedVariance!.map((v) => (v * 100).toFixed(1)).join(' % and ')} % of the variance)`,
    );
    expect(knn).toBeGreaterThanOrEqual(0.85);
    expect(knn).toBeGreaterThan(knnPca);
  });

  it('is reproducible: the same seed draws the same UMAP map, another seed another one', { timeout: 120_000 }, async () => {
    const a = await call(studio, 'models:embed', { id: 'cnn', dataset: { id: 'digits' }, method: 'umap', limit: 300, seed: 5 });
    const b = await call(studio, 'models:embed', { id: 'cnn', dataset: { id: 'digits' }, method: 'umap', limit: 300, seed: 5 });
    const c = await call(studio, 'models:embed', { id: 'cnn', dataset: { id: 'digits' }, method: 'umap', limit: 300, seed: 6 });
    expect(a.points).toHaveLength(300);
    expect(b.points).toEqual(a.points);
    expect(c.points).not.toEqual(a.points);
    expect(a.seed).toBe(5);
  });

  it('PCA: centred axes, uncorrelated, the first holding the most variance, matching the eigenvectors of the covariance', { timeout: 60_000 }, async () => {
    const e = await call(studio, 'models:embed', { id: 'cnn', dataset: { id: 'digits' }, method: 'pca', limit: 1000 });
    const n = e.points.length;
    const mx = e.points.reduce((s, p) => s + p.x, 0) / n;
    const my = e.points.reduce((s, p) => s + p.y, 0) / n;
    const vx = e.points.reduce((s, p) => s + (p.x - mx) ** 2, 0) / (n - 1);
    const vy = e.points.reduce((s, p) => s + (p.y - my) ** 2, 0) / (n - 1);
    const cxy = e.points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / (n - 1);
    expect(Math.abs(mx)).toBeLessThan(1e-3 * Math.sqrt(vx));
    expect(vx).toBeGreaterThan(vy);
    expect(Math.abs(cxy) / Math.sqrt(vx * vy)).toBeLessThan(1e-3);
    const [ex, ey] = e.explainedVariance!;
    expect(ex).toBeGreaterThan(ey);
    expect(ex + ey).toBeLessThan(1);
    expect(e.seed).toBeNull();
  });

  it('finds the top eigenvectors of a matrix built from known ones', () => {
    const n = 12;
    const rand = seededRandom(9);
    // A random orthonormal basis (Gram–Schmidt) and eigenvalues 10, 6, 3, 1, 0.5, …
    const basis: number[][] = [];
    for (let j = 0; j < n; j++) {
      const v = Array.from({ length: n }, () => rand() - 0.5);
      for (const b of basis) {
        const dot = v.reduce((s, x, i) => s + x * b[i]!, 0);
        for (let i = 0; i < n; i++) v[i]! -= dot * b[i]!;
      }
      const norm = Math.hypot(...v);
      basis.push(v.map((x) => x / norm));
    }
    const values = [10, 6, 3, 1, ...Array.from({ length: n - 4 }, (_, i) => 0.5 / (i + 1))];
    const a = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) a[r * n + c] = values.reduce((s, l, j) => s + l * basis[j]![r]! * basis[j]![c]!, 0);
    const top = topEigenvectors(a, n, 2);
    expect(top.values[0]).toBeCloseTo(10, 8);
    expect(top.values[1]).toBeCloseTo(6, 8);
    for (let j = 0; j < 2; j++) {
      const dot = Array.from({ length: n }, (_, i) => top.vectors[j * n + i]! * basis[j]![i]!).reduce((s, x) => s + x, 0);
      expect(Math.abs(dot)).toBeCloseTo(1, 8);
    }
  });

  it('refuses an unknown model, a data set that is not installed and a limit out of range, naming what is wrong', async () => {
    await expect(call(studio, 'models:embed', { id: 'nope', dataset: { id: 'digits' }, method: 'pca' })).rejects.toThrow(/NOT_FOUND: .*nope/);
    await expect(call(studio, 'models:embed', { id: 'cnn', dataset: { id: 'fashion' }, method: 'pca' })).rejects.toThrow(/NOT_FOUND: dataset "fashion" is not installed/);
    // No dataset given and the model records none: mnist, which this home does not have.
    await expect(call(studio, 'models:embed', { id: 'cnn', method: 'pca' })).rejects.toThrow(/dataset "mnist" is not installed/);
    await expect(call(studio, 'models:embed', { id: 'cnn', dataset: { id: 'digits' }, method: 'pca', limit: 5 })).rejects.toThrow(/INVALID_ARGUMENT: .*limit/);
    await expect(call(studio, 'models:embed', { id: 'cnn', dataset: { id: 'digits' }, method: 'tsne' as 'pca' })).rejects.toThrow(/method: must be one of pca, umap/);
  });
});

describe('mnist-studio embed', () => {
  it('writes the map as JSON, refuses to replace a file without --force and names a bad flag', { timeout: 120_000 }, async () => {
    const out = tmpDir();
    const file = path.join(out, 'map.json');
    const res = await runCli(['embed', 'cnn', '--dataset', 'digits', '--method', 'pca', '--limit', '500', '--out', file, '--home', home]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Mapped 500 test images of digits \(digits\) with model cnn: PCA of layer 7 \(\S+, 84 values\)\n/);
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as Embedding;
    expect(written.points).toHaveLength(500);
    expect(written.points[0]).toEqual({
      index: 0,
      x: expect.any(Number),
      y: expect.any(Number),
      label: expect.any(Number),
      predicted: expect.any(Number),
      misclassified: expect.any(Boolean),
    });
    expect(fs.readdirSync(out)).toEqual(['map.json']);

    const again = await runCli(['embed', 'cnn', '--dataset', 'digits', '--out', file, '--home', home]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`error: --out ${file}: already exists (give --force to replace it)\n`);
    const forced = await runCli(['embed', 'cnn', '--dataset', 'digits', '--limit', '100', '--out', file, '--force', '--home', home]);
    expect(forced.code, forced.stderr).toBe(0);
    expect((JSON.parse(fs.readFileSync(file, 'utf8')) as Embedding).points).toHaveLength(100);

    const badLimit = await runCli(['embed', 'cnn', '--limit', 'many', '--out', path.join(out, 'x.json'), '--home', home]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/^error: --limit: /);
    const badMethod = await runCli(['embed', 'cnn', '--method', 'tsne', '--out', path.join(out, 'x.json'), '--home', home]);
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toMatch(/tsne/);
    expect(fs.readdirSync(out)).toEqual(['map.json']);
  });
});
