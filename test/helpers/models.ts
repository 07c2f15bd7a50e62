import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import { MNIST_NORMALIZATION } from '../../src/shared/hyperparams';
import { describeModel, type ModelSpec } from '../../src/shared/model-spec';
import type { ModelMetadata } from '../../src/shared/models';
import { saveModelFolder } from '../../src/main/models/store';
import type { Tf } from '../../src/main/native';
import { normalizePixels } from '../../src/main/trainer/data';
import { buildModel } from '../../src/main/trainer/model';
import { seededRandom } from '../../src/main/trainer/random';
import { realDigits } from './mnist-fixture';

/** Metadata of a model made in a test: as the trainer writes it, with no run behind it. */
export function testMetadata(id: string, spec: ModelSpec, overrides: Partial<ModelMetadata> = {}): ModelMetadata {
  return {
    formatVersion: 1,
    id,
    name: `${spec.name} · test`,
    createdAt: new Date().toISOString(),
    spec,
    inputShape: [28, 28, 1],
    normalization: { ...MNIST_NORMALIZATION },
    hyperparams: null,
    dataset: null,
    params: describeModel(spec).params,
    testAccuracy: null,
    testLoss: null,
    runId: null,
    parentModelId: null,
    importedFrom: null,
    stoppedEarly: false,
    app: '0.0.0-test',
    tfjs: '4.22.0',
    ...overrides,
  };
}

/** Real digits `[from, from + count)` of the fixture, normalised as the library's models expect, as a [count, 28, 28, 1] tensor. */
export function digitTensor(tf: Tf, from: number, count: number): Tensor {
  const digits = realDigits();
  return tf.tensor4d(normalizePixels(digits.images.subarray(from * 784, (from + count) * 784), MNIST_NORMALIZATION), [count, 28, 28, 1]);
}

/** A model of `spec` trained briefly (`epochs` on `count` real digits, Adam), so its weights are a trained model's and not the initialiser's. */
export async function trainBriefly(tf: Tf, spec: ModelSpec, count = 512, epochs = 1, seed = 1): Promise<LayersModel> {
  const model = buildModel(tf, spec, seededRandom(seed));
  const digits = realDigits();
  const x = digitTensor(tf, 0, count);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(digits.labels.subarray(0, count)), 'int32'), 10).toFloat();
  model.compile({ optimizer: tf.train.adam(0.003), loss: (labels: Tensor, logits: Tensor) => tf.losses.softmaxCrossEntropy(labels, logits) });
  await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  x.dispose();
  y.dispose();
  return model;
}

/** Saves a tfjs model into the library of `home` as model `id`. */
export async function saveToLibrary(tf: Tf, model: LayersModel, home: string, metadata: ModelMetadata): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      await saveModelFolder(home, metadata, artifacts);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}
