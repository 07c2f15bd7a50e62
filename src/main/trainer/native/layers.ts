/** The native forward and backward of the layers without a convolution: dense, max pooling, flatten, dropout. */
import type { Tensor } from '@tensorflow/tfjs-node';
import type { Activation, LayerSpec } from '@shared/model-spec';
import type { Tf } from '../../native';
import { nextSeed } from '../random';
import type { NativeAttr } from './binding';
import { ActivationOps, type NativeLayer, type Param } from './layer';
import type { NativeScope } from './scope';
import { poolWindowAttrs } from './pooling';

export class DenseLayer implements NativeLayer {
  private readonly act: ActivationOps;
  private readonly mm: NativeAttr[][];
  private readonly biasAttrs: NativeAttr[];
  private x = -1;
  private kernel = -1;
  private y = -1;
  constructor(
    private readonly s: NativeScope,
    readonly params: Param[],
    activation: Activation,
  ) {
    this.act = new ActivationOps(s, activation);
    const a = s.a;
    const mm = (ta: boolean, tb: boolean) => [a.type('T', a.F), a.bool('transpose_a', ta), a.bool('transpose_b', tb)];
    this.mm = [mm(false, false), mm(true, false), mm(false, true)];
    this.biasAttrs = [a.type('T', a.F), a.str('data_format', 'NHWC')];
  }
  forward(x: number): number {
    const s = this.s;
    this.x = x;
    this.kernel = s.read(this.params[0]!.handle);
    const z = s.op('BiasAdd', this.biasAttrs, [s.op('MatMul', this.mm[0]!, [x, this.kernel]), s.read(this.params[1]!.handle)]);
    this.y = this.act.forward(z);
    return this.y;
  }
  backward(dy: number, grads: number[], needInput: boolean): number {
    const s = this.s;
    const dz = this.act.backward(dy, this.y);
    grads[this.params[0]!.slot] = s.op('MatMul', this.mm[1]!, [this.x, dz]);
    grads[this.params[1]!.slot] = s.op('BiasAddGrad', this.biasAttrs, [dz]);
    return needInput ? s.op('MatMul', this.mm[2]!, [dz, this.kernel]) : -1;
  }
}

/**
 * Max pooling. When a gradient must flow back through it, the forward pass
 * keeps where each maximum came from (MaxPoolWithArgmax) and the backward
 * pass scatters to there (MaxPoolGradWithArgmax): TF's MaxPoolGrad would
 * find the maxima again. On the CPU both use the same argmax helper, so
 * ties go to the same element.
 */
export class MaxPoolLayer implements NativeLayer {
  readonly params: Param[] = [];
  private readonly attrs: NativeAttr[];
  private x = -1;
  private argmax = -1;
  constructor(
    private readonly s: NativeScope,
    spec: Extract<LayerSpec, { type: 'maxPooling2d' }>,
    /** Whether a trainable layer comes before it (only then is its gradient asked for). */
    private readonly backprop: boolean,
  ) {
    const a = s.a;
    this.attrs = [...poolWindowAttrs(s, spec), ...(backprop ? [a.type('Targmax', s.b.TF_INT64), a.bool('include_batch_in_index', false)] : [a.str('data_format', 'NHWC')])];
  }
  forward(x: number): number {
    this.x = x;
    if (!this.backprop) return this.s.op('MaxPool', this.attrs, [x]);
    const [y, argmax] = this.s.op2('MaxPoolWithArgmax', this.attrs, [x]);
    this.argmax = argmax;
    return y;
  }
  backward(dy: number, _grads: number[], needInput: boolean): number {
    return needInput ? this.s.op('MaxPoolGradWithArgmax', this.attrs, [this.x, dy, this.argmax]) : -1;
  }
}

/** Flatten and its gradient are reshapes (no copy in TF). */
export class FlattenLayer implements NativeLayer {
  readonly params: Param[] = [];
  private readonly attrs: NativeAttr[];
  private readonly flat: number;
  private readonly unflat: number;
  constructor(
    private readonly s: NativeScope,
    inputShape: number[],
  ) {
    this.attrs = [s.a.type('T', s.a.F), s.a.type('Tshape', s.a.I)];
    this.flat = s.constantI([2], [-1, inputShape.reduce((p, d) => p * d, 1)]);
    this.unflat = s.constantI([inputShape.length + 1], [-1, ...inputShape]);
  }
  forward(x: number): number {
    return this.s.op('Reshape', this.attrs, [x, this.flat]);
  }
  backward(dy: number, _grads: number[], needInput: boolean): number {
    return needInput ? this.s.op('Reshape', this.attrs, [dy, this.unflat]) : -1;
  }
}

/**
 * Dropout with the layers path's very masks: tfjs's `dropout` multiplies by
 * floor(u + keep) / keep with u = randomUniform(shape, seed) drawn in
 * JavaScript; the same seed from the same stream gives the same u here.
 */
export class DropoutLayer implements NativeLayer {
  readonly params: Param[] = [];
  private readonly attrs: NativeAttr[];
  private readonly keep: number;
  private mask = -1;
  /** tfjs tensors of the step's uniform draws, disposed at the end of the step. */
  readonly draws: Tensor[] = [];
  constructor(
    private readonly s: NativeScope,
    private readonly tf: Tf,
    private readonly idOf: (t: Tensor) => number,
    private readonly rate: number,
    private readonly outputShape: number[],
    private readonly rand: () => number,
  ) {
    this.attrs = s.a.T;
    // tfjs adds and divides by the float32 scalar of 1 − rate.
    this.keep = s.constantF([], [1 - rate]);
  }
  forward(x: number, batch: number, training: boolean): number {
    this.mask = -1;
    if (!training || this.rate === 0) return x;
    const u = this.tf.randomUniform([batch, ...this.outputShape], 0, 1, 'float32', nextSeed(this.rand));
    this.draws.push(u);
    const s = this.s;
    this.mask = s.op('RealDiv', this.attrs, [s.op('Floor', this.attrs, [s.op('AddV2', this.attrs, [this.idOf(u), this.keep])]), this.keep]);
    return s.op('Mul', this.attrs, [x, this.mask]);
  }
  backward(dy: number, _grads: number[], needInput: boolean): number {
    if (!needInput) return -1;
    return this.mask === -1 ? dy : this.s.op('Mul', this.attrs, [dy, this.mask]);
  }
}
