/**
 * From a spec to a tfjs-layers model, and the functions training and
 * evaluation call on it. The model is an ordinary Sequential model, so it
 * saves, loads and exports with the standard TF.js tools.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import type { LossName } from '@shared/hyperparams';
import { INPUT_SHAPE, type LayerSpec, type ModelSpec } from '@shared/model-spec';
import type { Tf } from '../native';
import { nextSeed } from './random';

function buildLayer(tf: Tf, spec: LayerSpec, first: boolean, rand: () => number) {
  const input = first ? { inputShape: [...INPUT_SHAPE] } : {};
  // tfjs initialisers without a seed draw from Math.random: give each one its own.
  const kernelInitializer = () => tf.initializers.glorotNormal({ seed: nextSeed(rand) });
  switch (spec.type) {
    case 'dense':
      return tf.layers.dense({ ...input, units: spec.units, activation: spec.activation, kernelInitializer: kernelInitializer() });
    case 'conv2d':
      return tf.layers.conv2d({
        ...input,
        filters: spec.filters,
        kernelSize: spec.kernelSize,
        strides: spec.strides,
        padding: spec.padding,
        activation: spec.activation,
        kernelInitializer: kernelInitializer(),
      });
    case 'maxPooling2d':
      return tf.layers.maxPooling2d({ ...input, poolSize: spec.poolSize, strides: spec.strides ?? spec.poolSize });
    case 'flatten':
      return tf.layers.flatten(input);
    case 'dropout':
      // The layer only serves inference and saving (where it does nothing); training applies its own seeded dropout.
      return tf.layers.dropout({ ...input, rate: spec.rate });
    default: {
      const never: never = spec;
      throw new Error(`unknown layer ${JSON.stringify(never)}`);
    }
  }
}

/** A Sequential model for a checked spec, its weights drawn from `rand`. */
export function buildModel(tf: Tf, spec: ModelSpec, rand: () => number): LayersModel {
  return tf.sequential({ name: spec.name.replace(/[^A-Za-z0-9_]/g, '_'), layers: spec.layers.map((layer, i) => buildLayer(tf, layer, i === 0, rand)) });
}

/** Logits for a batch of images, [n, 28, 28, 1] → [n, 10]. */
export type Forward = (x: Tensor) => Tensor;

/** Inference: every layer as saved; dropout does nothing. */
export function inferenceForward(model: LayersModel): Forward {
  return (x) => model.apply(x, { training: false }) as Tensor;
}

/**
 * Training: the model's layers in order, with dropout masks drawn from
 * `rand`. tfjs's Dropout layer reuses a fixed seed on every call (the same
 * mask each batch) or, without one, Math.random; neither is what a
 * reproducible run wants.
 */
export function trainingForward(tf: Tf, model: LayersModel, spec: ModelSpec, rand: () => number): Forward {
  const layers = model.layers;
  if (layers.length !== spec.layers.length) throw new Error(`model has ${layers.length} layers, its spec ${spec.layers.length}`);
  const steps = spec.layers.map((layerSpec, i): Forward => {
    if (layerSpec.type === 'dropout') {
      const rate = layerSpec.rate;
      return (x) => (rate === 0 ? x : tf.dropout(x, rate, undefined, nextSeed(rand)));
    }
    const layer = layers[i]!;
    return (x) => layer.apply(x) as Tensor;
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
