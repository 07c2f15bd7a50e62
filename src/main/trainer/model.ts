/**
 * From a spec to a tfjs-layers model, and the functions training and
 * evaluation call on it. The model is an ordinary Sequential model, so it
 * saves, loads and exports with the standard TF.js tools.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import type { LossName } from '@shared/hyperparams';
import { INPUT_SHAPE, type LayerSpec, type ModelSpec } from '@shared/model-spec';
import type { Tf } from '../native';
import { mainLayer } from './layers';
import { nextSeed } from './random';

function buildLayer(tf: Tf, spec: LayerSpec, first: boolean, rand: () => number, name: string | undefined) {
  const input = { ...(first ? { inputShape: [...INPUT_SHAPE] } : {}), ...(name ? { name } : {}) };
  // tfjs initialisers without a seed draw from Math.random: give each one its own.
  return mainLayer(spec).build(spec, { tf, input, kernelInitializer: () => tf.initializers.glorotNormal({ seed: nextSeed(rand) }) });
}

/**
 * A Sequential model for a checked spec, its weights drawn from `rand`.
 * Its layers get tfjs's automatic names (dense_Dense1, …, counted per
 * process) unless `names` is given: then `<names>_<index>`, which takes
 * none of them (for models that are never saved, built before a run's).
 */
export function buildModel(tf: Tf, spec: ModelSpec, rand: () => number, names?: string): LayersModel {
  return tf.sequential({
    name: spec.name.replace(/[^A-Za-z0-9_]/g, '_'),
    layers: spec.layers.map((layer, i) => buildLayer(tf, layer, i === 0, rand, names ? `${names}_${i}` : undefined)),
  });
}

/** Logits for a batch of images, [n, 28, 28, 1] → [n, 10]. */
export type Forward = (x: Tensor) => Tensor;

/** Inference: every layer as saved; dropout does nothing. */
export function inferenceForward(model: LayersModel): Forward {
  return (x) => model.apply(x, { training: false }) as Tensor;
}

/**
 * Training: the model's layers in order, each with `training: true` (a
 * batch norm normalises by the batch and moves its statistics), or the
 * layer module's own training forward (dropout, with masks drawn from `rand`).
 */
export function trainingForward(tf: Tf, model: LayersModel, spec: ModelSpec, rand: () => number): Forward {
  const layers = model.layers;
  if (layers.length !== spec.layers.length) throw new Error(`model has ${layers.length} layers, its spec ${spec.layers.length}`);
  const steps = spec.layers.map((layerSpec, i): Forward => {
    const own = mainLayer(layerSpec).trainingForward?.(layerSpec, tf, rand);
    if (own) return own;
    const layer = layers[i]!;
    return (x) => layer.apply(x, { training: true }) as Tensor;
  });
  return (x) => steps.reduce((h, step) => step(h), x);
}

/** Mean loss of a batch from its logits and one-hot labels. */
export type LossFn = (labels: Tensor, logits: Tensor) => Tensor;

export function lossFunction(tf: Tf, loss: LossName): LossFn {
  switch (loss) {
    case 'cross-entropy':
      return (labels, logits) => tf.losses.softmaxCrossEntropy(labels, logits);
    case 'mse':
      return (labels, logits) => tf.losses.meanSquaredError(labels, tf.softmax(logits));
    default: {
      const never: never = loss;
      throw new Error(`unknown loss ${String(never)}`);
    }
  }
}
