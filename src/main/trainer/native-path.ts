/**
 * The native training path: one training step as ~30 stock TensorFlow ops
 * called through tfjs-node's binding, instead of the ~160 ops and ~200
 * kernels a tfjs-layers step costs. Forward and backward passes are
 * written out per layer (MatMul/BiasAdd, Conv2D and its two backprops,
 * max pooling, the activations and their grad ops; a convolution with
 * 2×2 pooling after it in space-to-depth form), the loss is
 * SparseSoftmaxCrossEntropyWithLogits or a hand-written mean squared
 * error, and the weights live in TF resource variables updated by the
 * optimizers' fused kernels (ResourceApplyAdam …).
 *
 * The mathematics is the tfjs-layers path's, step for step (test/main/
 * trainer/native-path.test.ts holds the proof): same initial weights (read
 * from the layers model), same batches, the same dropout masks (drawn by
 * tfjs's own randomUniform with the same seeds), and each optimizer's
 * update mapped onto its TF kernel. `sync()` writes the weights back into
 * the layers model, which evaluation, saving and export use as before.
 *
 * Native handles are not tfjs tensors: tf.tidy and tf.memory() do not see
 * them. Every id is created through `NativeScope` and freed by it: the
 * step's intermediates after each step, the rest (variables, constants) in
 * `dispose()`.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import type { Hyperparams } from '@shared/hyperparams';
import { SGD_MOMENTUM } from '@shared/hyperparams';
import { describeModel, type Activation, type LayerSpec, type ModelSpec } from '@shared/model-spec';
import type { Tf } from '../native';
import type { SplitTensors } from './data';
import { nativeAccess, type NativeAttr, type NativeBinding } from './native-binding';
import { nextSeed } from './random';
import type { TrainingPath } from './training-path';

/**
 * Test-only faults (`MNIST_STUDIO_NATIVE_FAULT`, read by training-path.ts),
 * standing in for a tfjs-node whose binding lacks an op or computes
 * something else: `missing-op` asks the binding for an optimizer kernel
 * that does not exist; `disagree` trains with twice the learning rate.
 */
export type NativeFault = 'missing-op' | 'disagree';

/** What the native path trains and from where. */
export interface NativePathOptions {
  tf: Tf;
  /** Source of the initial weights and target of `sync()`; built from `spec`. */
  model: LayersModel;
  spec: ModelSpec;
  hp: Pick<Hyperparams, 'optimizer' | 'learningRate' | 'loss'>;
  /** The training split: batches are gathered from it by row. */
  train: SplitTensors;
  /** Dropout seeds, drawn exactly as the layers path draws them. */
  dropoutRand: () => number;
  fault?: NativeFault;
}

/** TF's dtype and attribute codes, and prebuilt attribute lists (reused every step: no per-op allocation). */
class Attrs {
  readonly F: number;
  readonly I: number;
  /** `T: float32`, the attribute list of most ops here. */
  readonly T: NativeAttr[];
  constructor(private readonly b: NativeBinding) {
    this.F = b.TF_FLOAT;
    this.I = b.TF_INT32;
    this.T = [this.type('T', this.F)];
  }
  type(name: string, dtype: number): NativeAttr {
    return { name, type: this.b.TF_ATTR_TYPE, value: dtype };
  }
  bool(name: string, value: boolean): NativeAttr {
    return { name, type: this.b.TF_ATTR_BOOL, value };
  }
  int(name: string, value: number | number[]): NativeAttr {
    return { name, type: this.b.TF_ATTR_INT, value };
  }
  str(name: string, value: string): NativeAttr {
    return { name, type: this.b.TF_ATTR_STRING, value };
  }
  shape(name: string, value: number[]): NativeAttr {
    return { name, type: this.b.TF_ATTR_SHAPE, value };
  }
  /** GatherV2 of a `dtype` tensor by int32 rows. */
  gather(dtype: number): NativeAttr[] {
    return [this.type('Tparams', dtype), this.type('Tindices', this.I), this.type('Taxis', this.I), this.int('batch_dims', 0)];
  }
  /** Conv2D and its backprops, NHWC, undilated. */
  conv(stride: number, padding: 'SAME' | 'VALID'): NativeAttr[] {
    return [
      this.type('T', this.F),
      this.int('strides', [1, stride, stride, 1]),
      this.bool('use_cudnn_on_gpu', true),
      this.str('padding', padding),
      this.str('data_format', 'NHWC'),
      this.int('dilations', [1, 1, 1, 1]),
    ];
  }
  /** Mean, Sum …: float32 over int32 axes. */
  reduce(keepDims: boolean): NativeAttr[] {
    return [this.type('T', this.F), this.type('Tidx', this.I), this.bool('keep_dims', keepDims)];
  }
}

/** Variable names are process-wide in TF's resource manager: unique per path instance. */
let pathCounter = 0;

/**
 * Owns native ids. `op*` results are step-scoped (freed by `endStep`),
 * `constant*` and variables live until `dispose`. `live` counts them all,
 * so a test can see that nothing leaks.
 */
class NativeScope {
  private readonly scratch: number[] = [];
  /** Variable reads: freed before the optimizer runs, so its kernels update in place instead of copying a buffer still read. */
  private readonly reads: number[] = [];
  private readonly owned: number[] = [];
  private readonly variables: number[] = [];
  /** Every variable's name in TF's resource manager, kept after `dispose` (a test checks each is gone). */
  readonly variableNames: string[] = [];
  readonly a: Attrs;
  private readonly readAttrs: NativeAttr[];
  private readonly prefix = `mnist_studio_${process.pid}_${++pathCounter}`;

  constructor(readonly b: NativeBinding) {
    this.a = new Attrs(b);
    this.readAttrs = [this.a.type('dtype', this.a.F)];
  }

  op(name: string, attrs: NativeAttr[], inputs: number[]): number {
    const id = this.b.executeOp(name, attrs, inputs, 1)[0]!.id;
    this.scratch.push(id);
    return id;
  }

  op2(name: string, attrs: NativeAttr[], inputs: number[]): [number, number] {
    const [a, b] = this.opN(name, attrs, inputs, 2);
    return [a!, b!];
  }

