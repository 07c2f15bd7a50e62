/** The folded convolution: a stride-1 convolution on few channels and the 2×2 max pooling after it, in space-to-depth form. */
import type { LayerSpec } from '@shared/model-spec';
import type { NativeAttr } from './binding';
import { ChannelSum, paddingOf, SwappedFilterGradient } from './conv';
import { filterGradientKey, type KernelChoices } from './kernel-choice';
import { ActivationOps, type NativeLayer, type Param } from './layer';
import { PerBatchConstant, type Attrs, type NativeScope } from './scope';

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
 * nothing), by Select and Sub down the four blocks. The filter gradient is
 * the folded kernel's (Conv2DBackpropFilter or the batch-swapped convolution,
 * whichever KernelChoices measured faster for the shape), summed back onto
 * the real kernel's entries by UnsortedSegmentSum; the
 * input gradient is Conv2DBackpropInput in folded form, unfolded by
 * DepthToSpace and cut to the unpadded input.
 *
 * Bias and activation come after the pooling (see Conv2dLayer).
 */
export class PhaseConv2dLayer implements NativeLayer {
  private readonly act: ActivationOps;
  private readonly a: Attrs;
  private readonly biasAttrs: NativeAttr[];
  private readonly biasGrad: ChannelSum;
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
  /** Where each entry of the folded filter gradient goes in the flat real kernel (−1: nowhere): in Conv2DBackpropFilter's order ([kb, kb, 4c, 4f]) and the swapped convolution's ([4c, kb, kb, 4f]). */
  private readonly segmentIds: number;
  private readonly swappedSegmentIds: number;
  private readonly foldedKernelSizes: number;
  private readonly padding: string;
  private readonly kernelSize: number;
  private readonly kernelShape: number;
  /** The folded kernel's gradient as the batch-swapped convolution ([4c, kb, kb, 4f], the order swappedSegmentIds follow). */
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
    private readonly kernels: KernelChoices,
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
    this.segmentIds = s.constantI(
      [kb, kb, 4 * c, 4 * f],
      gather.map((source) => (source === size ? -1 : source)),
    );
    this.swappedSegmentIds = s.constantI([4 * c, kb, kb, 4 * f], segments);
    this.foldedKernelSizes = s.constantI([4], [kb, kb, 4 * c, 4 * f]);
    this.padding = spec.padding;
    this.kernelSize = s.constantI([], [size]);
    this.kernelShape = s.constantI([4], params[0]!.shape);
    this.flat = s.constantI([1], [-1]);
    this.kernelPad = s.constantI([1, 2], [0, 1]);
    this.gatherAttrs = a.gather(a.F);
    this.segmentAttrs = [a.type('T', a.F), a.type('Tindices', a.I), a.type('Tnumsegments', a.I)];

    this.convAttrs = a.conv(1, 'VALID');
    this.biasAttrs = [a.type('T', a.F), a.str('data_format', 'NHWC')];
    this.biasGrad = new ChannelSum(s, f);
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
    grads[this.params[1]!.slot] = this.biasGrad.grad(dz, this.batch);
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
    const onto = (folded: number, ids: number) =>
      s.op('Reshape', this.reshapeAttrs, [s.op('UnsortedSegmentSum', this.segmentAttrs, [folded, ids, this.kernelSize]), this.kernelShape]);
    grads[this.params[0]!.slot] = this.kernels.filterGradient(filterGradientKey('folded', this.inputShape, this.params[0]!.shape, this.padding, this.batch), {
      backprop: () => onto(s.op('Conv2DBackpropFilter', this.convAttrs, [this.xs, this.foldedKernelSizes, dc]), this.segmentIds),
      swapped: () => onto(this.swapped.channelsFirst(this.xs, dc), this.swappedSegmentIds),
    });
    if (!needInput) return -1;
    const dx = s.op('DepthToSpace', this.blockAttrs, [s.op('Conv2DBackpropInput', this.convAttrs, [this.foldedSizes.get(this.batch), this.k3, dc])]);
    return this.pads === -1 ? dx : s.op('Slice', this.sliceAttrs, [dx, this.sliceBegin, this.sliceSize]);
  }
}
