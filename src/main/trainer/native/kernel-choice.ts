/**
 * Which of two formulations computes a convolution's filter gradient, chosen
 * per layer shape and batch size by timing both, once, on the first step's
 * own tensors, instead of by a fixed rule. Which one wins depends on the
 * shapes, the thread count and the kernels TensorFlow picks (oneDNN's or
 * Eigen's): on two cores with oneDNN, Conv2DBackpropFilter wins for LeNet at
 * batch 512, the batch-swapped convolution (SwappedFilterGradient) loses
 * there and can win elsewhere. Both give the same sums in another order.
 *
 * A trainer keeps what it measured in the home's cache
 * (`cache/kernels.json`, see home-cache.ts), keyed by the versions,
 * threads and CPU that produced it, so later runs of the same shapes skip
 * the timing and pick the same formulation (the same rounding).
 */

export const FILTER_GRADIENT_FORMS = ['backprop', 'swapped'] as const;
export type FilterGradientForm = (typeof FILTER_GRADIENT_FORMS)[number];

/** Timings of each formulation in the first step: this many rounds, the best of each kept. */
const ROUNDS = 4;

export interface KernelMeasurement {
  form: FilterGradientForm;
  /** Best time of each formulation over the rounds, ms. */
  ms: Record<FilterGradientForm, number>;
}

export class KernelChoices {
  /** Choices by key: loaded from the home's cache, then what this process measured. */
  readonly known = new Map<string, FilterGradientForm>();
  /** What this process measured (to write back to the cache), in order. */
  readonly measured = new Map<string, KernelMeasurement>();

  /** `only`: one formulation everywhere, without timing (the tests of each formulation). */
  constructor(private readonly only: FilterGradientForm | null = null) {}

  /**
   * The filter gradient of the layer and batch `key`, by the known choice;
   * the first time, every formulation runs ROUNDS times on these tensors
   * (TensorFlow's CPU ops run synchronously: a call's time is the op's) and
   * the fastest's result is returned. The other results are the step's
   * intermediates, freed with it.
   */
  filterGradient(key: string, forms: Record<FilterGradientForm, () => number>): number {
    const form = this.only ?? this.known.get(key);
    if (form) return forms[form]();
    const ms = { backprop: Infinity, swapped: Infinity };
    const last = { backprop: -1, swapped: -1 };
    for (let round = 0; round < ROUNDS; round++) {
      for (const f of FILTER_GRADIENT_FORMS) {
        const start = performance.now();
        last[f] = forms[f]();
        ms[f] = Math.min(ms[f], performance.now() - start);
      }
    }
    const chosen: FilterGradientForm = ms.swapped < ms.backprop ? 'swapped' : 'backprop';
    this.known.set(key, chosen);
    this.measured.set(key, { form: chosen, ms });
    return last[chosen];
  }

  /** The choices this process measured, as the cache keeps them. */
  measuredChoices(): [string, FilterGradientForm][] {
    return [...this.measured].map(([key, m]) => [key, m.form]);
  }
}

/** The key of a filter gradient: the layer's formulation, its shapes and the batch size. */
export function filterGradientKey(kind: 'direct' | 'folded', input: readonly number[], kernel: readonly number[], padding: string, batch: number): string {
  return `${kind} conv [${input.join(',')}] kernel [${kernel.join(',')}] ${padding} batch ${batch}`;
}