  opN(name: string, attrs: NativeAttr[], inputs: number[], outputs: number): number[] {
    const ids = this.b.executeOp(name, attrs, inputs, outputs).map((o) => o.id);
    this.scratch.push(...ids);
    return ids;
  }

  /** An op with no outputs (assignments, optimizer kernels). */
  run(name: string, attrs: NativeAttr[], inputs: number[]): void {
    this.b.executeOp(name, attrs, inputs, 0);
  }

  /**
   * A step-scoped int32 tensor of `values`. The binding may keep using the
   * array's memory (it wraps V8 memory without a copy when it is aligned):
   * `values` must not change while the tensor lives.
   */
  int32(shape: number[], values: Int32Array): number {
    const id = this.b.createTensor(shape, this.a.I, values);
    this.scratch.push(id);
    return id;
  }

  /** A step-scoped float32 scalar, in memory of its own (see `int32`). */
  scalar(value: number): number {
    const id = this.b.createTensor([], this.a.F, Float32Array.of(value));
    this.scratch.push(id);
    return id;
  }

  constantF(shape: number[], values: ArrayLike<number>): number {
    const id = this.b.createTensor(shape, this.a.F, Float32Array.from(values));
    this.owned.push(id);
    return id;
  }

  constantI(shape: number[], values: ArrayLike<number>): number {
    const id = this.b.createTensor(shape, this.a.I, Int32Array.from(values));
    this.owned.push(id);
    return id;
  }

  /** Keeps a step-scoped id (an op result) until `dispose`. */
  own(id: number): number {
    const k = this.scratch.lastIndexOf(id);
    if (k >= 0) this.scratch.splice(k, 1);
    this.owned.push(id);
    return id;
  }

  /** A float32 resource variable holding `initial` (an id; the variable copies it on first update). */
  variable(shape: number[], initial: number): number {
    const name = `${this.prefix}_${this.variableNames.length}`;
    const handle = this.b.executeOp(
      'VarHandleOp',
      [this.a.type('dtype', this.a.F), this.a.shape('shape', shape), this.a.str('container', ''), this.a.str('shared_name', name)],
      [],
      1,
    )[0]!.id;
    this.variables.push(handle);
    this.variableNames.push(name);
    this.run('AssignVariableOp', [this.a.type('dtype', this.a.F), this.a.bool('validate_shape', false)], [handle, initial]);
    return handle;
  }

  /** A variable of zeros (optimizer slots). */
  zeros(shape: number[]): number {
    const init = this.b.createTensor(shape, this.a.F, new Float32Array(shape.reduce((p, d) => p * d, 1)));
    try {
      return this.variable(shape, init);
    } finally {
      this.b.deleteTensor(init);
    }
  }

  read(handle: number): number {
    const id = this.b.executeOp('ReadVariableOp', this.readAttrs, [handle], 1)[0]!.id;
    this.reads.push(id);
    return id;
  }

  freeReads(): void {
    for (const id of this.reads) this.b.deleteTensor(id);
    this.reads.length = 0;
  }

  /** Frees the step's intermediates except `keep` (handed over to the caller, who frees them with `free`). */
  endStep(keep: number[] = []): void {
    this.freeReads();
    for (const id of this.scratch) if (!keep.includes(id)) this.b.deleteTensor(id);
    this.scratch.length = 0;
  }

  free(ids: number[]): void {
    for (const id of ids) this.b.deleteTensor(id);
  }

  /** Handles this scope holds right now (intermediates, constants, variable handles). */
  get live(): number {
    return this.scratch.length + this.reads.length + this.owned.length + this.variables.length;
  }

  /** Destroys every variable (DestroyResourceOp frees its buffer) and deletes every handle. Idempotent. */
  dispose(): void {
    this.endStep();
    for (const handle of this.variables) {
      try {
        this.run('DestroyResourceOp', [this.a.bool('ignore_lookup_error', true)], [handle]);
      } finally {
        this.b.deleteTensor(handle);
      }
    }
    this.variables.length = 0;
    this.free(this.owned);
    this.owned.length = 0;
  }
}

/** A trainable tensor: its variable and where its gradient lands in the step's gradient list. */
interface Param {
  handle: number;
  shape: number[];
  slot: number;
}

/** One layer's forward and backward ops. `grads` is the step's gradient list, indexed by `Param.slot`. */
interface NativeLayer {
  readonly params: Param[];
  forward(x: number, batch: number, training: boolean): number;
  /** Gradient with respect to the input, or -1 when `needInput` is false (nothing before it trains). */
  backward(dy: number, grads: number[], needInput: boolean): number;
}

/** An activation as a forward op and its gradient op (TF's own, as tfjs-layers' gradients compute). */
class ActivationOps {
  private readonly fwd: string | null;
  private readonly attrs: NativeAttr[];
  constructor(
    private readonly s: NativeScope,
    private readonly activation: Activation,
  ) {
    this.fwd = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', linear: null }[activation];
    this.attrs = s.a.T;
  }
  forward(z: number): number {
    return this.fwd === null ? z : this.s.op(this.fwd, this.attrs, [z]);
  }
  /** `y` is the activation's output: ReluGrad only asks whether the input was > 0, which relu(x) > 0 tells as well. */
  backward(dy: number, y: number): number {
    switch (this.activation) {
      case 'relu':
        return this.s.op('ReluGrad', this.attrs, [dy, y]);
      case 'sigmoid':
        return this.s.op('SigmoidGrad', this.attrs, [y, dy]);
      case 'tanh':
        return this.s.op('TanhGrad', this.attrs, [y, dy]);
      case 'linear':
        return dy;
      default: {
        const never: never = this.activation;
        throw new Error(`unknown activation ${String(never)}`);
      }
    }
  }
}

