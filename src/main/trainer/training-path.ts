/**
 * How a run trains its model, behind one interface the loop drives: the
 * tfjs-layers path (tfjs-layers forward, `optimizer.minimize`) or the
 * native path (stock TF kernels through tfjs-node's binding, ~5× fewer
 * ops; native/path.ts). Both train the same tfjs-layers model, which
 * evaluation, saving and export use.
 *
 * The native path is used only after a self-test at trainer start: two
 * steps on both paths from the same weights and batch must give the same
 * losses and updates. A binding that lacks an op or computes otherwise (a
 * different tfjs-node) makes the run train on the layers path, and the
 * run's environment says so and why.
 *
 * `MNIST_STUDIO_NATIVE_FAULT` (tests only) injects such a failure into the
 * native path: `missing-op`, `disagree` or `graph` (see NativeFault).
 */
import type { LayersModel, Optimizer, Scalar, SGDOptimizer, Tensor, Variable } from '@tensorflow/tfjs-node';
import { SGD_MOMENTUM, type Hyperparams, type TrainingPathChoice } from '@shared/hyperparams';
import { INPUT_SHAPE, type ModelSpec } from '@shared/model-spec';
import { StudioError } from '@shared/result';
import type { TrainingPathCause } from '@shared/training';
import type { Tf } from '../native';
import type { TrainingData } from './data';
import { errorLine } from './failure';
import { buildModel, lossFunction, trainingForward, type Forward, type LossFn } from './model';
import { stepGraphsWanted } from './native/graph';
import { NativePath, type NativeFault, type NativePathOptions } from './native/path';
import type { TrainingPath } from './path';
import { seededRandom } from './random';

