/**
 * The native training path: one training step as ~30–110 stock TensorFlow
 * ops through tfjs-node's binding, run as one graph (graph.ts) instead of
 * the ~160 ops and ~200 kernels a tfjs-layers step costs. Forward and
 * backward passes are written out per layer (MatMul/BiasAdd, Conv2D and its
 * two backprops, max pooling, the activations and their grad ops; op by op,
 * a convolution with 2×2 pooling after it in space-to-depth form), the loss
 * is SparseSoftmaxCrossEntropyWithLogits or a hand-written mean squared
 * error, and the weights live in TF resource variables updated by the
 * optimizers' fused kernels (ResourceApplyAdam …). As a graph, a step with
 * enough work is two towers, each half of the batch, side by side.
 *
 * The mathematics is the tfjs-layers path's, step for step (test/main/
 * trainer/native/path.test.ts holds the proof): same initial weights (read
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
import os from 'node:os';
import type { LayersModel } from '@tensorflow/tfjs-node';
import type { Hyperparams } from '@shared/hyperparams';
import { describeModel, rowsIndependent, stepTowers, weightLayout, type ModelSpec, type WeightSlot } from '@shared/model-spec';
import type { Tf } from '../../native';
import type { SplitTensors } from '../data';
import type { DrainedSteps, TrainingPath } from '../path';
import { hasSavedModels, nativeAccess, type NativeAttr, type NativeBinding } from './binding';
import { mainLayer } from '../layers';
import type { NativeLayer, Param } from './layer';
import { CrossEntropyLoss, MeanSquaredErrorLoss, type NativeLoss } from './losses';
import { stepGraphsWanted } from './graph';
import { KernelChoices } from './kernel-choice';
import { createNativeOptimizer, type NativeFault, type NativeOptimizer } from './optimizers';
import { NativeScope, PerBatchConstant } from './scope';

export type { NativeFault } from './optimizers';

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
  /** Parts each batch's forward and backward is split into, as graphs where no layer sees the whole batch and the batch divides (else 1); default `stepTowers`. */
  towers?: 1 | 2;
  /** Run steps as one TensorFlow graph each (graph.ts); default: unless MNIST_STUDIO_STEP_GRAPHS=0. */
  graphs?: boolean;
  /** Kernel formulations chosen so far (the home's cache, what the self-test measured); by default measured afresh. */
  kernels?: KernelChoices;
}

/** Threads TensorFlow's graph executor runs ops on side by side (TF_NUM_INTEROP_THREADS, else a thread per core). */
function interOpThreads(): number {
  return Number(process.env.TF_NUM_INTEROP_THREADS) || os.availableParallelism();
}

/** The native path over one model: construct, `step` per batch, `drain` at logged batches, `sync` into the layers model, `dispose`. */
export class NativePath implements TrainingPath {
  readonly name = 'native';
  private readonly s: NativeScope;
  private readonly b: NativeBinding;
  private readonly layers: NativeLayer[];
  /** What layers free after each step (dropout's uniform draws). */
  private readonly afterStep: (() => void)[] = [];
  /** Every weight, in the layers model's order (what `weights` and `sync` read). */
  private readonly params: Param[] = [];
  /** The weights gradients train, in gradient-slot order. */
  private readonly trainable: Param[] = [];
  private readonly grads: number[];
  private readonly loss: NativeLoss;
  private readonly optimizer: NativeOptimizer;
  /** The first layer with weights: nothing before it needs a gradient. */
  private readonly firstTrainable: number;
  private readonly x: number;
  /** Shape of one row of `x` (a leading flatten is already applied). */
  private readonly rowShape: number[];
  private readonly gatherAttrs: NativeAttr[];
  private readonly axis0: number;
  private readonly keptLosses: number[] = [];
  private readonly keptLogits: number[] = [];
  private readonly packAttrs: NativeAttr[];
  private readonly argMaxAttrs: NativeAttr[];
  private readonly axis1: number;
  private disposed = false;
  /** Whether steps run as graphs (graph.ts). */
  private readonly graphs: boolean;
  /** Parts a batch of so many rows is split into, each its own forward and backward (graph.ts runs them side by side). */
  private readonly towersOf: (batch: number) => number;
  private readonly addN2: NativeAttr[];
  private readonly concat2: NativeAttr[];
  private readonly half: number;

