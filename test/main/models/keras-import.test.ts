/**
 * Issue 16: Keras models in. The fixtures in test/fixtures/keras/ were made
 * by Keras 3 itself (scripts/fixtures/keras_models.py), trained on the
 * same real digits the fixture data set holds; expected.json has the
 * accuracy Keras measured on its 2,000 test digits and its first outputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportedModel } from '../../../src/shared/models';
import type { Result } from '../../../src/shared/result';
import { dispatch } from '../../../src/main/dispatch';
import { extractFlatZip, writeZip } from '../../../src/main/models/zip';
import { loadTf } from '../../../src/main/native';
import { createStudio } from '../../../src/main/studio';
import { readModelFolder } from '../../../src/main/models/store';
import { compareSnapshots, snapshotTree } from '../../helpers/home-snapshot';
import { realDigits } from '../../helpers/mnist-fixture';
import { runCli, ROOT } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { homeWithFixture, requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'keras');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as {
  testCount: number;
  models: Record<
    'mlp' | 'cnn' | 'every',
    { accuracy: number; outputs: 'logits' | 'probabilities'; first: number[][]; firstLabels: number[]; normalization: { mean: number; std: number } }
  >;
};
const tf = loadTf();

function value<T>(result: Result<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

function failure(result: Result<unknown>): { code: string; message: string } {
  if (result.ok) throw new Error('expected a refusal, got a model');
  return result.error;
}

/** The library model's outputs on the first test digits (the fixture's 8000th on), fed as the studio feeds it: ((p / 255) − mean) / std. */
async function firstOutputs(home: string, id: string, count: number): Promise<number[][]> {
  const { metadata, artifacts } = await readModelFolder(home, id);
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const { mean, std } = metadata.normalization;
  const pixels = Float32Array.from(realDigits().images.subarray(8000 * 784, (8000 + count) * 784), (p) => (p / 255 - mean) / std);
  const out = model.predict(tf.tensor4d(pixels, [count, 28, 28, 1])) as ReturnType<typeof tf.tensor2d>;
  const rows = await out.array();
  model.dispose();
  return rows;
}

