/**
 * The library's work that needs TensorFlow, run inside a trainer process
 * (never in main): load a saved model, evaluate it on a test set, classify
 * an image. Answers are plain data; tensors stay here.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import { DIGIT_CLASSES, IMAGE_SIZE } from '@shared/datasets';
import type { Embedding } from '@shared/embed';
import { MODEL_FILES, type ModelMetadata, type Prediction } from '@shared/models';
import { mnistPreprocess, toGrayscale } from '@shared/preprocess';
import { StudioError } from '@shared/result';
import type { Evaluation } from '@shared/training';
import { loadDataset } from '../datasets/load';
import { decodeImage, ImageError } from '../models/image';
import { modelDir, readModelFolder } from '../models/store';
import type { Tf } from '../native';
import { normalizePixels, splitTensors } from './data';
import { embedWith } from './embed';
import { predictSplit } from './evaluate';
import { explainWith, firstLayerOf } from './explain';
import { failureReason } from './failure';
import { buildEvaluation } from './metrics';
import { inferenceForward, lossFunction } from './model';
import type { ModelTask, TaskReply } from './protocol';

/** A library model loaded into tfjs, with what it was saved with. */
export interface LoadedModel {
  model: LayersModel;
  metadata: ModelMetadata;
}

/** Loads a library folder into a tfjs model (from memory: the folder was read and checked as plain files first). */
export async function loadLibraryModel(tf: Tf, home: string, id: string): Promise<LoadedModel> {
  const { metadata, artifacts } = await readModelFolder(home, id);
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return { model, metadata };
}

/** Sets `model`'s weights to those of library model `id` (same network: fine-tuning). */
export async function copyWeightsFrom(tf: Tf, model: LayersModel, home: string, id: string): Promise<void> {
  const parent = await loadLibraryModel(tf, home, id);
  try {
    const weights = parent.model.getWeights();
    const mine = model.getWeights();
    if (weights.length !== mine.length || weights.some((w, i) => w.shape.join() !== mine[i]!.shape.join())) {
      throw new StudioError('INVALID_ARGUMENT', `model ${id} has another network than the run's; fine-tuning keeps the network`, 'fromModel');
    }
    model.setWeights(weights);
  } finally {
    parent.model.dispose();
  }
}

/** Models this worker has loaded, keyed by folder and the weights' change time: drawing digit after digit reuses one load. */
const cache = new Map<string, { stamp: number; loaded: LoadedModel }>();
const CACHE_SIZE = 4;

async function cachedModel(tf: Tf, home: string, id: string): Promise<LoadedModel> {
  const key = path.join(home, id);
  let stamp: number;
  try {
    stamp = Math.max(...Object.values(MODEL_FILES).map((f) => fs.statSync(path.join(modelDir(home, id), f)).mtimeMs));
  } catch {
    cache.get(key)?.loaded.model.dispose();
    cache.delete(key);
    throw new StudioError('NOT_FOUND', `no model ${id} in ${path.dirname(modelDir(home, id))}`, 'id');
  }
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit.loaded;
  hit?.loaded.model.dispose();
  const loaded = await loadLibraryModel(tf, home, id);
  cache.delete(key);
  cache.set(key, { stamp, loaded });
  for (const [k, v] of cache) {
    if (cache.size <= CACHE_SIZE) break;
    v.loaded.model.dispose();
    cache.delete(k);
  }
  return loaded;
}

/** The test-set evaluation a run ends with, for a saved model on any dataset. */
export async function evaluateModel(tf: Tf, task: Extract<ModelTask, { kind: 'evaluate' }>): Promise<Evaluation> {
  const { model, metadata } = await cachedModel(tf, task.home, task.modelId);
  const dataset = await loadDataset('id' in task.dataset ? { home: task.home, id: task.dataset.id } : { dir: task.dataset.dir });
  const test = splitTensors(tf, dataset.test, metadata.normalization);
  try {
    // The loss the model was trained with, so the figure matches its run's; cross-entropy for an imported one.
    const loss = lossFunction(tf, metadata.hyperparams?.loss ?? 'cross-entropy');
    const result = predictSplit(tf, inferenceForward(model), loss, test);
    return buildEvaluation(result.labels, result.predicted, result.loss, dataset.classNames);
  } finally {
    test.x.dispose();
    test.y.dispose();
  }
}

/** A model in memory and what it needs to be fed: a library model, or the one a run is training. */
export interface ScoringModel {
  model: LayersModel;
  normalization: ModelMetadata['normalization'];
  classNames: readonly string[];
  /** Brings `model` up to date first: a run on the native path keeps its weights in native variables between syncs. */
  sync?: () => void;
}

/** What a prediction is asked: the image and whether to apply MNIST's preprocessing. */
export type PredictRequest = Pick<Extract<ModelTask, { kind: 'predict' }>, 'image' | 'preprocess'>;