class DenseLayer implements NativeLayer {
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

/** Rows (and columns) of zeros TF puts before and after the input: for "same" at stride 1, k − 1 in all, the smaller half first. */
function paddingOf(spec: Extract<LayerSpec, { type: 'conv2d' }>): [number, number] {
  if (spec.padding !== 'same') return [0, 0];
  const before = Math.floor((spec.kernelSize - 1) / 2);
  return [before, spec.kernelSize - 1 - before];
}

/**
 * The filter gradient of a stride-1 convolution as one VALID convolution
 * with the batch and channel axes swapped:
 * dW[i,j,c,o] = Σ_b,r,s xpad[b, r+i, s+j, c] · dz[b, r, s, o], i.e. xpadᵀ
 * ([c, h, w, b]) convolved with dzᵀ ([r, s, b, o]) as the filter. TF's
 * Conv2DBackpropFilter is several times slower on small channel counts
 * (1 ms against 6 for LeNet's first layer at batch 64 on one thread,
 * 0.4 against 1 for its second); the sums are the same, in another order.
 */
class SwappedFilterGradient {
  /** The input's padding ([4, 2]), or -1 when there is none. */
  private readonly pads: number;
  private readonly padAttrs: NativeAttr[];
  private readonly transposeAttrs: NativeAttr[];
  private readonly toChannelsFirst: number;
  private readonly toFilter: number;
  private readonly convAttrs: NativeAttr[];
  private readonly reshapeAttrs: NativeAttr[];
  private readonly filterShape: number;
  constructor(
    private readonly s: NativeScope,
    kernelShape: number[],
    /** Rows and columns of zeros before and after the input (SAME padding), or 0. */
    pad: [number, number],
  ) {
    const a = s.a;
    this.pads = pad[0] + pad[1] > 0 ? s.constantI([4, 2], [0, 0, pad[0], pad[1], pad[0], pad[1], 0, 0]) : -1;
    this.padAttrs = [a.type('T', a.F), a.type('Tpaddings', a.I)];
    this.transposeAttrs = [a.type('T', a.F), a.type('Tperm', a.I)];
    this.toChannelsFirst = s.constantI([4], [3, 1, 2, 0]);
    // dzᵀ: [b, r, s, o] → [r, s, b, o]; also [c, i, j, o] → [i, j, c, o] for the result.
    this.toFilter = s.constantI([4], [1, 2, 0, 3]);
    this.convAttrs = a.conv(1, 'VALID');
    this.reshapeAttrs = [a.type('T', a.F), a.type('Tshape', a.I)];
    this.filterShape = s.constantI([4], kernelShape);
  }
  /** The gradient in the order the swapped convolution gives it, [c, i, j, o], from an input already padded. */
  channelsFirst(padded: number, dz: number): number {
    const s = this.s;
    const xt = s.op('Transpose', this.transposeAttrs, [padded, this.toChannelsFirst]);
    const dzt = s.op('Transpose', this.transposeAttrs, [dz, this.toFilter]);
    return s.op('Conv2D', this.convAttrs, [xt, dzt]);
  }
  grad(x: number, dz: number, inChannels: number): number {
    const s = this.s;
    const g = this.channelsFirst(this.pads === -1 ? x : s.op('Pad', this.padAttrs, [x, this.pads]), dz);
    // [c, i, j, o] → [i, j, c, o]; with one input channel that is only a reshape.
    return inChannels === 1 ? s.op('Reshape', this.reshapeAttrs, [g, this.filterShape]) : s.op('Transpose', this.transposeAttrs, [g, this.toFilter]);
  }
}

/**
 * A convolution, and when a max pooling follows it, that pooling too, done
 * before the bias and the activation: max(act(z + b)) = act(max(z) + b),
 * since the bias is one number per channel and every activation here is
 * non-decreasing. The bias add, the activation and their gradients then
 * run on a quarter of the values (2×2 pooling). The gradients are the
 * layers path's: where a window's maximum is positive (or, for sigmoid and
 * tanh, not saturated) both send it to the same element; a window whose
 * ReLU outputs are all 0 gets no gradient in either.
 */
class Conv2dLayer implements NativeLayer {
  private readonly act: ActivationOps;
  private readonly convAttrs: NativeAttr[];
  private readonly biasAttrs: NativeAttr[];
  private readonly filterSizes: number;
  private readonly swapped: SwappedFilterGradient | null;
  /** Conv2DBackpropInput wants the input's shape as a tensor: one per batch size seen. */
  private readonly inputSizes: PerBatchConstant;
  private x = -1;
  private kernel = -1;
  private y = -1;
  private batch = 0;
  constructor(
    private readonly s: NativeScope,
    readonly params: Param[],
    spec: Extract<LayerSpec, { type: 'conv2d' }>,
    private readonly inputShape: number[],
    /** The max pooling right after this layer, done here between the convolution and its bias and activation (see above). */
    private readonly pool: MaxPoolLayer | null = null,
  ) {
    const a = s.a;
    this.act = new ActivationOps(s, spec.activation);
    this.convAttrs = a.conv(spec.strides, spec.padding === 'same' ? 'SAME' : 'VALID');
    this.biasAttrs = [a.type('T', a.F), a.str('data_format', 'NHWC')];
    this.filterSizes = s.constantI([4], params[0]!.shape);
    this.inputSizes = new PerBatchConstant((batch) => s.constantI([4], [batch, ...inputShape]));
    this.swapped = spec.strides === 1 ? new SwappedFilterGradient(s, params[0]!.shape, paddingOf(spec)) : null;
  }
  forward(x: number, batch: number): number {
    const s = this.s;
    this.x = x;
    this.batch = batch;
    this.kernel = s.read(this.params[0]!.handle);
    const c = s.op('Conv2D', this.convAttrs, [x, this.kernel]);
    const z = s.op('BiasAdd', this.biasAttrs, [this.pool ? this.pool.forward(c) : c, s.read(this.params[1]!.handle)]);
    this.y = this.act.forward(z);
    return this.y;
  }
  backward(dy: number, grads: number[], needInput: boolean): number {
    const s = this.s;
    let dz = this.act.backward(dy, this.y);
    grads[this.params[1]!.slot] = s.op('BiasAddGrad', this.biasAttrs, [dz]);
    if (this.pool) dz = this.pool.backward(dz, grads, true);
    grads[this.params[0]!.slot] = this.swapped
      ? this.swapped.grad(this.x, dz, this.inputShape[2]!)
      : s.op('Conv2DBackpropFilter', this.convAttrs, [this.x, this.filterSizes, dz]);
    if (!needInput) return -1;
    return s.op('Conv2DBackpropInput', this.convAttrs, [this.inputSizes.get(this.batch), this.kernel, dz]);
  }
}

/** Input channels up to which a pooled convolution is folded (see PhaseConv2dLayer.fits). */
const FOLD_MAX_CHANNELS = 8;

/**
 * A stride-1 convolution on few channels followed by 2×2 max pooling
 * (LeNet's pattern), computed in space-to-depth form. TF's CPU convolution is slow on few
 * channels (LeNet's first layer: one input channel, 25 multiply-adds per
 * output) and its MaxPoolWithArgmax slower still. Here the padded input
 * is folded 2×2 into channels (SpaceToDepth: [n, h, w, c] → [n, h/2, w/2,
 * 4c]) and convolved VALID with a ⌊k/2⌋+1 square kernel whose 4·filters
 * outputs are the four pixels (p, q) of each 2×2 block:
 *   z[n, 2r+p, 2s+q, f] = Σ xs[n, r+a, s+b, (dr, dc, c)] · k[2a+dr−p, 2b+dc−q, c, f],
 * the folded kernel being the real one's entries gathered into place
 * (zero where the index falls outside it). That one convolution has far
 * more work per call, and the pooling becomes the maximum of its four
 * output blocks: three elementwise ops.
 *
 * The backward pass sends each window's gradient to its first maximum in
 * row-major order, as MaxPoolGrad does (an equal later element gets
 * nothing), by Select and Sub down the four blocks. The filter gradient is the
 * batch-swapped convolution (see SwappedFilterGradient) in folded form,
 * summed back onto the real kernel's entries by UnsortedSegmentSum; the
 * input gradient is Conv2DBackpropInput in folded form, unfolded by
 * DepthToSpace and cut to the unpadded input.
 *
 * Bias and activation come after the pooling (see Conv2dLayer).
 */
class PhaseConv2dLayer implements NativeLayer {
  private readonly act: ActivationOps;
  private readonly a: Attrs;
  private readonly biasAttrs: NativeAttr[];
  private readonly convAttrs: NativeAttr[];
  private readonly blockAttrs: NativeAttr[];
  private readonly padAttrs: NativeAttr[];
  private readonly reshapeAttrs: NativeAttr[];
  private readonly splitAttrs: NativeAttr[];
  private readonly concatAttrs: NativeAttr[];
  private readonly segmentAttrs: NativeAttr[];
  private readonly sliceAttrs: NativeAttr[];
  private readonly gatherAttrs: NativeAttr[];
  /** Input padding ([4, 2]) or -1 when there is none; for the flat kernel, one zero after it. */
  private readonly pads: number;
  private readonly kernelPad: number;
  private readonly flat: number;
  /** Where each folded-kernel entry comes from in the flat real kernel (its length: a zero). */
  private readonly gatherIndex: number;
  /** Where each entry of the folded filter gradient ([4c, kb, kb, 4f]) goes in the flat real kernel (−1: nowhere). */
  private readonly segmentIds: number;
  private readonly kernelSize: number;
  private readonly kernelShape: number;
  /** The folded kernel's gradient, in the swapped order the segment ids follow. */
  private readonly swapped: SwappedFilterGradient;
  private readonly axis0: number;
  private readonly axis3: number;
  /** Zeros of one block's shape, per batch size. */
  private readonly zeros: PerBatchConstant;
  private readonly sliceBegin: number;
  private readonly sliceSize: number;
  /** Conv2DBackpropInput wants the folded input's shape as a tensor: one per batch size seen. */
  private readonly foldedSizes: PerBatchConstant;
  private xs = -1;
  private k3 = -1;
  private blocks: number[] = [];
  private max = -1;
  private y = -1;
  private batch = 0;

