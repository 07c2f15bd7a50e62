/**
 * Issue 16: the `.keras` export. It loads in Keras (`keras.saving.load_model`)
 * and predicts what the studio predicts, on raw pixels (the normalisation
 * is inside, as a Rescaling layer); and the studio imports it back to the
 * same network, weights and normalisation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS } from '../../../src/shared/hyperparams';
import type { ModelSpec } from '../../../src/shared/model-spec';
import type { ImportedModel, ModelExport } from '../../../src/shared/models';
import type { ModelDownload } from '../../../src/shared/models-api';
import type { Result } from '../../../src/shared/result';
import { dispatch } from '../../../src/main/dispatch';
import { readModelFolder } from '../../../src/main/models/store';
import { loadTf } from '../../../src/main/native';
import { createStudio } from '../../../src/main/studio';
import { kerasPython, runPython } from '../../helpers/keras-python';
import { realDigits } from '../../helpers/mnist-fixture';
import { saveToLibrary, testMetadata, trainBriefly } from '../../helpers/models';
import { tmpDir } from '../../helpers/tmp';
import { homeWithFixture } from '../../helpers/training';

const tf = loadTf();
const python = kerasPython();
/** Test digits fed to both sides. */
const FROM = 9000;
const COUNT = 64;

/** Every layer type the registry has, with strides, both paddings and every activation. */
const WIDE: ModelSpec = {
  name: 'wide',
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
    { type: 'batchNormalization', momentum: 0.9, epsilon: 0.001 },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'tanh' },
    { type: 'averagePooling2d', poolSize: 2, strides: 1 },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.2 },
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
const MLP: ModelSpec = {
  name: 'mlp',
  layers: [{ type: 'flatten' }, { type: 'dense', units: 24, activation: 'relu' }, { type: 'dense', units: 10, activation: 'linear' }],
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
  const out = model.predict(tf.tensor4d(pixels, [COUNT, 28, 28, 1])) as ReturnType<typeof tf.tensor2d>;
  const rows = await out.array();
  model.dispose();
  return rows;
}

/** Three trained models in a fresh library: the MNIST normalisation on two, pixels / 255 on one. */
async function libraryWithModels(): Promise<{ home: string; ids: string[] }> {
  const home = tmpDir();
  const ids: string[] = [];
  for (const [i, spec] of [WIDE, GLOBAL, MLP].entries()) {
    const model = await trainBriefly(tf, spec, 512, 1, i + 1);
    const id = `keras-${spec.name}`;
    await saveToLibrary(tf, model, home, testMetadata(id, spec, spec === MLP ? { normalization: { mean: 0, std: 1 } } : {}));
    model.dispose();
    ids.push(id);
  }
  return { home, ids };
}

const PREDICT = `
import sys, json, numpy as np, keras
pixels = np.fromfile(sys.argv[1], dtype=np.uint8).astype(np.float32).reshape(-1, 28, 28, 1)
out = {}
for f in sys.argv[2:]:
    model = keras.saving.load_model(f)
    out[f] = {"logits": model.predict(pixels, verbose=0).tolist(), "layers": [l.__class__.__name__ for l in model.layers]}
print(json.dumps(out))
`;

describe('Keras code export (issue 16)', () => {
  it.skipIf(!python)(
    'writes a Keras script of the network and the run’s settings that trains in Keras and saves a model the studio imports back',
    { timeout: 240_000 },
    async () => {
      const home = homeWithFixture('digits', tmpDir());
      const studio = createStudio({ home, shell: 'web' });
      const out = tmpDir();
      try {
        const model = await trainBriefly(tf, WIDE, 128, 1, 5);
        const dataset = { id: 'digits', name: 'digits', classNames: [...'0123456789'], trainCount: 8000, validationCount: 0, testCount: 2000, digests: {} };
        const hyperparams = { ...DEFAULT_HYPERPARAMS, seed: 7, epochs: 3, batchSize: 32, optimizer: 'momentum' as const, learningRate: 0.02, validationSplit: 0.1, limit: 4000 };
        await saveToLibrary(tf, model, home, testMetadata('wide', WIDE, { hyperparams, dataset, runId: 'run-1' }));
        model.dispose();
        const script = path.join(out, 'wide.py');
        value<ModelExport>(await dispatch(studio.handlers, 'models:export', { id: 'wide', format: 'keras-code', path: script }, { shell: 'cli' }));
        const text = fs.readFileSync(script, 'utf8');
        expect(text).toContain('keras.optimizers.SGD(learning_rate=0.02, momentum=0.9)');
        expect(text).toContain('EPOCHS, BATCH_SIZE, LEARNING_RATE, SEED = 3, 32, 0.02, 7');
        expect(text).toContain('MEAN, STD = 0.1307, 0.3081');
        expect(text).toContain(`DEFAULT_DATA = ${JSON.stringify(path.join(home, 'datasets', 'digits'))}`);
        expect(text).toContain('keras.layers.BatchNormalization(axis=-1, momentum=0.9, epsilon=0.001, center=True, scale=True)');

        // A few steps in Keras, on the data set the run used (the script's default --data).
        const trained = path.join(out, 'trained.keras');
        const run = await runPython(
          python!,
          `import runpy, sys; sys.argv = ${JSON.stringify([script, '--epochs', '1', '--steps', '5', '--out', trained])}; runpy.run_path(sys.argv[0], run_name="__main__")`,
          [],
        );
        expect(run).toMatch(/test accuracy: 0\.\d{4} on 2000 images/);
        const back = value<ImportedModel>(await dispatch(studio.handlers, 'models:import', { path: trained, normalization: 'unit' }, { shell: 'cli' }));
        expect((await readModelFolder(home, back.id)).metadata.spec.layers).toEqual(WIDE.layers);
      } finally {
        await studio.close();
      }
    },
  );
});