const softmax = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('Keras import (issue 16)', () => {
  it(
    'imports each fixture (.keras and .h5, Sequential and Functional); evaluate gives Keras’s own accuracy; the preprocessing layers become the normalisation',
    { timeout: 240_000 },
    async () => {
      const home = homeWithFixture('digits', tmpDir());
      const studio = createStudio({ home, shell: 'web' });
      try {
        // mlp: Sequential, Rescaling, softmax out; cnn: Functional, Rescaling + Normalization (0.1307, 0.3081), logits out;
        // every: an adapted Normalization, BatchNormalization, AveragePooling2D, an Activation layer, GlobalAveragePooling2D.
        for (const net of ['mlp', 'cnn', 'every'] as const) {
          for (const ext of ['keras', 'h5']) {
            const file = path.join(FIXTURES, `${net}.${ext}`);
            const imported = value<ImportedModel>(await dispatch(studio.handlers, 'models:import', { path: file, dataset: 'digits' }, { shell: 'cli' }));
            expect(imported).toMatchObject({ source: 'imported', datasetId: 'digits', evaluationError: null });
            expect(imported.name).toMatch(new RegExp(`^${net}( \\(\\d\\))?$`));
            const want = expected.models[net];
            console.log(`${net}.${ext}: the studio's evaluate ${imported.testAccuracy}, Keras ${want.accuracy}`);
            // Within 0.1 point of what Keras measured on the same 2,000 digits.
            expect(Math.abs(imported.testAccuracy! - want.accuracy), `${net}.${ext}: ${imported.testAccuracy} vs Keras ${want.accuracy}`).toBeLessThanOrEqual(0.001);
            const { metadata } = await readModelFolder(home, imported.id);
            expect(metadata.normalization.mean).toBeCloseTo(want.normalization.mean, 6);
            expect(metadata.normalization.std).toBeCloseTo(want.normalization.std, 6);
            if (net === 'cnn') expect(metadata.normalization).toEqual({ mean: 0.1307, std: 0.3081 });
            expect(metadata.importedFrom).toBe(file);
            // The same outputs as Keras gave (the softmax folded away: the library keeps logits).
            const rows = await firstOutputs(home, imported.id, want.first.length);
            rows.forEach((row, i) => {
              const got = want.outputs === 'probabilities' ? softmax(row) : row;
              got.forEach((v, j) => expect(Math.abs(v - want.first[i]![j]!), `${net}.${ext} image ${i} class ${j}`).toBeLessThan(2e-5));
            });
          }
        }
      } finally {
        await studio.close();
      }
    },
  );

  it('`models import` on the command line takes a .keras file and says its normalisation', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    const res = await runCli(['--home', home, 'models', 'import', path.join(FIXTURES, 'cnn.keras'), '--name', 'from keras']);
    expect(res.code, res.stderr).toBe(0);
    const list = await runCli(['--home', home, 'models', 'list', '--json']);
    const models = JSON.parse(list.stdout) as { id: string; name: string; architecture: string }[];
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ name: 'from keras' });
    expect(models[0]!.architecture).toMatch(/^conv 4×5² same relu → maxpool 2 → conv 8×5² relu → maxpool 2 → flatten → dropout/);
    const show = await runCli(['--home', home, 'models', 'show', models[0]!.id]);
    expect(show.stdout).toContain('((p / 255) − 0.1307) / 0.3081');
  });

  it('refuses a SavedModel folder, a .weights.h5 alone and a layer the studio lacks, saying what to do instead; the home is unchanged', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    const studio = createStudio({ home, shell: 'web' });
    const work = tmpDir();
    const importing = async (p: string) => dispatch(studio.handlers, 'models:import', { path: p }, { shell: 'cli' });
    try {
      const before = snapshotTree(home);

      const saved = path.join(work, 'my_saved_model');
      fs.mkdirSync(path.join(saved, 'variables'), { recursive: true });
      fs.writeFileSync(path.join(saved, 'saved_model.pb'), Buffer.from([8, 1, 18, 0]));
      for (const p of [saved, path.join(saved, 'saved_model.pb')]) {
        const err = failure(await importing(p));
        expect(err.message).toContain(saved);
        expect(err.message).toMatch(/SavedModel/);
        expect(err.message).toMatch(/model\.keras/);
      }

      // The weights file of a .keras, on its own: by its name, and renamed to a plain .h5 (by its content).
      const unpacked = path.join(work, 'unpacked');
      fs.mkdirSync(unpacked);
      await extractFlatZip(path.join(FIXTURES, 'cnn.keras'), unpacked, { maxEntries: 10, maxEntryBytes: 1e7, maxTotalBytes: 1e7 });
      for (const name of ['cnn.weights.h5', 'renamed.h5']) {
        const file = path.join(work, name);
        fs.copyFileSync(path.join(unpacked, 'model.weights.h5'), file);
        const err = failure(await importing(file));
        expect(err.message).toContain(file);
        expect(err.message).toMatch(/weights only.*model\.save\("model\.keras"\)/);
      }

      // A layer the studio has not got: named, with what to do.
      const config = JSON.parse(fs.readFileSync(path.join(unpacked, 'config.json'), 'utf8')) as { config: { layers: { class_name: string; config: { name: string } }[] } };
      const dense = config.config.layers.find((l) => l.class_name === 'Dense')!;
      dense.class_name = 'LayerNormalization';
      dense.config.name = 'my_layer_norm';
      const odd = path.join(work, 'odd.keras');
      await writeZip(odd, [
        { name: 'metadata.json', file: path.join(unpacked, 'metadata.json') },
        { name: 'config.json', data: JSON.stringify(config) },
        { name: 'model.weights.h5', file: path.join(unpacked, 'model.weights.h5') },
      ]);
      const layerErr = failure(await importing(odd));
      expect(layerErr.message).toContain(odd);
      expect(layerErr.message).toMatch(/"my_layer_norm".*class LayerNormalization is not a layer the studio knows \(Dense, Conv2D.*\); rebuild the network with those layers/);

      // Truncated and damaged files: a clear error naming the file.
      const whole = fs.readFileSync(path.join(FIXTURES, 'cnn.keras'));
      const truncated = path.join(work, 'truncated.keras');
      fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
      expect(failure(await importing(truncated)).message).toMatch(
        new RegExp(`^${truncated.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not a readable \\.keras file .*truncated or damaged`),
      );
      const garbled = path.join(work, 'garbled.keras');
      const h5 = fs.readFileSync(path.join(unpacked, 'model.weights.h5'));
      await writeZip(garbled, [
        { name: 'config.json', file: path.join(unpacked, 'config.json') },
        { name: 'model.weights.h5', data: h5.subarray(0, 2000) },
      ]);
      expect(failure(await importing(garbled)).message).toMatch(/garbled\.keras \(model\.weights\.h5\): not a readable HDF5 file/);
      const shortH5 = path.join(work, 'short.h5');
      fs.writeFileSync(shortH5, fs.readFileSync(path.join(FIXTURES, 'mlp.h5')).subarray(0, 30_000));
      expect(failure(await importing(shortH5)).message).toMatch(/short\.h5: /);

      expect(compareSnapshots(before, snapshotTree(home))).toEqual({ changed: [], added: [] });
      expect(value<unknown[]>(await dispatch(studio.handlers, 'models:list', {}, { shell: 'cli' }))).toEqual([]);
    } finally {
      await studio.close();
    }
  });
});