export function createOptimizer(tf: Tf, hp: Pick<Hyperparams, 'optimizer' | 'learningRate'>): Optimizer {
  switch (hp.optimizer) {
    case 'sgd':
      return tf.train.sgd(hp.learningRate);
    case 'momentum':
      return tf.train.momentum(hp.learningRate, SGD_MOMENTUM);
    case 'adam':
      return tf.train.adam(hp.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(hp.learningRate);
    default: {
      const never: never = hp.optimizer;
      throw new Error(`unknown optimizer ${String(never)}`);
    }
  }
}

/**
 * Changes a tfjs optimizer's learning rate for its next steps: SGD and
 * momentum cache −lr as a kept scalar (`setLearningRate` replaces it);
 * Adam and RMSProp read their `learningRate` field at every step.
 */
export function setOptimizerLearningRate(optimizer: Optimizer, lr: number): void {
  // Not `instanceof`: tfjs's optimizer classes answer it for any optimizer (Symbol.hasInstance checks the methods).
  const sgd = optimizer as Partial<Pick<SGDOptimizer, 'setLearningRate'>>;
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate.call(optimizer, lr);
  else (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** The variables `minimize` updates: this model's only (another model may be alive, e.g. in the self-test). */
export function trainableVariables(model: LayersModel): Variable[] {
  return model.trainableWeights.map((w) => w.read() as Variable);
}

/**
 * The step of a tfjs-layers model: forward, loss, gradients and update,
 * called inside a tf.tidy. The logits are `tf.keep`-ed to outlive it.
 */
export function layersStep(tf: Tf, forward: Forward, loss: LossFn, optimizer: Optimizer, variables?: Variable[]) {
  return (x: Tensor, y: Tensor): { loss: Tensor; logits: Tensor } => {
    let logits: Tensor | null = null;
    const cost = optimizer.minimize(
      () => {
        const out = forward(x);
        logits = tf.keep(out);
        return loss(y, out) as Scalar;
      },
      true,
      variables,
    )!;
    return { loss: cost, logits: logits! };
  };
}

/** What a path trains: the model (whose weights it starts from and ends in), its spec, the settings, the training split. */
export type PathOptions = Omit<NativePathOptions, 'fault'>;

/** The tfjs-layers path: per batch one tidy with two gathers and `optimizer.minimize`. */
export function layersPath(o: PathOptions): TrainingPath {
  const { tf } = o;
  const optimizer = createOptimizer(tf, o.hp);
  const step = layersStep(tf, trainingForward(tf, o.model, o.spec, o.dropoutRand), lossFunction(tf, o.hp.loss), optimizer, trainableVariables(o.model));
  let losses: Tensor[] = [];
  let logits: Tensor[] = [];
  const discard = () => {
    for (const t of [...losses, ...logits]) t.dispose();
    losses = [];
    logits = [];
  };
  return {
    name: 'layers',
    step(rows, images) {
      let out: { loss: Tensor; logits: Tensor } | null = null;
      tf.tidy(() => {
        const index = tf.tensor1d(rows, 'int32');
        const x = images ? tf.tensor4d(images, [rows.length, ...INPUT_SHAPE]) : tf.gather(o.train.x, index);
        out = step(x, tf.gather(o.train.y, index));
        return [out.loss, out.logits];
      });
      losses.push(out!.loss);
      logits.push(out!.logits);
    },
    drain() {
      if (losses.length === 0) return { losses: new Float32Array(0), predicted: new Int32Array(0) };
      const [lossT, predT] = tf.tidy((): [Tensor, Tensor] => [tf.stack(losses), tf.argMax(tf.concat(logits), 1)]);
      try {
        return { losses: lossT.dataSync() as Float32Array, predicted: predT.dataSync() as Int32Array };
      } finally {
        lossT.dispose();
        predT.dispose();
        discard();
      }
    },
    setLearningRate(lr) {
      setOptimizerLearningRate(optimizer, lr);
    },
    sync() {},
    liveHandles: 0,
    dispose() {
      discard();
      optimizer.dispose();
    },
  };
}

/** Steps and rows of the self-test: enough to exercise the optimizer's state, cheap for any model. */
const SELF_TEST_STEPS = 2;
const SELF_TEST_ROWS = 16;
/**
 * Loss agreement (relative), and update agreement: the difference of the
 * two paths' weights against the layers path's update, in L2 norm per
 * weight tensor. Not element by element: Adam's first steps move a weight
 * by lr·g / (|g| + ε), which turns the rounding noise of a gradient near ε
 * into a visible share of lr (up to 1% seen on real digits, while the L2
 * share stays below 2e-4). A wrong update rule is off by 100%.
 */
const SELF_TEST_LOSS_TOLERANCE = 1e-4;
const SELF_TEST_UPDATE_TOLERANCE = 1e-2;

/** Reads `MNIST_STUDIO_NATIVE_FAULT`; anything else set there is an error, so a typo cannot pass a test silently. */
export function nativeFault(env: NodeJS.ProcessEnv = process.env): NativeFault | undefined {
  const value = env.MNIST_STUDIO_NATIVE_FAULT;
  if (value === undefined || value === '') return undefined;
  if (value === 'missing-op' || value === 'disagree' || value === 'graph') return value;
  throw new Error(`MNIST_STUDIO_NATIVE_FAULT must be missing-op, disagree or graph, not ${value}`);
}

/** Why the self-test failed: the native path could not run, or it computed other numbers. */
export interface SelfTestProblem {
  cause: Extract<TrainingPathCause, 'native-unavailable' | 'native-disagreed'>;
  message: string;
}

/**
 * Trains `SELF_TEST_STEPS` steps of the run's configuration on both paths
 * from the model's current weights and compares. Returns null when they
 * agree, or why the native path cannot be used. Leaves the model and the
 * run's random streams untouched.
 */
export function selfTest(o: Omit<PathOptions, 'dropoutRand'> & { rows: Int32Array; fault?: NativeFault; twinNames?: string }): SelfTestProblem | null {
  const { tf, model, spec } = o;
  const rows = o.rows.subarray(0, Math.min(SELF_TEST_ROWS, o.rows.length));
  const twin = buildModel(tf, spec, seededRandom(1), o.twinNames);
  const initial = model.getWeights().map((w) => w.dataSync() as Float32Array);
  twin.setWeights(model.getWeights());
  const layers = layersPath({ ...o, model: twin, dropoutRand: seededRandom(7) });
  let native: NativePath | null = null;
  try {
    try {
      native = new NativePath({ ...o, dropoutRand: seededRandom(7) });
      for (let k = 0; k < SELF_TEST_STEPS; k++) native.step(rows);
    } catch (err) {
      return { cause: 'native-unavailable', message: `the native path could not run here (${errorLine(err)})` };
    }
    for (let k = 0; k < SELF_TEST_STEPS; k++) layers.step(rows);
    const a = layers.drain().losses;
    const b = native.drain().losses;
    for (let k = 0; k < SELF_TEST_STEPS; k++) {
      if (!(Math.abs(a[k]! - b[k]!) <= SELF_TEST_LOSS_TOLERANCE * Math.max(1, Math.abs(a[k]!)))) {
        return { cause: 'native-disagreed', message: `the native path disagreed with tfjs-layers in the self-test: loss ${b[k]} against ${a[k]} at step ${k + 1}` };
      }
    }
    const expected = twin.getWeights().map((w) => w.dataSync() as Float32Array);
    const actual = native.weights();
    for (let i = 0; i < expected.length; i++) {
      let update = 0;
      let off = 0;
      for (let j = 0; j < expected[i]!.length; j++) {
        update += (expected[i]![j]! - initial[i]![j]!) ** 2;
        off += (expected[i]![j]! - actual[i]![j]!) ** 2;
      }
      [update, off] = [Math.sqrt(update), Math.sqrt(off)];
      if (!(off <= SELF_TEST_UPDATE_TOLERANCE * update + 1e-7 * Math.sqrt(expected[i]!.length))) {
        return {
          cause: 'native-disagreed',
          message: `the native path disagreed with tfjs-layers in the self-test: weight ${i} off by ${off.toExponential(2)} (L2) after an update of ${update.toExponential(2)}`,
        };
      }
    }
    return null;
  } finally {
    native?.dispose();
    layers.dispose();
    twin.dispose();
  }
}

/**
 * What a self-test's verdict depends on: the network, the update rule and
 * the loss (and an injected fault), not the data, the seed or the run's
 * length. A trainer process keeps its verdicts by this key: one that tested
 * a configuration while it waited for a run (a warm trainer) need not test
 * it again before the run's first step.
 */
export function selfTestKey(spec: ModelSpec, hp: Pick<Hyperparams, 'optimizer' | 'learningRate' | 'loss'>, fault: NativeFault | undefined): string {
  // Steps as graphs or op by op (MNIST_STUDIO_STEP_GRAPHS) run other ops: each has its own verdict.
  return JSON.stringify([spec.layers, hp.optimizer, hp.learningRate, hp.loss, fault ?? null, stepGraphsWanted() ? 'graphs' : 'ops']);
}

/** Self-test verdicts of this process by `selfTestKey`: null where the native path passed. */
export type SelfTestVerdicts = Map<string, SelfTestProblem | null>;

/** Which path a run trains on, and why, for its environment record. */
export interface OpenedPath {
  path: TrainingPath;
  reason: string;
  cause: TrainingPathCause;
}

/**
 * Opens the run's training path: `layers` when asked; otherwise the native
 * path if it passes its self-test, else (for `auto`) the layers path with
 * the reason, or (for `native`, which insists) an error.
 */
export function openTrainingPath(o: PathOptions & { data: TrainingData; choice: TrainingPathChoice; fault?: NativeFault; verdicts?: SelfTestVerdicts }): OpenedPath {
  if (o.choice === 'layers') return { path: layersPath(o), reason: 'asked for the tfjs-layers path', cause: 'asked' };
  const key = selfTestKey(o.spec, o.hp, o.fault);
  const known = o.verdicts?.get(key);
  const problem = known !== undefined ? known : selfTest({ ...o, rows: o.data.trainIndices });
  o.verdicts?.set(key, problem);
  if (problem === null) return { path: new NativePath(o), reason: 'the native path passed its self-test against tfjs-layers', cause: 'self-test-passed' };
  if (o.choice === 'native') throw new StudioError('UNAVAILABLE', `the native training path was asked for, but ${problem.message}`);
  return { path: layersPath(o), reason: `${problem.message}; training on the tfjs-layers path instead`, cause: problem.cause };
}