  /**
   * Whether `conv` followed by `pool` runs here: stride 1, a 2×2 stride-2 pool, an even output,
   * and few input channels. Folding costs 4(⌊k/2⌋+1)²/k² the multiply-adds (1.44× for k = 5):
   * worth it where TF's convolution is slow, on few channels (LeNet's 1 and 6: 10.4 → 6.3 ms a
   * step), not on many (32 → 64 filters, 5×5: ~45 ms a step direct, ~68 folded, batch 64).
   */
  static fits(conv: Extract<LayerSpec, { type: 'conv2d' }>, pool: LayerSpec | undefined, input: number[], output: number[]): boolean {
    return (
      input[2]! <= FOLD_MAX_CHANNELS &&
      conv.strides === 1 &&
      pool?.type === 'maxPooling2d' &&
      pool.poolSize === 2 &&
      (pool.strides ?? 2) === 2 &&
      output[0]! % 2 === 0 &&
      output[1]! % 2 === 0
    );
  }

  constructor(
    private readonly s: NativeScope,
    readonly params: Param[],
    spec: Extract<LayerSpec, { type: 'conv2d' }>,
    /** [h, w, c] of the input and of the convolution's output (before pooling). */
    private readonly inputShape: number[],
    convOutput: number[],
  ) {
    const a = (this.a = s.a);
    this.act = new ActivationOps(s, spec.activation);
    const [h, w, c] = inputShape as [number, number, number];
    const [oh, ow, f] = convOutput as [number, number, number];
    const k = spec.kernelSize;
    const kb = Math.floor(k / 2) + 1;
    // TF's padding, then zeros up to whole 2×2 blocks.
    const [before, after] = paddingOf(spec);
    const extra = 2 * kb - 1 - k;
    const folded = [oh / 2 + kb - 1, ow / 2 + kb - 1, 4 * c];
    this.foldedSizes = new PerBatchConstant((batch) => s.constantI([4], [batch, ...folded]));
    const needPad = before + after + extra > 0;
    this.padAttrs = [a.type('T', a.F), a.type('Tpaddings', a.I)];
    this.pads = needPad ? s.constantI([4, 2], [0, 0, before, after + extra, before, after + extra, 0, 0]) : -1;
    this.sliceAttrs = [a.type('T', a.F), a.type('Index', a.I)];
    this.sliceBegin = s.constantI([4], [0, before, before, 0]);
    this.sliceSize = s.constantI([4], [-1, h, w, c]);

    // The folded kernel [kb, kb, (dr, dc, c), (p, q, f)] and, in the swapped gradient's order [(dr, dc, c), kb, kb, (p, q, f)], where each entry goes.
    const size = k * k * c * f;
    const gather = new Int32Array(kb * kb * 4 * c * 4 * f);
    const segments = new Int32Array(gather.length);
    let g = 0;
    for (let ka = 0; ka < kb; ka++) {
      for (let kbb = 0; kbb < kb; kbb++) {
        for (let dr = 0; dr < 2; dr++) {
          for (let dc = 0; dc < 2; dc++) {
            for (let ci = 0; ci < c; ci++) {
              for (let p = 0; p < 2; p++) {
                for (let q = 0; q < 2; q++) {
                  for (let fi = 0; fi < f; fi++, g++) {
                    const i = 2 * ka + dr - p;
                    const j = 2 * kbb + dc - q;
                    const inside = i >= 0 && i < k && j >= 0 && j < k;
                    const source = inside ? ((i * k + j) * c + ci) * f + fi : size;
                    gather[g] = source;
                    const channelIn = (dr * 2 + dc) * c + ci;
                    const channelOut = (p * 2 + q) * f + fi;
                    segments[((channelIn * kb + ka) * kb + kbb) * 4 * f + channelOut] = inside ? source : -1;
                  }
                }
              }
            }
          }
        }
      }
    }
    this.gatherIndex = s.constantI([kb, kb, 4 * c, 4 * f], gather);
    this.segmentIds = s.constantI([4 * c, kb, kb, 4 * f], segments);
    this.kernelSize = s.constantI([], [size]);
    this.kernelShape = s.constantI([4], params[0]!.shape);
    this.flat = s.constantI([1], [-1]);
    this.kernelPad = s.constantI([1, 2], [0, 1]);
    this.gatherAttrs = a.gather(a.F);
    this.segmentAttrs = [a.type('T', a.F), a.type('Tindices', a.I), a.type('Tnumsegments', a.I)];

    this.convAttrs = a.conv(1, 'VALID');
    this.biasAttrs = [a.type('T', a.F), a.str('data_format', 'NHWC')];
    this.blockAttrs = [a.type('T', a.F), a.int('block_size', 2), a.str('data_format', 'NHWC')];
    this.reshapeAttrs = [a.type('T', a.F), a.type('Tshape', a.I)];
    this.splitAttrs = [a.type('T', a.F), a.int('num_split', 4)];
    this.concatAttrs = [a.type('T', a.F), a.type('Tidx', a.I), a.int('N', 4)];
    this.swapped = new SwappedFilterGradient(s, [kb, kb, 4 * c, 4 * f], [0, 0]);
    this.axis0 = s.constantI([], [0]);
    this.axis3 = s.constantI([], [3]);
    this.zeros = new PerBatchConstant((batch) => s.constantF([batch, oh / 2, ow / 2, f], new Float32Array(batch * (oh / 2) * (ow / 2) * f)));
  }

