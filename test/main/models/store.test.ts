import fs from 'node:fs';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-node';
import { describe, expect, it } from 'vitest';
import { presetSpec } from '../../../src/shared/model-spec';
import { MODEL_FILES, type ModelMetadata } from '../../../src/shared/models';
import { modelDir, modelsDir, readModelFolder, saveModelFolder } from '../../../src/main/models/store';
import { loadTf } from '../../../src/main/native';
import { buildModel } from '../../../src/main/trainer/model';
import { seededRandom } from '../../../src/main/trainer/random';
import { tmpDir } from '../../helpers/tmp';

const tf = loadTf();

function metadata(id: string): ModelMetadata {
  return {
    formatVersion: 1,
    id,
    name: 'mlp · test',
    createdAt: new Date().toISOString(),
    spec: presetSpec('mlp'),
    inputShape: [28, 28, 1],
    normalization: { mean: 0.1307, std: 0.3081 },
    hyperparams: {
      epochs: 1,
      batchSize: 64,
      learningRate: 0.001,
      optimizer: 'adam',
      loss: 'cross-entropy',
      validationSplit: 0,
      logEvery: 100,
      seed: 1,
      normalization: { mean: 0.1307, std: 0.3081 },
    },
    dataset: { id: 'x', name: 'x', classNames: [], trainCount: 0, validationCount: 0, testCount: 0, digests: {} },
    params: 109_386,
    testAccuracy: 0.5,
    testLoss: 1,
    runId: null,
    parentModelId: null,
    importedFrom: null,
    stoppedEarly: false,
    app: '0.0.0',
    tfjs: '4.22.0',
  };
}

describe('model folders', () => {
  it('save atomically and load back, by file:// and from memory, with the same predictions', async () => {
    const home = tmpDir();
    const model = buildModel(tf, presetSpec('mlp'), seededRandom(4));
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        await saveModelFolder(home, metadata('m1'), artifacts);
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    expect(fs.readdirSync(modelsDir(home))).toEqual(['m1']);
    expect(fs.readdirSync(modelDir(home, 'm1')).sort()).toEqual(Object.values(MODEL_FILES).sort());

    const x = tf.randomUniform([5, 28, 28, 1], -1, 2, 'float32', 3);
    const expected = (model.predict(x) as Tensor).dataSync();
    const fromFile = await tf.loadLayersModel(`file://${path.join(modelDir(home, 'm1'), MODEL_FILES.topology)}`);
    expect((fromFile.predict(x) as Tensor).dataSync()).toEqual(expected);
    const { metadata: meta, artifacts } = await readModelFolder(home, 'm1');
    expect(meta.id).toBe('m1');
    const fromMemory = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    expect((fromMemory.predict(x) as Tensor).dataSync()).toEqual(expected);

    // A second save under the same id is refused and leaves nothing half-written beside the first.
    await expect(saveModelFolder(home, metadata('m1'), artifacts)).rejects.toMatchObject({ code: 'IO' });
    expect(fs.readdirSync(modelsDir(home))).toEqual(['m1']);
    await expect(readModelFolder(home, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    for (const m of [model, fromFile, fromMemory]) m.dispose();
  });
});
