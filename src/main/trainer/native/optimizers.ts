/** The optimizers as TF's fused kernels, one op per variable. */
import { SGD_MOMENTUM, type Hyperparams } from '@shared/hyperparams';
import type { Param } from './layer';
import type { NativeScope } from './scope';

/**
 * Test-only faults (`MNIST_STUDIO_NATIVE_FAULT`, read by training-path.ts),
 * standing in for a tfjs-node whose binding lacks an op or computes
 * something else: `missing-op` asks the binding for an optimizer kernel
 * that does not exist; `disagree` trains with twice the learning rate;
 * `graph` builds step graphs TensorFlow cannot load (graph.ts), so steps
 * run op by op.
 */
export type NativeFault = 'missing-op' | 'disagree' | 'graph';

/** An optimizer as its fused TF kernel, one op per variable, matching the tfjs optimizer the layers path uses. */
export interface NativeOptimizer {
  apply(params: Param[], grads: number[]): void;
  /** The learning rate of the next steps (a schedule's). */
  setLearningRate(lr: number): void;
}

export function createNativeOptimizer(s: NativeScope, hp: Pick<Hyperparams, 'optimizer' | 'learningRate'>, params: Param[], fault: NativeFault | undefined): NativeOptimizer {
  const a = s.a;
  // A kernel the binding cannot have, for the fallback test.
  const kernel = (name: string) => (fault === 'missing-op' ? `${name}NotInThisBinding` : name);
  const lrValue = (rate: number) => (fault === 'disagree' ? rate * 2 : rate);
  // Read by every step's kernels; a schedule swaps it for a new constant.
  let lr = s.constantF([], [lrValue(hp.learningRate)]);
  const setLearningRate = (rate: number) => {
    lr = s.replaceConstantF(lr, [], [lrValue(rate)]);
  };
  const locking = a.bool('use_locking', false);
  const nesterov = a.bool('use_nesterov', false);
  switch (hp.optimizer) {
    case 'sgd': {
      // tfjs sgd: w += −lr·g.
      const attrs = [a.type('T', a.F), locking];
      const op = kernel('ResourceApplyGradientDescent');
      return {
        setLearningRate,
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
        setLearningRate,
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
        setLearningRate,
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
        setLearningRate,
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