  forward(x: number, batch: number): number {
    const s = this.s;
    const T = this.a.T;
    this.batch = batch;
    const flatKernel = s.op('Pad', this.padAttrs, [s.op('Reshape', this.reshapeAttrs, [s.read(this.params[0]!.handle), this.flat]), this.kernelPad]);
    this.k3 = s.op('GatherV2', this.gatherAttrs, [flatKernel, this.gatherIndex, this.axis0]);
    this.xs = s.op('SpaceToDepth', this.blockAttrs, [this.pads === -1 ? x : s.op('Pad', this.padAttrs, [x, this.pads])]);
    const c = s.op('Conv2D', this.convAttrs, [this.xs, this.k3]);
    this.blocks = s.opN('Split', this.splitAttrs, [this.axis3, c], 4);
    const [b0, b1, b2, b3] = this.blocks as [number, number, number, number];
    this.max = s.op('Maximum', T, [s.op('Maximum', T, [b0, b1]), s.op('Maximum', T, [b2, b3])]);
    this.y = this.act.forward(s.op('BiasAdd', this.biasAttrs, [this.max, s.read(this.params[1]!.handle)]));
    return this.y;
  }

  backward(dy: number, grads: number[], needInput: boolean): number {
    const s = this.s;
    const T = this.a.T;
    const dz = this.act.backward(dy, this.y);
    grads[this.params[1]!.slot] = s.op('BiasAddGrad', this.biasAttrs, [dz]);
    // Each window's gradient to the first of its four blocks that holds the maximum; what is
    // left after a block took it (rest − taken) is exactly 0 there. Select wants zeros of the
    // full shape: SelectV2's broadcast of a scalar is several times slower.
    const zeros = this.zeros.get(this.batch);
    const parts: number[] = [];
    let rest = dz;
    for (let k = 0; k < 3; k++) {
      const taken = s.op('Select', T, [s.op('Equal', T, [this.blocks[k]!, this.max]), rest, zeros]);
      parts.push(taken);
      rest = s.op('Sub', T, [rest, taken]);
    }
    parts.push(rest);
    const dc = s.op('ConcatV2', this.concatAttrs, [...parts, this.axis3]);
    const folded = this.swapped.channelsFirst(this.xs, dc);
    grads[this.params[0]!.slot] = s.op('Reshape', this.reshapeAttrs, [s.op('UnsortedSegmentSum', this.segmentAttrs, [folded, this.segmentIds, this.kernelSize]), this.kernelShape]);
    if (!needInput) return -1;
    const dx = s.op('DepthToSpace', this.blockAttrs, [s.op('Conv2DBackpropInput', this.convAttrs, [this.foldedSizes.get(this.batch), this.k3, dc])]);
    return this.pads === -1 ? dx : s.op('Slice', this.sliceAttrs, [dx, this.sliceBegin, this.sliceSize]);
  }
}

/**
 * Max pooling. When a gradient must flow back through it, the forward pass
 * keeps where each maximum came from (MaxPoolWithArgmax) and the backward
 * pass scatters to there (MaxPoolGradWithArgmax): TF's MaxPoolGrad would
 * find the maxima again. On the CPU both use the same argmax helper, so
 * ties go to the same element.
 */
class MaxPoolLayer implements NativeLayer {
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
    const stride = spec.strides ?? spec.poolSize;
    this.attrs = [
      a.type('T', a.F),
      a.int('ksize', [1, spec.poolSize, spec.poolSize, 1]),
      a.int('strides', [1, stride, stride, 1]),
      a.str('padding', 'VALID'),
      ...(backprop ? [a.type('Targmax', s.b.TF_INT64), a.bool('include_batch_in_index', false)] : [a.str('data_format', 'NHWC')]),
    ];
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
class FlattenLayer implements NativeLayer {
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
class DropoutLayer implements NativeLayer {
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

/** A loss: the batch's mean loss (a scalar id) and its gradient with respect to the logits. */
interface NativeLoss {
  /** The batch's targets, gathered by the step's row index. */
  targets(index: number): number;
  compute(logits: number, targets: number, batch: number): { loss: number; dLogits: number };
}

/** Constants that depend on the batch size (1 / batch, a shape, zeros of a block), made once per size seen. */
class PerBatchConstant {
  private readonly values = new Map<number, number>();
  /** `make` creates the constant for a batch size (through the scope, which frees it in `dispose`). */
  constructor(private readonly make: (batch: number) => number) {}
  get(batch: number): number {
    let id = this.values.get(batch);
    if (id === undefined) {
      id = this.make(batch);
      this.values.set(batch, id);
    }
    return id;
  }
}

/** Softmax cross-entropy as tfjs's softmaxCrossEntropy computes it: per-example losses, their mean, gradient (softmax − onehot) / batch. */
class CrossEntropyLoss implements NativeLoss {
  private readonly lossAttrs: NativeAttr[];
  private readonly meanAttrs: NativeAttr[];
  private readonly gatherAttrs: NativeAttr[];
  private readonly inverse: PerBatchConstant;
  constructor(
    private readonly s: NativeScope,
    /** int32 class of every training row. */
    private readonly labels: number,
    private readonly axis0: number,
  ) {
    const a = s.a;
    this.lossAttrs = [a.type('T', a.F), a.type('Tlabels', a.I)];
    this.meanAttrs = a.reduce(false);
    this.gatherAttrs = a.gather(a.I);
    this.inverse = new PerBatchConstant((batch) => s.constantF([], [1 / batch]));
  }
  targets(index: number): number {
    return this.s.op('GatherV2', this.gatherAttrs, [this.labels, index, this.axis0]);
  }
  compute(logits: number, labels: number, batch: number): { loss: number; dLogits: number } {
    const s = this.s;
    const [perExample, backprop] = s.op2('SparseSoftmaxCrossEntropyWithLogits', this.lossAttrs, [logits, labels]);
    return { loss: s.op('Mean', this.meanAttrs, [perExample, this.axis0]), dLogits: s.op('Mul', s.a.T, [backprop, this.inverse.get(batch)]) };
  }
}

/**
 * Mean squared error between softmax(logits) and the one-hot labels, over
 * every element (tfjs's meanSquaredError), with the gradient written out:
 * dp = 2 (p − y) / (batch · classes), then softmax's backward as tfjs does
 * it, dz = dp·p − sum(dp·p) · p.
 */
class MeanSquaredErrorLoss implements NativeLoss {
  private readonly gatherAttrs: NativeAttr[];
  private readonly meanAttrs: NativeAttr[];
  private readonly sumAttrs: NativeAttr[];
  private readonly axes01: number;
  private readonly axis1: number;
  private readonly scale: PerBatchConstant;
  constructor(
    private readonly s: NativeScope,
    private readonly oneHot: number,
    private readonly axis0: number,
    classes: number,
  ) {
    const a = s.a;
    this.gatherAttrs = a.gather(a.F);
    this.meanAttrs = a.reduce(false);
    this.sumAttrs = a.reduce(true);
    this.axes01 = s.constantI([2], [0, 1]);
    this.axis1 = s.constantI([1], [1]);
    this.scale = new PerBatchConstant((batch) => s.constantF([], [2 / (batch * classes)]));
  }
  targets(index: number): number {
    return this.s.op('GatherV2', this.gatherAttrs, [this.oneHot, index, this.axis0]);
  }
  compute(logits: number, y: number, batch: number): { loss: number; dLogits: number } {
    const s = this.s;
    const T = s.a.T;
    const p = s.op('Softmax', T, [logits]);
    const diff = s.op('Sub', T, [p, y]);
    const loss = s.op('Mean', this.meanAttrs, [s.op('Square', T, [diff]), this.axes01]);
    const dpTimesP = s.op('Mul', T, [s.op('Mul', T, [diff, this.scale.get(batch)]), p]);
    const dLogits = s.op('Sub', T, [dpTimesP, s.op('Mul', T, [s.op('Sum', this.sumAttrs, [dpTimesP, this.axis1]), p])]);
    return { loss, dLogits };
  }
}

/** An optimizer as its fused TF kernel, one op per variable, matching the tfjs optimizer the layers path uses. */
interface NativeOptimizer {
  apply(params: Param[], grads: number[]): void;
}

function createNativeOptimizer(s: NativeScope, hp: NativePathOptions['hp'], params: Param[], fault: NativeFault | undefined): NativeOptimizer {
  const a = s.a;
  // A kernel the binding cannot have, for the fallback test.
  const kernel = (name: string) => (fault === 'missing-op' ? `${name}NotInThisBinding` : name);
  const lrValue = fault === 'disagree' ? hp.learningRate * 2 : hp.learningRate;
  const lr = s.constantF([], [lrValue]);
  const locking = a.bool('use_locking', false);
  const nesterov = a.bool('use_nesterov', false);
  switch (hp.optimizer) {
    case 'sgd': {
      // tfjs sgd: w += −lr·g.
      const attrs = [a.type('T', a.F), locking];
      const op = kernel('ResourceApplyGradientDescent');
      return {
        apply: (ps, grads) => {
          for (const p of ps) s.run(op, attrs, [p.handle, lr, grads[p.slot]!]);
        },
      };
    }
    case 'momentum': {
      // tfjs momentum (not Nesterov): acc = m·acc + g; w += −lr·acc. TF's ApplyMomentum is the same update.
      const attrs = [a.type('T', a.F), locking, nesterov];
      const momentum = s.constantF([], [SGD_MOMENTUM]);
      const accumulators = params.map((p) => s.zeros(p.shape));
      const op = kernel('ResourceApplyMomentum');
      return {
        apply: (ps, grads) => {
          for (const p of ps) s.run(op, attrs, [p.handle, accumulators[p.slot]!, lr, grads[p.slot]!, momentum]);
        },
      };
    }
    case 'rmsprop': {
      // tfjs rmsprop (decay 0.9, momentum 0, not centered, epsilon 1e-7 inside the root):
      // ms = ρ·ms + (1−ρ)·g²; mom = μ·mom + lr·g / √(ms + ε); w −= mom. TF's ApplyRMSProp is the same update.
      const attrs = [a.type('T', a.F), locking];
      const rho = s.constantF([], [0.9]);
      const momentum = s.constantF([], [0]);
      const epsilon = s.constantF([], [1e-7]);
      const meanSquares = params.map((p) => s.zeros(p.shape));
      const moments = params.map((p) => s.zeros(p.shape));
      const op = kernel('ResourceApplyRMSProp');
      return {
        apply: (ps, grads) => {
          for (const p of ps) s.run(op, attrs, [p.handle, meanSquares[p.slot]!, moments[p.slot]!, lr, rho, momentum, epsilon, grads[p.slot]!]);
        },
      };
    }
    case 'adam': {
      // tfjs adam: w −= lr · m̂ / (√v̂ + ε) with m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ).
      // TF's ApplyAdam: w −= lr·√(1 − β2ᵗ)/(1 − β1ᵗ) · m / (√v + ε'). They are equal when
      // ε' = ε·√(1 − β2ᵗ): multiply tfjs's numerator and denominator by √(1 − β2ᵗ).
      const attrs = [a.type('T', a.F), locking, nesterov];
      const beta1 = 0.9;
      const beta2 = 0.999;
      const epsilon = 1e-7;
      const b1 = s.constantF([], [beta1]);
      const b2 = s.constantF([], [beta2]);
      const ms = params.map((p) => s.zeros(p.shape));
      const vs = params.map((p) => s.zeros(p.shape));
      const op = kernel('ResourceApplyAdam');
      // tfjs keeps β1ᵗ and β2ᵗ as float32 variables multiplied by β each step: the same products, rounded the same way.
      const beta1F = Math.fround(beta1);
      const beta2F = Math.fround(beta2);
      let beta1Power = beta1F;
      let beta2Power = beta2F;
      return {
        apply: (ps, grads) => {
          const b1p = s.scalar(beta1Power);
          const b2p = s.scalar(beta2Power);
          const eps = s.scalar(epsilon * Math.sqrt(1 - beta2Power));
          for (const p of ps) s.run(op, attrs, [p.handle, ms[p.slot]!, vs[p.slot]!, b1p, b2p, lr, b1, b2, eps, grads[p.slot]!]);
          beta1Power = Math.fround(beta1Power * beta1F);
          beta2Power = Math.fround(beta2Power * beta2F);
        },
      };
    }
    default: {
      const never: never = hp.optimizer;
      throw new Error(`unknown optimizer ${String(never)}`);
    }
  }
}

/** Losses of the steps since the last drain, and the predicted class of each of their rows. */
export interface DrainedSteps {
  losses: Float32Array;
  predicted: Int32Array;
}

/** The native path over one model: construct, `step` per batch, `drain` at logged batches, `sync` into the layers model, `dispose`. */
export class NativePath implements TrainingPath {
  readonly name = 'native';
  private readonly s: NativeScope;
  private readonly b: NativeBinding;
  private readonly layers: NativeLayer[];
  private readonly dropouts: DropoutLayer[] = [];
  private readonly params: Param[] = [];
  private readonly grads: number[];
  private readonly loss: NativeLoss;
  private readonly optimizer: NativeOptimizer;
  /** The first layer with weights: nothing before it needs a gradient. */
  private readonly firstTrainable: number;
  private readonly x: number;
  private readonly gatherAttrs: NativeAttr[];
  private readonly axis0: number;
  private readonly keptLosses: number[] = [];
  private readonly keptLogits: number[] = [];
  private readonly packAttrs: NativeAttr[];
  private readonly argMaxAttrs: NativeAttr[];
  private readonly axis1: number;
  private disposed = false;