  constructor(private readonly o: NativePathOptions) {
    const { tf, model, spec } = o;
    const access = nativeAccess(tf);
    this.b = access.binding;
    const s = (this.s = new NativeScope(this.b, o.fault === 'graph'));
    this.graphs = (o.graphs ?? stepGraphsWanted()) && hasSavedModels(this.b);
    const a = s.a;
    try {
      const summary = describeModel(spec);
      if (summary.errors.length > 0) throw new Error(`the spec does not check: ${summary.errors[0]!.message}`);
      const weights = model.getWeights();
      const layout = weightLayout(spec);
      const param = (slot: WeightSlot): Param => {
        const tensor = weights[slot.index];
        if (!tensor || tensor.shape.join() !== slot.shape.join()) {
          throw new Error(`weight ${slot.index} of the layers model has shape [${tensor?.shape.join(', ') ?? ''}], the spec wants [${slot.shape.join(', ')}]`);
        }
        const p: Param = { handle: s.variable(slot.shape, access.idOf(tensor)), shape: slot.shape, slot: slot.trainable ? this.trainable.length : -1 };
        this.params[slot.index] = p;
        if (slot.trainable) this.trainable.push(p);
        return p;
      };

      this.axis0 = s.constantI([], [0]);
      this.axis1 = s.constantI([], [1]);
      this.gatherAttrs = a.gather(a.F);
      // A leading flatten is done once on the whole split (a reshape shares the buffer): one op less per step.
      const flattenFirst = spec.layers[0]?.type === 'flatten';
      this.rowShape = flattenFirst ? [summary.layers[0]!.outputShape!.reduce((p, d) => p * d, 1)] : [...summary.inputShape];
      this.x = flattenFirst
        ? s.own(
            s.op(
              'Reshape',
              [a.type('T', a.F), a.type('Tshape', a.I)],
              [access.idOf(o.train.x), s.constantI([2], [-1, summary.layers[0]!.outputShape!.reduce((p, d) => p * d, 1)])],
            ),
          )
        : access.idOf(o.train.x);

      const inputOf = (i: number) => (i === 0 ? summary.inputShape : summary.layers[i - 1]!.outputShape!);
      // Layers before the first with trained weights need no gradient.
      const firstTrainable = layout.findIndex((list) => list.some((d) => d.trainable));
      const kernels = o.kernels ?? new KernelChoices();
      this.layers = spec.layers.map((layer, i): NativeLayer => {
        const input = inputOf(i);
        return mainLayer(layer).native(layer, {
          s,
          tf,
          idOf: access.idOf,
          input,
          output: summary.layers[i]!.outputShape!,
          params: layout[i]!.map(param),
          prev: spec.layers[i - 1],
          next: spec.layers[i + 1],
          backprop: firstTrainable >= 0 && firstTrainable < i,
          first: i === 0,
          dropoutRand: o.dropoutRand,
          kernels,
          graphs: this.graphs,
          afterStep: (fn) => this.afterStep.push(fn),
        });
      });
      if (this.params.length !== weights.length) throw new Error(`the layers model has ${weights.length} weights, the spec ${this.params.length}`);
      this.firstTrainable = firstTrainable;
      this.grads = new Array<number>(this.trainable.length).fill(-1);

      const classes = summary.outputShape![0]!;
      if (o.hp.loss === 'cross-entropy') {
        const labels = s.constantI([o.train.labels.length], o.train.labels);
        this.loss = new CrossEntropyLoss(s, labels, this.axis0);
      } else {
        this.loss = new MeanSquaredErrorLoss(s, access.idOf(o.train.y), this.axis0, classes);
      }
      this.optimizer = createNativeOptimizer(s, o.hp, this.trainable, o.fault);
      this.packAttrs = [a.type('T', a.F), a.int('axis', 0)];
      this.addN2 = [a.type('T', a.F), a.int('N', 2)];
      this.concat2 = [a.type('T', a.F), a.type('Tidx', a.I), a.int('N', 2)];
      this.half = s.constantF([], [0.5]);
      // Only as graphs (op by op the towers would run one after the other), and only where no layer sees the whole batch.
      const forced = o.towers;
      const threads = interOpThreads();
      const independent = rowsIndependent(spec);
      // Once per batch size (stepTowers describes the whole network), not per step.
      const towers = new PerBatchConstant((batch) =>
        !this.graphs ? 1 : forced !== undefined ? (independent && batch % forced === 0 ? forced : 1) : stepTowers(spec, batch, threads),
      );
      this.towersOf = (batch) => towers.get(batch);
      this.argMaxAttrs = [a.type('T', a.F), a.type('Tidx', a.I), a.type('output_type', a.I)];
      s.endStep();
    } catch (err) {
      s.dispose();
      throw err;
    }
  }

