/** What every native layer is: its parameters, its forward and its backward ops; and the activations' ops they share. */
import type { Activation } from '@shared/model-spec';
import type { NativeAttr } from './binding';
import type { NativeScope } from './scope';

/** A trainable tensor: its variable and where its gradient lands in the step's gradient list. */
export interface Param {
  handle: number;
  shape: number[];
  /** Index in the step's gradient list, or -1 for a weight no gradient trains (a batch norm's moving statistics). */
  slot: number;
}

/** One layer's forward and backward ops. `grads` is the step's gradient list, indexed by `Param.slot`. */
export interface NativeLayer {
  readonly params: Param[];
  forward(x: number, batch: number, training: boolean): number;
  /** Gradient with respect to the input, or -1 when `needInput` is false (nothing before it trains). */
  backward(dy: number, grads: number[], needInput: boolean): number;
}

/** An activation as a forward op and its gradient op (TF's own, as tfjs-layers' gradients compute). */
export class ActivationOps {
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

/** A leading flatten, already applied to the whole split. */
export class IdentityLayer implements NativeLayer {
  readonly params: Param[] = [];
  forward(x: number): number {
    return x;
  }
  backward(dy: number): number {
    return dy;
  }
}
