/** The native convolution: Conv2D, its input gradient, its filter gradient as a swapped convolution, and a max pooling done inside it. */
import type { LayerSpec } from '@shared/model-spec';
import type { NativeAttr } from './binding';
import { filterGradientKey, type KernelChoices } from './kernel-choice';
import { ActivationOps, type NativeLayer, type Param } from './layer';
import type { MaxPoolLayer } from './layers';
import { PerBatchConstant, type NativeScope } from './scope';

/** Rows (and columns) of zeros TF puts before and after the input: for "same" at stride 1, k − 1 in all, the smaller half first. */
export function paddingOf(spec: Extract<LayerSpec, { type: 'conv2d' }>): [number, number] {
  if (spec.padding !== 'same') return [0, 0];
  const before = Math.floor((spec.kernelSize - 1) / 2);
  return [before, spec.kernelSize - 1 - before];
}

/**
 * The filter gradient of a stride-1 convolution as one VALID convolution
 * with the batch and channel axes swapped:
 * dW[i,j,c,o] = Σ_b,r,s xpad[b, r+i, s+j, c] · dz[b, r, s, o], i.e. xpadᵀ
 * ([c, h, w, b]) convolved with dzᵀ ([r, s, b, o]) as the filter. With
 * Eigen's kernels TF's Conv2DBackpropFilter is several times slower on small
 * channel counts (1 ms against 6 for LeNet's first layer at batch 64 on one
 * thread); with oneDNN's it is often the faster. The sums are the same, in
 * another order: KernelChoices times both and keeps the faster.
 */
