/**
 * Sweeps: a base configuration and the values to vary, searched as a grid
 * or at random (seeded) within a trial budget. `base` and `vary` take the
 * names of `train`'s options (`lr`, `batchSize`, `preset`, `hiddenUnits` …);
 * each trial is an ordinary run with an ordinary model. The spec is what a
 * user writes (a JSON file or the Sweeps screen); the record is what the
 * studio keeps in `sweeps/<id>/sweep.json`.
 */
import { z } from 'zod';
import { parseAugment } from './augment';
import { parseEarlyStop, parseLrSchedule } from './callbacks';
import { Hyperparams, MAX_SEED } from './hyperparams';
import { ACTIVATIONS, PRESETS, wholeNumber } from './model-spec';
import { Id } from './training';

const HP = Hyperparams.shape;

/** A CLI short form (`val-loss:3`, `cosine` …), checked by its parser so the error says what is wrong. */
function shortForm(parse: (text: string) => unknown) {
  return z.string({ error: 'must be a string' }).superRefine((text, ctx) => {
    try {
      parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
}

const Units = wholeNumber(1, 4096);

/** `train`'s options as a sweep names them, each checked as the flag is. */
export const TRAIN_OPTIONS = {
  preset: z.enum(PRESETS, { error: `must be one of ${PRESETS.join(', ')}` }),
  activation: z.enum(ACTIVATIONS, { error: `must be one of ${ACTIVATIONS.join(', ')}` }),
  /** Units of the preset's hidden dense layers: one number for all, or one per layer (mlp 2, cnn 2). */
  hiddenUnits: z.union([Units, z.array(Units).min(1).max(8)], { error: 'must be a whole number from 1 to 4096 or a list of them, one per hidden dense layer' }),
  epochs: HP.epochs.unwrap(),
  batchSize: HP.batchSize.unwrap(),
  lr: HP.learningRate.unwrap(),
  optimizer: HP.optimizer.unwrap(),
  loss: HP.loss.unwrap(),
  validationSplit: HP.validationSplit.unwrap(),
  seed: HP.seed.unwrap(),
  limit: HP.limit.unwrap(),
  logEvery: HP.logEvery.unwrap(),
  threads: HP.threads.unwrap(),
  trainingPath: HP.trainingPath.unwrap(),
  earlyStop: shortForm(parseEarlyStop),
  restoreBest: z.boolean({ error: 'must be true or false' }),
  lrSchedule: shortForm(parseLrSchedule),
  /** As `train --augment`: a preset (none, light, handwriting) or key=value pairs. */
  augment: shortForm(parseAugment),
} as const;
export type TrainOptionName = keyof typeof TRAIN_OPTIONS;
export const TRAIN_OPTION_NAMES = Object.keys(TRAIN_OPTIONS) as TrainOptionName[];

/** One trial's options (a sweep's base with one combination of its values). */
export const TrainOptions = z
  .object(Object.fromEntries(TRAIN_OPTION_NAMES.map((k) => [k, TRAIN_OPTIONS[k].optional()])) as { [K in TrainOptionName]: z.ZodOptional<(typeof TRAIN_OPTIONS)[K]> })
  .strict();
export type TrainOptions = z.output<typeof TrainOptions>;

/** What a sweep ranks its trials by: the test set's (after training) or the last epoch's validation figures. */
export const SWEEP_METRICS = ['testAccuracy', 'testLoss', 'valAccuracy', 'valLoss'] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];
export const higherIsBetter = (metric: SweepMetric) => metric === 'testAccuracy' || metric === 'valAccuracy';

export const SWEEP_LIMITS = { trials: 10_000, values: 1000, parallel: 64 } as const;

const Vary = z
  .record(z.string(), z.array(z.unknown(), { error: 'must be a list of values' }).min(1, { error: 'must list at least one value' }).max(SWEEP_LIMITS.values))
  .superRefine((vary, ctx) => {
    for (const [name, values] of Object.entries(vary)) {
      const schema = (TRAIN_OPTIONS as Record<string, z.ZodType>)[name];
      if (!schema) {
        ctx.addIssue({ code: 'custom', path: [name], message: `is not an option of train (one of ${TRAIN_OPTION_NAMES.join(', ')})` });
        continue;
      }
      values.forEach((value, i) => {
        const parsed = schema.safeParse(value);
        if (!parsed.success) ctx.addIssue({ code: 'custom', path: [name, i], message: parsed.error.issues[0]?.message ?? 'invalid' });
      });
    }
  });

export const SweepSpec = z
  .object({
    /** An installed dataset's id, or `dataDir`: a folder of the four IDX files. */
    dataset: Id.optional(),
    dataDir: z.string().min(1).max(4096).optional(),
    base: TrainOptions.prefault({}),
    method: z.enum(['grid', 'random'], { error: 'must be grid or random' }).default('grid'),
    /** Seeds the random search and every trial's run (unless `seed` is in base or vary); absent: drawn and recorded. */
    seed: wholeNumber(0, MAX_SEED).optional(),
    /** At most this many trials (grid: the first ones; random: drawn without repeats); absent: the whole grid. */
    budget: wholeNumber(1, SWEEP_LIMITS.trials).optional(),
    metric: z.enum(SWEEP_METRICS, { error: `must be one of ${SWEEP_METRICS.join(', ')}` }).default('testAccuracy'),
    vary: Vary,
    /** Stop trials that trail: after `afterEpochs` epochs, one worse than the median of the trials that got there is stopped. */
    earlyTermination: z
      .object({ type: z.literal('median'), afterEpochs: wholeNumber(1, 1000) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if ((spec.dataset === undefined) === (spec.dataDir === undefined))
      ctx.addIssue({ code: 'custom', path: ['dataset'], message: 'give either dataset (an installed id) or dataDir (a folder of IDX files)' });
    for (const name of Object.keys(spec.vary)) {
      if (name in spec.base && (spec.base as Record<string, unknown>)[name] !== undefined)
        ctx.addIssue({ code: 'custom', path: ['vary', name], message: `is also set in base: give it in one place` });
    }
    const size = Object.values(spec.vary).reduce((n, values) => n * values.length, 1);
    if (size > SWEEP_LIMITS.trials && spec.budget === undefined)
      ctx.addIssue({ code: 'custom', path: ['vary'], message: `makes ${size} combinations: set a budget of at most ${SWEEP_LIMITS.trials}` });
  });
export type SweepSpecInput = z.input<typeof SweepSpec>;
export type SweepSpec = z.output<typeof SweepSpec>;

export const TRIAL_STATUSES = ['pending', 'running', 'done', 'pruned', 'failed'] as const;
/** `pruned`: stopped by early termination (its run is `stopped`, its model saved as it was). */
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

export interface Trial {
  index: number;
  /** The varied options' values of this trial. */
  values: Record<string, unknown>;
  status: TrialStatus;
  /** Named when the trial starts, before the run or model exists: a sweep killed at any moment knows what to adopt or delete on resume. The model exists once the trial is done or pruned. */
  runId: string | null;
  modelId: string | null;
  /** The sweep's metric for this trial, once it has one. */
  metric: number | null;
  /** Per finished epoch: validation accuracy/loss (train's without a split), what early termination compares. */
  curve: number[];
  reason: string | null;
}

export const SWEEP_STATUSES = ['running', 'done', 'interrupted'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/** `sweeps/<id>/sweep.json`. */
export interface SweepRecord {
  formatVersion: 1;
  id: string;
  createdAt: string;
  finishedAt: string | null;
  /** `running` while a live process runs it; a sweep whose process is gone reads as `interrupted` and can be resumed. */
  status: SweepStatus;
  spec: SweepSpec;
  /** The seed the search and the trials used (the spec's, or drawn). */
  seed: number;
  hostPid: number;
  trials: Trial[];
  /** Index of the best trial on the metric so far. */
  best: number | null;
}

export interface SweepSummary {
  id: string;
  createdAt: string;
  status: SweepStatus;
  metric: SweepMetric;
  trials: number;
  finished: number;
  best: { index: number; metric: number; runId: string | null; values: Record<string, unknown> } | null;
}

/** Engine → listeners (CLI output, a screen): a trial changed, or the sweep ended. */
export type SweepEvent = { kind: 'trial'; sweepId: string; trial: Trial } | { kind: 'finished'; sweepId: string; record: SweepRecord };