describe('.keras export (issue 16)', () => {
  it('imports back into the studio: the same network, weights and normalisation', { timeout: 120_000 }, async () => {
    const { home, ids } = await libraryWithModels();
    const studio = createStudio({ home, shell: 'web' });
    const out = tmpDir();
    try {
      for (const id of ids) {
        const file = path.join(out, `${id}.keras`);
        const written = value<ModelExport>(await dispatch(studio.handlers, 'models:export', { id, format: 'keras', path: file }, { shell: 'cli' }));
        expect(written).toMatchObject({ format: 'keras', path: file });
        expect(written.bytes).toBe(fs.statSync(file).size);
        const back = value<ImportedModel>(await dispatch(studio.handlers, 'models:import', { path: file }, { shell: 'cli' }));
        const original = await readModelFolder(home, id);
        const again = await readModelFolder(home, back.id);
        expect(again.metadata.spec.layers).toEqual(original.metadata.spec.layers);
        expect(again.metadata.normalization.mean).toBeCloseTo(original.metadata.normalization.mean, 9);
        expect(again.metadata.normalization.std).toBeCloseTo(original.metadata.normalization.std, 9);
        expect(Buffer.from(again.artifacts.weightData as ArrayBuffer).equals(Buffer.from(original.artifacts.weightData as ArrayBuffer))).toBe(true);
      }
      // A browser downloads the same file.
      const download = value<ModelDownload>(await dispatch(studio.handlers, 'models:download', { id: ids[2]!, format: 'keras' }, { shell: 'web' }));
      expect(download.fileName).toMatch(/\.keras$/);
      expect(Buffer.from(download.data).subarray(0, 2).toString()).toBe('PK');
      // An export over something there needs overwrite.
      const refused = await dispatch(studio.handlers, 'models:export', { id: ids[0]!, format: 'keras', path: path.join(out, `${ids[0]!}.keras`) }, { shell: 'cli' });
      expect(refused.ok).toBe(false);
    } finally {
      await studio.close();
    }
  });

  it.skipIf(!python)('loads in Keras (keras.saving.load_model) and predicts what the studio predicts, on raw pixels', { timeout: 240_000 }, async () => {
    const { home, ids } = await libraryWithModels();
    const studio = createStudio({ home, shell: 'web' });
    const out = tmpDir();
    try {
      const files = [];
      for (const id of ids) {
        const file = path.join(out, `${id}.keras`);
        value<ModelExport>(await dispatch(studio.handlers, 'models:export', { id, format: 'keras', path: file }, { shell: 'cli' }));
        files.push(file);
      }
      const pixelsFile = path.join(out, 'pixels.u8');
      fs.writeFileSync(pixelsFile, realDigits().images.subarray(FROM * 784, (FROM + COUNT) * 784));
      const answer = JSON.parse(await runPython(python!, PREDICT, [pixelsFile, ...files])) as Record<string, { logits: number[][]; layers: string[] }>;
      for (const [i, id] of ids.entries()) {
        const keras = answer[files[i]!]!;
        expect(keras.layers[0]).toBe('Rescaling');
        const ours = await studioLogits(home, id);
        let worst = 0;
        ours.forEach((row, r) => {
          const theirs = keras.logits[r]!;
          expect(theirs.indexOf(Math.max(...theirs)), `${id} image ${r}`).toBe(row.indexOf(Math.max(...row)));
          row.forEach((v, c) => (worst = Math.max(worst, Math.abs(v - theirs[c]!))));
        });
        console.log(`${id}: Keras's logits within ${worst.toExponential(2)} of the studio's on ${COUNT} digits`);
        expect(worst, id).toBeLessThan(1e-4);
      }
    } finally {
      await studio.close();
    }
  });
});
