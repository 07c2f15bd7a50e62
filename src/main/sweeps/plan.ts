/**
 * From a sweep spec to its trials: the combinations (grid order, or a
 * seeded draw without repeats), and each trial's options turned into the
 * run's configuration, checked by the same schema as `train`.
 */
import { augmentIsOff, parseAugment } from '@shared/augment';
import path from 'node:path';
import type { z } from 'zod';
import { parseEarlyStop, parseLrSchedule } from '@shared/callbacks';
import { presetSpec, type ModelSpec } from '@shared/model-spec';
import { StudioError } from '@shared/result';
import type { SweepSpec } from '@shared/sweeps';
import { TrainConfigInput } from '@shared/training';
import { seededRandom, shuffle } from '../trainer/random';

/** Every combination of `vary`'s values, in grid order (the last option changes fastest). */
export function gridOf(vary: Record<string, unknown[]>): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [name, values] of Object.entries(vary)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  return combos;
}

/** The trials' values: the grid, or `budget` of its combinations drawn at random (seeded, no repeats). */
export function planTrials(spec: SweepSpec, seed: number): Record<string, unknown>[] {
  const grid = gridOf(spec.vary);
  const budget = Math.min(spec.budget ?? grid.length, grid.length);
  if (spec.method === 'grid') return grid.slice(0, budget);
  const order = shuffle(Int32Array.from(grid.keys()), seededRandom(seed));
  return Array.from(order.subarray(0, budget), (k) => grid[k]!);
}

/** The preset with its hidden dense layers' units replaced (one number for all, or one per layer). */
function withHiddenUnits(spec: ModelSpec, units: number | number[]): ModelSpec {
  const dense = spec.layers.flatMap((l, i) => (l.type === 'dense' && i < spec.layers.length - 1 ? [i] : []));
  const list = typeof units === 'number' ? dense.map(() => units) : units;
  if (list.length !== dense.length)
    throw new StudioError('INVALID_ARGUMENT', `${spec.name} has ${dense.length} hidden dense layers, hiddenUnits gives ${list.length}`, 'hiddenUnits');
  return { ...spec, layers: spec.layers.map((l, i) => (l.type === 'dense' && dense.includes(i) ? { ...l, units: list[dense.indexOf(i)]! } : l)) };
}

/** A field of the run's config → the option that sets it, so an error names what the spec says. */
const OPTION_OF: Record<string, string> = {
  'hyperparams.epochs': 'epochs',
  'hyperparams.batchSize': 'batchSize',
  'hyperparams.learningRate': 'lr',
  'hyperparams.validationSplit': 'validationSplit',
  'hyperparams.earlyStopping': 'earlyStop',
  'hyperparams.restoreBest': 'restoreBest',
  'hyperparams.lrSchedule': 'lrSchedule',
  'hyperparams.augment': 'augment',
};

/** The run configuration of one trial: base and values merged, as `train` would build it from the same flags. */
export function trialConfig(spec: SweepSpec, values: Record<string, unknown>, seed: number): z.output<typeof TrainConfigInput> {
  const o = { ...spec.base, ...values };
  let model = presetSpec(o.preset ?? 'mlp', o.activation ? { activation: o.activation } : {});
  if (o.hiddenUnits !== undefined) model = withHiddenUnits(model, o.hiddenUnits);
  const hyperparams: Record<string, unknown> = {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.lr,
    optimizer: o.optimizer,
    loss: o.loss,
    validationSplit: o.validationSplit,
    seed: o.seed ?? seed,
    limit: o.limit,
    logEvery: o.logEvery,
    threads: o.threads,
    trainingPath: o.trainingPath,
    earlyStopping: o.earlyStop !== undefined ? parseEarlyStop(o.earlyStop) : undefined,
    restoreBest: o.restoreBest,
    lrSchedule: o.lrSchedule !== undefined ? parseLrSchedule(o.lrSchedule) : undefined,
    augment: o.augment !== undefined && !augmentIsOff(parseAugment(o.augment)) ? parseAugment(o.augment) : undefined,
  };
  for (const key of Object.keys(hyperparams)) if (hyperparams[key] === undefined) delete hyperparams[key];
  const dataset = spec.dataDir !== undefined ? { dir: path.resolve(spec.dataDir) } : { id: spec.dataset! };
  const parsed = TrainConfigInput.safeParse({ dataset, model, hyperparams });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  throw new StudioError('INVALID_ARGUMENT', `trial ${JSON.stringify(values)}: ${OPTION_OF[field] ?? field}: ${issue.message}`, OPTION_OF[field] ?? field);
}