  constructor(private readonly o: NativePathOptions) {
    const { tf, model, spec } = o;
    const access = nativeAccess(tf);
    this.b = access.binding;
    const s = (this.s = new NativeScope(this.b));
    const a = s.a;
    try {
      const summary = describeModel(spec);
      if (summary.errors.length > 0) throw new Error(`the spec does not check: ${summary.errors[0]!.message}`);
      const weights = model.getWeights();
      let w = 0;
      const param = (expected: number[]): Param => {
        const tensor = weights[w++];
        if (!tensor || tensor.shape.join() !== expected.join()) {
          throw new Error(`weight ${w - 1} of the layers model has shape [${tensor?.shape.join(', ') ?? ''}], the spec wants [${expected.join(', ')}]`);
        }
        const p: Param = { handle: s.variable(expected, access.idOf(tensor)), shape: expected, slot: this.params.length };
        this.params.push(p);
        return p;
      };

      this.axis0 = s.constantI([], [0]);
      this.axis1 = s.constantI([], [1]);
      this.gatherAttrs = a.gather(a.F);
      // A leading flatten is done once on the whole split (a reshape shares the buffer): one op less per step.
      const flattenFirst = spec.layers[0]?.type === 'flatten';
      this.x = flattenFirst
        ? s.own(s.op('Reshape', [a.type('T', a.F), a.type('Tshape', a.I)], [access.idOf(o.train.x), s.constantI([2], [-1, summary.layers[0]!.outputShape!.reduce((p, d) => p * d, 1)])]))
        : access.idOf(o.train.x);

      // Layers before the first with weights need no gradient.
      const firstTrainable = spec.layers.findIndex((layer) => layer.type === 'dense' || layer.type === 'conv2d');
      this.layers = spec.layers.map((layer, i): NativeLayer => {
        const input = i === 0 ? summary.inputShape : summary.layers[i - 1]!.outputShape!;
        const output = summary.layers[i]!.outputShape!;
        switch (layer.type) {
          case 'dense':
            return new DenseLayer(s, [param([input[0]!, layer.units]), param([layer.units])], layer.activation);
          case 'conv2d': {
            const next = spec.layers[i + 1];
            const kernel = param([layer.kernelSize, layer.kernelSize, input[2]!, layer.filters]);
            if (PhaseConv2dLayer.fits(layer, next, input, output)) return new PhaseConv2dLayer(s, [kernel, param([layer.filters])], layer, input, output);
            const pool = next?.type === 'maxPooling2d' ? new MaxPoolLayer(s, next, true) : null;
            return new Conv2dLayer(s, [kernel, param([layer.filters])], layer, input, pool);
          }
          case 'maxPooling2d':
            // Pooled inside the convolution before it (Conv2dLayer, PhaseConv2dLayer), or on its own.
            return spec.layers[i - 1]?.type === 'conv2d' ? new IdentityLayer() : new MaxPoolLayer(s, layer, firstTrainable < i);
          case 'flatten':
            return i === 0 ? new IdentityLayer() : new FlattenLayer(s, input);
          case 'dropout': {
            const dropout = new DropoutLayer(s, tf, access.idOf, layer.rate, output, o.dropoutRand);
            this.dropouts.push(dropout);
            return dropout;
          }
          default: {
            const never: never = layer;
            throw new Error(`unknown layer ${JSON.stringify(never)}`);
          }
        }
      });
      if (w !== weights.length) throw new Error(`the layers model has ${weights.length} weights, the spec ${w}`);
      this.firstTrainable = firstTrainable;
      this.grads = new Array<number>(this.params.length).fill(-1);

      const classes = summary.outputShape![0]!;
      if (o.hp.loss === 'cross-entropy') {
        const labels = s.constantI([o.train.labels.length], o.train.labels);
        this.loss = new CrossEntropyLoss(s, labels, this.axis0);
      } else {
        this.loss = new MeanSquaredErrorLoss(s, access.idOf(o.train.y), this.axis0, classes);
      }
      this.optimizer = createNativeOptimizer(s, o.hp, this.params, o.fault);
      this.packAttrs = [a.type('T', a.F), a.int('axis', 0)];
      this.argMaxAttrs = [a.type('T', a.F), a.type('Tidx', a.I), a.type('output_type', a.I)];
      s.endStep();
    } catch (err) {
      s.dispose();
      throw err;
    }
  }