export class SwappedFilterGradient {
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
 * A convolution's bias gradient: the sum of an NHWC gradient over batch,
 * height and width, as two column sums, first of [n, h·w·c] rows, then of
 * the [h·w, c] that leaves. BiasAddGrad sums straight down to c columns,
 * which Eigen does slowly when c is small: LeNet's first layer at batch 512
 * ([512, 14, 14, 6]) 0.5–1.0 ms against ~0.1 ms this way. The sums are the
 * same, added in another order.
 */
export class ChannelSum {
  private readonly attrs: NativeAttr[];
  private readonly reshapeAttrs: NativeAttr[];
  private readonly axis0: number;
  private readonly pixels: number;
  private readonly rows: PerBatchConstant;
  constructor(
    private readonly s: NativeScope,
    channels: number,
  ) {
    const a = s.a;
    this.attrs = a.reduce(false);
    this.reshapeAttrs = [a.type('T', a.F), a.type('Tshape', a.I)];
    this.axis0 = s.constantI([], [0]);
    this.pixels = s.constantI([2], [-1, channels]);
    this.rows = new PerBatchConstant((batch) => s.constantI([2], [batch, -1]));
  }
  grad(dz: number, batch: number): number {
    const s = this.s;
    const perPixel = s.op('Sum', this.attrs, [s.op('Reshape', this.reshapeAttrs, [dz, this.rows.get(batch)]), this.axis0]);
    return s.op('Sum', this.attrs, [s.op('Reshape', this.reshapeAttrs, [perPixel, this.pixels]), this.axis0]);
  }
}

/** What a convolution layer computes in either formulation below: Conv2D with its strides and padding, the bias add, the activation, and Conv2D's two backprops. */
class ConvOps {
  readonly act: ActivationOps;
  private readonly convAttrs: NativeAttr[];
  readonly biasAttrs: NativeAttr[];
  private readonly filterSizes: number;
  /** Conv2DBackpropInput wants the input's shape as a tensor: one per batch size seen. */
  private readonly inputSizes: PerBatchConstant;
  constructor(
    private readonly s: NativeScope,
    spec: Extract<LayerSpec, { type: 'conv2d' }>,
    kernelShape: number[],
    inputShape: number[],
  ) {
    const a = s.a;
    this.act = new ActivationOps(s, spec.activation);
    this.convAttrs = a.conv(spec.strides, spec.padding === 'same' ? 'SAME' : 'VALID');
    this.biasAttrs = [a.type('T', a.F), a.str('data_format', 'NHWC')];
    this.filterSizes = s.constantI([4], kernelShape);
    this.inputSizes = new PerBatchConstant((batch) => s.constantI([4], [batch, ...inputShape]));
  }
  conv(x: number, kernel: number): number {
    return this.s.op('Conv2D', this.convAttrs, [x, kernel]);
  }
  addBias(z: number, bias: number): number {
    return this.s.op('BiasAdd', this.biasAttrs, [z, bias]);
  }
  filterGradient(x: number, dz: number): number {
    return this.s.op('Conv2DBackpropFilter', this.convAttrs, [x, this.filterSizes, dz]);
  }
  inputGradient(batch: number, kernel: number, dz: number): number {
    return this.s.op('Conv2DBackpropInput', this.convAttrs, [this.inputSizes.get(batch), kernel, dz]);
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
export class Conv2dLayer implements NativeLayer {
  private readonly ops: ConvOps;
  private readonly biasGrad: ChannelSum;
  private readonly swapped: SwappedFilterGradient | null;
  private readonly padding: string;
  private x = -1;
  private kernel = -1;
  private y = -1;
  private batch = 0;
  constructor(
    private readonly s: NativeScope,
    readonly params: Param[],
    spec: Extract<LayerSpec, { type: 'conv2d' }>,
    private readonly inputShape: number[],
    private readonly kernels: KernelChoices,
    /** The max pooling right after this layer, done here between the convolution and its bias and activation (see above). */
    private readonly pool: MaxPoolLayer | null = null,
  ) {
    this.ops = new ConvOps(s, spec, params[0]!.shape, inputShape);
    this.biasGrad = new ChannelSum(s, spec.filters);
    this.swapped = spec.strides === 1 ? new SwappedFilterGradient(s, params[0]!.shape, paddingOf(spec)) : null;
    this.padding = spec.padding;
  }
  forward(x: number, batch: number): number {
    const s = this.s;
    this.x = x;
    this.batch = batch;
    this.kernel = s.read(this.params[0]!.handle);
    const c = this.ops.conv(x, this.kernel);
    const z = this.ops.addBias(this.pool ? this.pool.forward(c) : c, s.read(this.params[1]!.handle));
    this.y = this.ops.act.forward(z);
    return this.y;
  }
  backward(dy: number, grads: number[], needInput: boolean): number {
    let dz = this.ops.act.backward(dy, this.y);
    grads[this.params[1]!.slot] = this.biasGrad.grad(dz, this.batch);
    if (this.pool) dz = this.pool.backward(dz, grads, true);
    const backprop = () => this.ops.filterGradient(this.x, dz);
    const swapped = this.swapped;
    grads[this.params[0]!.slot] = swapped
      ? this.kernels.filterGradient(filterGradientKey('direct', this.inputShape, this.params[0]!.shape, this.padding, this.batch), {
          backprop,
          swapped: () => swapped.grad(this.x, dz, this.inputShape[2]!),
        })
      : backprop();
    return needInput ? this.ops.inputGradient(this.batch, this.kernel, dz) : -1;
  }
}

/**
 * A convolution as TensorFlow's own ops, for steps that run as graphs
 * (graph.ts): Conv2D, BiasAdd, the activation and, when a max pooling
 * follows, MaxPool after it, as tfjs-layers does; backward MaxPoolGrad, the
 * activation's gradient, BiasAddGrad and the two Conv2D backprops. In a
 * graph TensorFlow's rewrites fuse these into oneDNN's kernels, which the
 * hand-made formulations above (made for ops run one by one) keep it from.
 * A pooling window whose outputs are all 0 after a ReLU sends its gradient
 * to one of them, where ReluGrad stops it: the layers path's gradients.
 */
export class StockConv2dLayer implements NativeLayer {
  private readonly ops: ConvOps;
  private readonly poolAttrs: NativeAttr[] | null;
  private x = -1;
  private kernel = -1;
  private y = -1;
  private pooled = -1;
  private batch = 0;
  constructor(
    private readonly s: NativeScope,
    readonly params: Param[],
    spec: Extract<LayerSpec, { type: 'conv2d' }>,
    inputShape: number[],
    /** The max pooling's window attributes when one follows (it is then done here), else null. */
    poolAttrs: NativeAttr[] | null,
  ) {
    this.ops = new ConvOps(s, spec, params[0]!.shape, inputShape);
    this.poolAttrs = poolAttrs && [...poolAttrs, s.a.str('data_format', 'NHWC')];
  }
  forward(x: number, batch: number): number {
    const s = this.s;
    this.x = x;
    this.batch = batch;
    this.kernel = s.read(this.params[0]!.handle);
    this.y = this.ops.act.forward(this.ops.addBias(this.ops.conv(x, this.kernel), s.read(this.params[1]!.handle)));
    if (!this.poolAttrs) return this.y;
    this.pooled = s.op('MaxPool', this.poolAttrs, [this.y]);
    return this.pooled;
  }
  backward(dy: number, grads: number[], needInput: boolean): number {
    const s = this.s;
    const dAct = this.poolAttrs ? s.op('MaxPoolGrad', this.poolAttrs, [this.y, this.pooled, dy]) : dy;
    const dz = this.ops.act.backward(dAct, this.y);
    grads[this.params[1]!.slot] = s.op('BiasAddGrad', this.ops.biasAttrs, [dz]);
    grads[this.params[0]!.slot] = this.ops.filterGradient(this.x, dz);
    return needInput ? this.ops.inputGradient(this.batch, this.kernel, dz) : -1;
  }
}
