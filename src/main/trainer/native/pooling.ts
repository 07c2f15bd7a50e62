/** The native average poolings: AvgPool and its gradient, and the mean over height and width with its gradient. */
import type { NativeAttr } from './binding';
import type { NativeLayer, Param } from './layer';
import { PerBatchConstant, type NativeScope } from './scope';

/** A pooling window's attributes ("valid", square, NHWC), shared by the max and the average poolings. */
export function poolWindowAttrs(s: NativeScope, spec: { poolSize: number; strides?: number | undefined }): NativeAttr[] {
  const a = s.a;
  const stride = spec.strides ?? spec.poolSize;
  return [a.type('T', a.F), a.int('ksize', [1, spec.poolSize, spec.poolSize, 1]), a.int('strides', [1, stride, stride, 1]), a.str('padding', 'VALID')];
}

/** Average pooling ("valid"), NHWC; AvgPoolGrad spreads each window's gradient evenly, as tfjs's avgPool gradient does. */
export class AvgPoolLayer implements NativeLayer {
  readonly params: Param[] = [];
  private readonly attrs: NativeAttr[];
  /** AvgPoolGrad wants the input's shape as a tensor: one per batch size seen. */
  private readonly inputSizes: PerBatchConstant;
  private batch = 0;
  constructor(
    private readonly s: NativeScope,
    spec: { poolSize: number; strides?: number | undefined },
    inputShape: number[],
  ) {
    this.attrs = [...poolWindowAttrs(s, spec), s.a.str('data_format', 'NHWC')];
    this.inputSizes = new PerBatchConstant((batch) => s.constantI([4], [batch, ...inputShape]));
  }
  forward(x: number, batch: number): number {
    this.batch = batch;
    return this.s.op('AvgPool', this.attrs, [x]);
  }
  backward(dy: number, _grads: number[], needInput: boolean): number {
    return needInput ? this.s.op('AvgPoolGrad', this.attrs, [this.inputSizes.get(this.batch), dy]) : -1;
  }
}

/** The mean of each channel over height and width ([n, h, w, c] → [n, c]); its gradient is dy / (h·w) broadcast back over the image. */
export class GlobalAvgPoolLayer implements NativeLayer {
  readonly params: Param[] = [];
  private readonly meanAttrs: NativeAttr[];
  private readonly reshapeAttrs: NativeAttr[];
  private readonly broadcastAttrs: NativeAttr[];
  private readonly axes: number;
  private readonly columns: number;
  private readonly size: number;
  private readonly shapes: PerBatchConstant;
  private batch = 0;
  constructor(
    private readonly s: NativeScope,
    inputShape: number[],
  ) {
    const a = s.a;
    const [h, w, c] = inputShape as [number, number, number];
    this.meanAttrs = a.reduce(false);
    this.reshapeAttrs = [a.type('T', a.F), a.type('Tshape', a.I)];
    this.broadcastAttrs = [a.type('T', a.F), a.type('Tidx', a.I)];
    this.axes = s.constantI([2], [1, 2]);
    this.columns = s.constantI([4], [-1, 1, 1, c]);
    // tfjs's mean gradient divides by the window's size (not a multiply by its inverse): the same rounding.
    this.size = s.constantF([], [h * w]);
    this.shapes = new PerBatchConstant((batch) => s.constantI([4], [batch, h, w, c]));
  }
  forward(x: number, batch: number): number {
    this.batch = batch;
    return this.s.op('Mean', this.meanAttrs, [x, this.axes]);
  }
  backward(dy: number, _grads: number[], needInput: boolean): number {
    if (!needInput) return -1;
    const s = this.s;
    const scaled = s.op('RealDiv', s.a.T, [s.op('Reshape', this.reshapeAttrs, [dy, this.columns]), this.size]);
    return s.op('BroadcastTo', this.broadcastAttrs, [scaled, this.shapes.get(this.batch)]);
  }
}
