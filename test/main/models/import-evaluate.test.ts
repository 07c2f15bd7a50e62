import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportedModel, ModelEntry } from '../../../src/shared/models';
import type { Result } from '../../../src/shared/result';
import { dispatch } from '../../../src/main/dispatch';
import { loadTf } from '../../../src/main/native';
import { createStudio } from '../../../src/main/studio';
import { buildModel } from '../../../src/main/trainer/model';
import { seededRandom } from '../../../src/main/trainer/random';
import { tmpDir } from '../../helpers/tmp';
import { homeWithFixture, requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

const tf = loadTf();
const SMALL = { name: 'small', layers: [{ type: 'flatten' as const }, { type: 'dense' as const, units: 10, activation: 'linear' as const }] };

function value<T>(result: Result<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

/** A TF.js layers folder as tfjs writes it, with a metadata.json beside it when given. */
async function modelFolder(metadata?: object): Promise<string> {
  const dir = tmpDir();
  const model = buildModel(tf, SMALL, seededRandom(3));
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const json = { modelTopology: a.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.from(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  model.dispose();
  if (metadata) fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(metadata));
  return dir;
}

describe('an imported model is scored on a test set (issue 15, item 6)', () => {
  it('on the data set the user names, on the one its metadata records, on none without either; a failed evaluation still imports', { timeout: 120_000 }, async () => {
    const home = homeWithFixture('digits', tmpDir());
    const studio = createStudio({ home, shell: 'web' });
    // A folder without metadata.json records no normalisation: the user names one, as the GUI asks and the CLI requires.
    const call = async (input: object, normalization: object = { normalization: 'unit' }) =>
      value<ImportedModel>(await dispatch(studio.handlers, 'models:import', { ...normalization, ...input }, { shell: 'cli' }));
    try {
      const chosen = await call({ path: await modelFolder(), name: 'chosen', dataset: 'digits' });
      expect(chosen).toMatchObject({ datasetId: 'digits', datasetName: 'digits', evaluationError: null });
      expect(chosen.testAccuracy).toEqual(expect.any(Number));
      expect(chosen.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(chosen.testAccuracy).toBeLessThanOrEqual(1);
      // Recorded on disk: the models table shows it from the metadata, after a restart too.
      const onDisk = JSON.parse(fs.readFileSync(path.join(home, 'models', chosen.id, 'metadata.json'), 'utf8')) as {
        dataset: { id: string; testCount: number };
        testAccuracy: number;
        testLoss: number;
      };
      expect(onDisk.dataset).toMatchObject({ id: 'digits', trainCount: 0 });
      expect(onDisk.dataset.testCount).toBeGreaterThan(0);
      expect(onDisk.testAccuracy).toBe(chosen.testAccuracy);
      expect(onDisk.testLoss).toEqual(expect.any(Number));

      // A studio export's metadata names its data set: that one is used, and its record (train count) kept.
      const recordedSet = {
        id: 'digits',
        name: 'Digits',
        classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        trainCount: 900,
        validationCount: 100,
        testCount: 10,
        digests: {},
      };
      const recorded = await call({ path: await modelFolder({ name: 'exported', dataset: recordedSet, normalization: { mean: 0, std: 1 } }) }, {});
      expect(recorded).toMatchObject({ name: 'exported', datasetId: 'digits', datasetName: 'Digits', evaluationError: null });
      expect(recorded.testAccuracy).toBe(chosen.testAccuracy);

      const plain = await call({ path: await modelFolder(), name: 'plain' });
      expect(plain).toMatchObject({ datasetId: null, testAccuracy: null, evaluationError: null });

      // Not installed: the model is imported all the same, and the answer says why it has no accuracy.
      const failed = await call({ path: await modelFolder(), name: 'failed', dataset: 'nope' });
      expect(failed).toMatchObject({ name: 'failed', datasetId: null, testAccuracy: null });
      expect(failed.evaluationError).toMatch(/dataset "nope" is not installed/);

      const list = value<ModelEntry[]>(await dispatch(studio.handlers, 'models:list', {}, { shell: 'cli' }));
      expect(list.map((m) => [m.name, m.datasetId, m.testAccuracy === null]).sort()).toEqual([
        ['chosen', 'digits', false],
        ['exported', 'digits', false],
        ['failed', null, true],
        ['plain', null, true],
      ]);
    } finally {
      await studio.close();
    }
  });
});