/** Ten probabilities for one image with a model in memory, and the 28×28 it saw. */
export function predictWith(tf: Tf, scoring: ScoringModel, request: PredictRequest): Prediction {
  const { model, normalization } = scoring;
  const { image } = request;
  let gray;
  try {
    gray = 'pixels' in image ? toGrayscale(image.pixels.data, image.pixels.width, image.pixels.height, image.pixels.channels) : decodeImage(image.encoded);
  } catch (err) {
    if (err instanceof ImageError) throw new StudioError('INVALID_ARGUMENT', `image: ${err.message}`, 'image');
    throw err;
  }
  let input: Uint8Array;
  let inkBox: Prediction['inkBox'] = null;
  if (request.preprocess) {
    const pre = mnistPreprocess(gray);
    input = pre.pixels;
    inkBox = pre.inkBox;
  } else {
    if (gray.width !== IMAGE_SIZE || gray.height !== IMAGE_SIZE) {
      throw new StudioError('INVALID_ARGUMENT', `image: without preprocessing it must be ${IMAGE_SIZE}×${IMAGE_SIZE}, not ${gray.width}×${gray.height}`, 'image');
    }
    input = gray.data;
  }
  const probabilities = tf.tidy(() => {
    const x = tf.tensor4d(normalizePixels(input, normalization), [1, IMAGE_SIZE, IMAGE_SIZE, 1]);
    return tf.softmax(model.apply(x, { training: false }) as Tensor);
  });
  const values = Array.from(probabilities.dataSync());
  probabilities.dispose();
  const predicted = values.indexOf(Math.max(...values));
  return { probabilities: values, predicted, classNames: [...scoring.classNames], input, inkBox };
}

/** Ten probabilities for one image, and the 28×28 the model saw. */
export async function predictImage(tf: Tf, task: Extract<ModelTask, { kind: 'predict' }>): Promise<Prediction> {
  const { model, metadata } = await cachedModel(tf, task.home, task.modelId);
  return predictWith(tf, { model, normalization: metadata.normalization, classNames: metadata.dataset?.classNames ?? DIGIT_CLASSES }, task);
}

/** The test set of an installed data set as a map of the model's penultimate activations. */
export async function embedModel(tf: Tf, task: Extract<ModelTask, { kind: 'embed' }>): Promise<Embedding> {
  const { model, metadata } = await cachedModel(tf, task.home, task.modelId);
  const dataset = await loadDataset({ home: task.home, id: task.dataset.id });
  return embedWith(tf, {
    modelId: task.modelId,
    model,
    normalization: metadata.normalization,
    dataset,
    test: dataset.test,
    method: task.method,
    limit: task.limit,
    seed: task.seed,
  });
}

/** Runs one task and sends its reply; every failure becomes an error reply, never a dead worker. */
export async function serveTask(
  tf: Tf,
  message: { id: number; task: ModelTask },
  send: (reply: TaskReply) => Promise<void>,
  /** The model a training process is training, once built (null in a library worker, or before the run has built it). */
  live: () => ScoringModel | null = () => null,
): Promise<void> {
  let reply: TaskReply;
  try {
    const task = message.task;
    let value: unknown;
    switch (task.kind) {
      case 'evaluate':
        value = await evaluateModel(tf, task);
        break;
      case 'predict':
        value = await predictImage(tf, task);
        break;
      case 'embed':
        value = await embedModel(tf, task);
        break;
      case 'explain': {
        const start = performance.now();
        const { model, metadata } = await cachedModel(tf, task.home, task.modelId);
        const scoring = { model, normalization: metadata.normalization, classNames: metadata.dataset?.classNames ?? DIGIT_CLASSES };
        value = explainWith(tf, scoring, predictWith(tf, scoring, task), task, start);
        break;
      }
      case 'first-layer':
        value = firstLayerOf((await cachedModel(tf, task.home, task.modelId)).model, task.limit);
        break;
      case 'predict-live': {
        const scoring = live();
        if (!scoring) throw new StudioError('UNAVAILABLE', 'the run has no model yet: it is still loading its data', 'runId');
        scoring.sync?.();
        value = predictWith(tf, scoring, task);
        break;
      }
      case 'explain-live': {
        const start = performance.now();
        const scoring = live();
        if (!scoring) throw new StudioError('UNAVAILABLE', 'the run has no model yet: it is still loading its data', 'runId');
        scoring.sync?.();
        value = explainWith(tf, scoring, predictWith(tf, scoring, task), task, start);
        break;
      }
      case 'first-layer-live': {
        const scoring = live();
        if (!scoring) throw new StudioError('UNAVAILABLE', 'the run has no model yet: it is still loading its data', 'runId');
        scoring.sync?.();
        value = firstLayerOf(scoring.model, task.limit);
        break;
      }
      default: {
        const never: never = task;
        throw new Error(`unknown task ${JSON.stringify(never)}`);
      }
    }
    reply = { kind: 'task-reply', id: message.id, ok: true, value };
  } catch (err) {
    const error = err instanceof StudioError ? err.toApiError() : { code: 'NATIVE' as const, message: failureReason(err) };
    reply = { kind: 'task-reply', id: message.id, ok: false, error };
  }
  await send(reply);
}
