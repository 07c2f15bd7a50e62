/** The native losses: the batch's mean loss and its gradient with respect to the logits, in one pass. */
import type { NativeAttr } from './binding';
import { PerBatchConstant, type NativeScope } from './scope';

/** A loss: the batch's mean loss (a scalar id) and its gradient with respect to the logits. */
export interface NativeLoss {
  /** The batch's targets, gathered by the step's row index. */
  targets(index: number): number;
  compute(logits: number, targets: number, batch: number): { loss: number; dLogits: number };
}

/** Softmax cross-entropy as tfjs's softmaxCrossEntropy computes it: per-example losses, their mean, gradient (softmax − onehot) / batch. */
export class CrossEntropyLoss implements NativeLoss {
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
export class MeanSquaredErrorLoss implements NativeLoss {
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