  /** One optimisation step on the training rows `rows`. Nothing is read back: the loss and logits wait for `drain`. */
  step(rows: Int32Array, images?: Float32Array): void {
    const s = this.s;
    const a = s.a;
    const batch = rows.length;
    // Recorded and run as one graph (op by op the first time, while it is compiled).
    const lazy = this.graphs;
    const towers = this.towersOf(batch);
    const part = batch / towers;
    const rowSize = this.rowShape.reduce((p, d) => p * d, 1);
    try {
      if (lazy) s.beginLazy();
      const losses: number[] = [];
      const logits: number[] = [];
      let towerGrads: number[] = [];
      for (let t = 0; t < towers; t++) {
        const r = towers === 1 ? rows : rows.subarray(t * part, (t + 1) * part);
        const im = images && towers > 1 ? images.subarray(t * part * rowSize, (t + 1) * part * rowSize) : images;
        const out = this.pass(r, im, batch);
        losses.push(out.loss);
        logits.push(out.logits);
        // Gradients are of the whole batch's mean loss, each tower's share: their sum is the step's.
        if (t > 0) for (const p of this.trainable) this.grads[p.slot] = s.op('AddN', this.addN2, [towerGrads[p.slot]!, this.grads[p.slot]!]);
        towerGrads = [...this.grads];
      }
      const loss = towers === 1 ? losses[0]! : s.op('Mul', a.T, [s.op('AddN', this.addN2, losses), this.half]);
      const allLogits = towers === 1 ? logits[0]! : s.op('ConcatV2', this.concat2, [...logits, this.axis0]);
      s.freeReads();
      this.optimizer.apply(this.trainable, this.grads);
      const kept = lazy ? s.flush([loss, allLogits]) : [loss, allLogits];
      this.keptLosses.push(kept[0]!);
      this.keptLogits.push(kept[1]!);
      s.endStep(kept);
    } catch (err) {
      s.abandonLazy();
      s.endStep();
      throw err;
    } finally {
      for (const fn of this.afterStep) fn();
    }
  }

  /** Forward and backward of rows `rows` (gradients into `grads`, scaled for a step of `batch` rows): their mean loss and logits. */
  private pass(rows: Int32Array, images: Float32Array | undefined, batch: number): { loss: number; logits: number } {
    const s = this.s;
    const part = rows.length;
    const index = s.int32([part], rows);
    let h = images ? s.float32([part, ...this.rowShape], images) : s.op('GatherV2', this.gatherAttrs, [this.x, index, this.axis0]);
    const targets = this.loss.targets(index);
    for (const layer of this.layers) h = layer.forward(h, part, true);
    const { loss, dLogits } = this.loss.compute(h, targets, batch);
    let dy = dLogits;
    for (let i = this.layers.length - 1; i >= this.firstTrainable; i--) dy = this.layers[i]!.backward(dy, this.grads, i > this.firstTrainable);
    return { loss, logits: h };
  }

  /**
   * The gradient of the mean loss on training rows `rows` with respect to
   * every weight, with the inference forward (no dropout; batch norm by its
   * moving statistics), as the step's own forward and backward ops compute
   * it, without an update: one per weight in the layers model's order (null
   * for a weight no gradient trains). What the histograms record after each
   * epoch: tfjs's autograd on the layers model costs ~10× more here.
   */
  gradients(rows: Int32Array): (Float32Array | null)[] {
    const s = this.s;
    const batch = rows.length;
    if (this.firstTrainable < 0 || batch === 0) return this.params.map(() => null);
    try {
      const index = s.int32([batch], rows);
      let h = s.op('GatherV2', this.gatherAttrs, [this.x, index, this.axis0]);
      const targets = this.loss.targets(index);
      for (const layer of this.layers) h = layer.forward(h, batch, false);
      let dy = this.loss.compute(h, targets, batch).dLogits;
      for (let i = this.layers.length - 1; i >= this.firstTrainable; i--) dy = this.layers[i]!.backward(dy, this.grads, i > this.firstTrainable);
      return this.params.map((p) => (p.slot < 0 ? null : (this.b.tensorDataSync(this.grads[p.slot]!) as Float32Array)));
    } finally {
      s.endStep();
      for (const fn of this.afterStep) fn();
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

  setLearningRate(lr: number): void {
    this.optimizer.setLearningRate(lr);
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

  /** Steps run as one graph and op by op so far, and why graphs are off if a compile failed. */
  get stepsRun(): { graph: number; eager: number; graphsOffBecause: string | null } {
    const g = this.s.graphs;
    return { ...g.counts, graphsOffBecause: g.disabledBy };
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
