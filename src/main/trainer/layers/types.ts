/**
 * One layer type, its TF side: the tfjs-layers construction, the native
 * path's forward and backward, and the ONNX and Keras mappings. Its pure
 * twin (schema, shape rule, weights) is in src/shared/layers/; index.ts
 * registers one of these for every shared type.
 */
import type { layers as tfLayers, Tensor } from '@tensorflow/tfjs-node';
import type { LayerSpec } from '@shared/model-spec';
import type { Tf } from '../../native';
import type { KernelChoices } from '../native/kernel-choice';
import type { NativeLayer, Param } from '../native/layer';
import type { NativeScope } from '../native/scope';
import type { OnnxGraph } from './onnx-graph';

/** What a layer's tfjs-layers construction gets. */
export interface BuildContext {
  tf: Tf;
  /**
   * `{ inputShape }` for the first layer, else empty; with `name` when the
   * model's layers are named (a warm trainer's warm-up models, which must
   * not take the automatic names a run's model gets, as saved in model.json).
   */
  input: { inputShape?: number[]; name?: string };
  /** A seeded initialiser for a kernel (tfjs's own would draw from Math.random). */
  kernelInitializer: () => ReturnType<Tf['initializers']['glorotNormal']>;
}

/** What a layer's native forward and backward get. */
export interface NativeContext {
  s: NativeScope;
  tf: Tf;
  idOf: (t: Tensor) => number;
  /** Its input and output shape (without the batch). */
  input: number[];
  output: number[];
  /** Its declared weights as variables, in order (see the shared module's `weights`). */
  params: Param[];
  prev: LayerSpec | undefined;
  next: LayerSpec | undefined;
  /** Whether a layer with weights comes before it (only then is its input gradient asked for). */
  backprop: boolean;
  /** Whether it is the first layer (a leading flatten is done on the whole split). */
  first: boolean;
  dropoutRand: () => number;
  /** Which formulation of a kernel to train with, by shape (measured once). */
  kernels: KernelChoices;
  /** Whether steps run as graphs (graph.ts): TensorFlow's stock ops then fuse and win over hand-made formulations. */
  graphs: boolean;
  /** Called after every step (to free what a layer drew in JavaScript). */
  afterStep: (fn: () => void) => void;
}

/** What a layer's ONNX mapping gets. */
export interface OnnxContext {
  g: OnnxGraph;
  /** Node names start with it: `l<n>_<type>`. */
  prefix: string;
  input: number[];
  /** Its declared weights, in order, as TF.js stores them. */
  weights: Float32Array[];
}

/** The class and config Keras (and tfjs-layers) write for it. */
export interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
}

export interface MainLayerDef<S extends LayerSpec> {
  readonly type: S['type'];
  build(layer: S, ctx: BuildContext): tfLayers.Layer;
  /** Its training forward on the layers path when not the tfjs layer's own with `training: true` (dropout draws its masks from the run's seeds). */
  trainingForward?(layer: S, tf: Tf, rand: () => number): (x: Tensor) => Tensor;
  native(layer: S, ctx: NativeContext): NativeLayer;
  onnx(layer: S, ctx: OnnxContext): void;
  keras(layer: S): KerasLayer;
  /**
   * The PyTorch modules that compute it, as Python expressions (`nn.…`, or a
   * helper class the script defines: see src/main/models/pytorch-code.ts),
   * on NCHW tensors; `input` is its input shape as the studio has it (NHWC,
   * without the batch).
   */
  pytorch(layer: S, input: number[]): string[];
}