  /** One optimisation step on the training rows `rows`. Nothing is read back: the loss and logits wait for `drain`. */
  step(rows: Int32Array): void {
    const s = this.s;
    const batch = rows.length;
    try {
      const index = s.int32([batch], rows);
      let h = s.op('GatherV2', this.gatherAttrs, [this.x, index, this.axis0]);
      const targets = this.loss.targets(index);
      for (const layer of this.layers) h = layer.forward(h, batch, true);
      const logits = h;
      const { loss, dLogits } = this.loss.compute(logits, targets, batch);
      let dy = dLogits;
      for (let i = this.layers.length - 1; i >= this.firstTrainable; i--) dy = this.layers[i]!.backward(dy, this.grads, i > this.firstTrainable);
      s.freeReads();
      this.optimizer.apply(this.params, this.grads);
      this.keptLosses.push(loss);
      this.keptLogits.push(logits);
      s.endStep([loss, logits]);
    } catch (err) {
      s.endStep();
      throw err;
    } finally {
      for (const dropout of this.dropouts) {
        for (const t of dropout.draws) t.dispose();
        dropout.draws.length = 0;
      }
    }
  }

  /** Reads the steps since the last drain (two syncs) and frees them. */
  drain(): DrainedSteps {
    const n = this.keptLosses.length;
    if (n === 0) return { losses: new Float32Array(0), predicted: new Int32Array(0) };
    const s = this.s;
    const a = s.a;
    try {
      const losses = s.op('Pack', [...this.packAttrs, a.int('N', n)], this.keptLosses);
      const logits = n === 1 ? this.keptLogits[0]! : s.op('ConcatV2', [a.type('T', a.F), a.type('Tidx', a.I), a.int('N', n)], [...this.keptLogits, this.axis0]);
      const predicted = s.op('ArgMax', this.argMaxAttrs, [logits, this.axis1]);
      return { losses: this.b.tensorDataSync(losses) as Float32Array, predicted: this.b.tensorDataSync(predicted) as Int32Array };
    } finally {
      s.endStep();
      this.discard();
    }
  }

