/**
 * The native batch normalisation: TF's fused kernels. Training normalises
 * by the batch's statistics (FusedBatchNormV3, is_training) and moves the
 * moving mean and variance as tfjs-layers does, m ← m − (m − batch)·(1 −
 * momentum) with the batch's biased variance; the backward pass is
 * FusedBatchNormGradV3 from the forward's saved statistics. An inference
 * forward (the histograms' gradients) normalises by the moving statistics,
 * and its backward is FusedBatchNormGradV3 with is_training false, which
 * takes them in place of the batch's. A flat input
 * [n, c] runs as [n, 1, 1, c] (the kernels want four dimensions).
 */
import type { NativeAttr } from './binding';
import type { NativeLayer, Param } from './layer';
import type { NativeScope } from './scope';

export class BatchNormLayer implements NativeLayer {
  private readonly trainAttrs: NativeAttr[];
  private readonly inferAttrs: NativeAttr[];
  private readonly gradAttrs: NativeAttr[];
  private readonly inferGradAttrs: NativeAttr[];
  private readonly assignAttrs: NativeAttr[];
  private readonly reshapeAttrs: NativeAttr[];
  /** [-1, 1, 1, c] and [-1, c] for a flat input; -1 for an image. */
  private readonly asImage: number;
  private readonly asFlat: number;
  private readonly empty: number;
  private readonly decay: number;
  private x = -1;
  private gamma = -1;
  private saved: number[] = [];
  private training = true;
  constructor(
    private readonly s: NativeScope,
    /** gamma, beta (trained), moving mean, moving variance (moved by the rule above). */
    readonly params: Param[],
    spec: { momentum: number; epsilon: number },
    inputShape: number[],
  ) {
    const a = s.a;
    const base = [a.type('T', a.F), a.type('U', a.F), a.float('epsilon', spec.epsilon), a.str('data_format', 'NHWC')];
    this.trainAttrs = [...base, a.float('exponential_avg_factor', 1), a.bool('is_training', true)];
    this.inferAttrs = [...base, a.float('exponential_avg_factor', 1), a.bool('is_training', false)];
    this.gradAttrs = [...base, a.bool('is_training', true)];
    this.inferGradAttrs = [...base, a.bool('is_training', false)];
    this.assignAttrs = [a.type('dtype', a.F), a.bool('validate_shape', false)];
    this.reshapeAttrs = [a.type('T', a.F), a.type('Tshape', a.I)];
    const c = inputShape.at(-1)!;
    this.asImage = inputShape.length === 1 ? s.constantI([4], [-1, 1, 1, c]) : -1;
    this.asFlat = inputShape.length === 1 ? s.constantI([2], [-1, c]) : -1;
    this.empty = s.constantF([0], []);
    // tfjs computes 1 − momentum in JavaScript and multiplies by its float32.
    this.decay = s.constantF([], [1 - spec.momentum]);
  }
  private image(t: number): number {
    return this.asImage === -1 ? t : this.s.op('Reshape', this.reshapeAttrs, [t, this.asImage]);
  }
  private flat(t: number): number {
    return this.asFlat === -1 ? t : this.s.op('Reshape', this.reshapeAttrs, [t, this.asFlat]);
  }
  /** m ← m − (m − value)·decay, into the variable. */
  private move(param: Param, value: number): void {
    const s = this.s;
    const old = s.read(param.handle);
    const T = s.a.T;
    s.run('AssignVariableOp', this.assignAttrs, [param.handle, s.op('Sub', T, [old, s.op('Mul', T, [s.op('Sub', T, [old, value]), this.decay])])]);
  }
  forward(x: number, _batch: number, training: boolean): number {
    const s = this.s;
    const [gamma, beta, mean, variance] = this.params as [Param, Param, Param, Param];
    this.x = this.image(x);
    this.gamma = s.read(gamma.handle);
    this.training = training;
    if (!training) {
      const moving = [s.read(mean.handle), s.read(variance.handle)];
      this.saved = [...moving, this.empty];
      const y = s.opN('FusedBatchNormV3', this.inferAttrs, [this.x, this.gamma, s.read(beta.handle), ...moving], 6)[0]!;
      return this.flat(y);
    }
    const [y, batchMean, , saveMean, saveVariance, reserve] = s.opN('FusedBatchNormV3', this.trainAttrs, [this.x, this.gamma, s.read(beta.handle), this.empty, this.empty], 6) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    this.saved = [saveMean, saveVariance, reserve];
    // The saved variance is the biased one (as tfjs's moments); the batch_variance output is Bessel-corrected.
    this.move(mean, batchMean);
    this.move(variance, saveVariance);
    return this.flat(y);
  }
  backward(dy: number, grads: number[], needInput: boolean): number {
    const attrs = this.training ? this.gradAttrs : this.inferGradAttrs;
    const [dx, dGamma, dBeta] = this.s.opN('FusedBatchNormGradV3', attrs, [this.image(dy), this.x, this.gamma, ...this.saved], 5) as [number, number, number];
    grads[this.params[0]!.slot] = dGamma;
    grads[this.params[1]!.slot] = dBeta;
    return needInput ? this.flat(dx) : -1;
  }
}