  /** Frees the steps not drained. */
  private discard(): void {
    this.s.free(this.keptLosses);
    this.s.free(this.keptLogits);
    this.keptLosses.length = 0;
    this.keptLogits.length = 0;
  }

  /** The current weights, in the layers model's order. */
  weights(): Float32Array[] {
    try {
      return this.params.map((p) => this.b.tensorDataSync(this.s.read(p.handle)) as Float32Array);
    } finally {
      this.s.endStep();
    }
  }

  /** Writes the weights into the layers model (for validation, evaluation, saving, and while paused). */
  sync(): void {
    const { tf, model } = this.o;
    const values = this.weights();
    const tensors = values.map((v, i) => tf.tensor(v, this.params[i]!.shape, 'float32'));
    try {
      model.setWeights(tensors);
    } finally {
      for (const t of tensors) t.dispose();
    }
  }

  /** The names of the path's resource variables (weights and optimizer slots), also after `dispose`. */
  variableNames(): string[] {
    return [...this.s.variableNames];
  }

  /** Native handles this path holds (0 once disposed). */
  get liveHandles(): number {
    return this.s.live + this.keptLosses.length + this.keptLogits.length;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.discard();
    this.s.dispose();
  }
}

/** A leading flatten, already applied to the whole split. */
class IdentityLayer implements NativeLayer {
  readonly params: Param[] = [];
  forward(x: number): number {
    return x;
  }
  backward(dy: number): number {
    return dy;
  }
}
