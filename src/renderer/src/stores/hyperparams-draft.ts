/**
 * The Train screen's hyperparameters as typed: text in number fields (so
 * "0.00" stays as the user left it), checked with the contract's schema.
 */
import { AUGMENT_FIELDS, AUGMENT_PRESET_VALUES, augmentPresetOf, type AugmentField, type AugmentPreset } from '@shared/augment';
import { callbackProblem, type LrSchedule, type Monitor } from '@shared/callbacks';
import { DEFAULT_MIX, mixProblem } from '@shared/mix';
import { DEFAULT_HYPERPARAMS, HYPERPARAM_LIMITS, Hyperparams, type HyperparamsInput, type LossName, type OptimizerName } from '@shared/hyperparams';

/** The number fields, in the order the form shows them. */
export const NUMBER_FIELDS = ['epochs', 'batchSize', 'learningRate', 'validationSplit', 'limit', 'seed', 'logEvery'] as const;
export type HyperparamNumberField = (typeof NUMBER_FIELDS)[number];
export type HyperparamField = HyperparamNumberField | 'optimizer' | 'loss' | 'augment' | 'callbacks' | 'mix';

/** The augmentation as typed: a preset, or `custom` once a field is changed by hand; every field as text. */
export interface AugmentDraft {
  preset: AugmentPreset | 'custom';
  fields: Record<AugmentField, string>;
}

/** A preset's fields as text. */
export function augmentDraftOf(preset: AugmentPreset): AugmentDraft {
  const values = AUGMENT_PRESET_VALUES[preset];
  return { preset, fields: Object.fromEntries(AUGMENT_FIELDS.map((f) => [f, String(values[f])])) as Record<AugmentField, string> };
}

/** Fields that may stay empty: no limit (the whole training set), no seed (the studio draws one). */
export const OPTIONAL_NUMBER_FIELDS: readonly HyperparamNumberField[] = ['limit', 'seed'];

/** The learning-rate schedules the Train screen offers, each with settings a learner can read (the CLI and sweeps take any). */
export const LR_SCHEDULE_CHOICES = ['none', 'cosine', 'step', 'exponential', 'plateau'] as const;
export type LrScheduleChoice = (typeof LR_SCHEDULE_CHOICES)[number];
export const LR_SCHEDULE_PRESETS: Record<Exclude<LrScheduleChoice, 'none'>, LrSchedule> = {
  cosine: { type: 'cosine', minLr: 0 },
  step: { type: 'step', every: 2, factor: 0.5 },
  exponential: { type: 'exponential', gamma: 0.9 },
  plateau: { type: 'plateau', patience: 2, factor: 0.5, minLr: 0 },
};

/** Early stopping, restoring the best epoch and the learning-rate schedule, as the form holds them. */
export interface CallbacksDraft {
  earlyStop: 'off' | Monitor;
  patience: string;
  restoreBest: boolean;
  lrSchedule: LrScheduleChoice;
}

export const DEFAULT_CALLBACKS: CallbacksDraft = { earlyStop: 'off', patience: '3', restoreBest: false, lrSchedule: 'none' };

/** Mixing a personal set into each batch (fine-tuning on your own digits): on or off, which set, and the two shares as typed. */
export interface MixDraft {
  on: boolean;
  /** The set's id; '' until one is picked. */
  dataset: string;
  share: string;
  holdout: string;
}

export const DEFAULT_MIX_DRAFT: MixDraft = { on: false, dataset: '', share: String(DEFAULT_MIX.share), holdout: String(DEFAULT_MIX.holdout) };

/** Which part of the mix the schema refuses. */
export type MixField = 'dataset' | 'share' | 'holdout';

export interface HyperparamsDraft {
  numbers: Record<HyperparamNumberField, string>;
  optimizer: OptimizerName;
  loss: LossName;
  augment: AugmentDraft;
  callbacks: CallbacksDraft;
  mix: MixDraft;
}

/** How a field's valid values are described: whole numbers in a range, or a number in a range with open or closed ends. */
export type FieldRule = { kind: 'whole'; min: number; max: number } | { kind: 'above'; min: number; max: number } | { kind: 'range'; min: number; max: number };

export const FIELD_RULES: Record<HyperparamNumberField, FieldRule> = {
  epochs: { kind: 'whole', ...HYPERPARAM_LIMITS.epochs },
  batchSize: { kind: 'whole', ...HYPERPARAM_LIMITS.batchSize },
  learningRate: { kind: 'above', ...HYPERPARAM_LIMITS.learningRate },
  validationSplit: { kind: 'range', ...HYPERPARAM_LIMITS.validationSplit },
  limit: { kind: 'whole', ...HYPERPARAM_LIMITS.limit },
  seed: { kind: 'whole', ...HYPERPARAM_LIMITS.seed },
  logEvery: { kind: 'whole', ...HYPERPARAM_LIMITS.logEvery },
};

export function draftFromHyperparams(hp: Hyperparams): HyperparamsDraft {
  const text = (value: number | undefined) => (value === undefined ? '' : String(value));
  return {
    numbers: {
      epochs: text(hp.epochs),
      batchSize: text(hp.batchSize),
      learningRate: text(hp.learningRate),
      validationSplit: text(hp.validationSplit),
      limit: text(hp.limit),
      seed: text(hp.seed),
      logEvery: text(hp.logEvery),
    },
    optimizer: hp.optimizer,
    loss: hp.loss,
    augment: hp.augment
      ? { preset: augmentPresetOf(hp.augment) ?? 'custom', fields: Object.fromEntries(AUGMENT_FIELDS.map((f) => [f, String(hp.augment![f])])) as Record<AugmentField, string> }
      : augmentDraftOf('none'),
    callbacks: {
      earlyStop: hp.earlyStopping?.monitor ?? 'off',
      patience: String(hp.earlyStopping?.patience ?? DEFAULT_CALLBACKS.patience),
      restoreBest: hp.restoreBest ?? false,
      lrSchedule: hp.lrSchedule?.type ?? 'none',
    },
    mix: hp.mix ? { on: true, dataset: hp.mix.dataset, share: String(hp.mix.share), holdout: String(hp.mix.holdout) } : { ...DEFAULT_MIX_DRAFT },
  };
}

export const DEFAULT_DRAFT = draftFromHyperparams(DEFAULT_HYPERPARAMS);

export interface HyperparamsCheck {
  /** The settings to train with, when every field is valid. */
  value: HyperparamsInput | null;
  /** Fields the schema refuses. */
  invalid: HyperparamField[];
  /** Augmentation fields the schema refuses. */
  augmentInvalid: AugmentField[];
  /** Mix fields the schema refuses (or `share` when the batch is too small to mix). */
  mixInvalid: MixField[];
}

/** Text as a number: empty is "not given", anything that is not a plain number is NaN (which the schema refuses). */
function numberOf(text: string): number | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

export function checkHyperparams(draft: HyperparamsDraft): HyperparamsCheck {
  const input: Record<string, unknown> = { optimizer: draft.optimizer, loss: draft.loss };
  for (const field of NUMBER_FIELDS) {
    const value = numberOf(draft.numbers[field]);
    // A required field left empty is a mistake to point at, not a silent default.
    if (value !== undefined || !OPTIONAL_NUMBER_FIELDS.includes(field)) input[field] = value ?? Number.NaN;
  }
  // Augmentation: sent only when it changes something (a run without it records none).
  const augment = Object.fromEntries(AUGMENT_FIELDS.map((f) => [f, numberOf(draft.augment.fields[f]) ?? Number.NaN]));
  if (AUGMENT_FIELDS.some((f) => augment[f] !== 0)) input.augment = augment;
  const cb = draft.callbacks;
  if (cb.earlyStop !== 'off') input.earlyStopping = { monitor: cb.earlyStop, patience: numberOf(cb.patience) ?? Number.NaN };
  if (cb.restoreBest) input.restoreBest = true;
  if (cb.lrSchedule !== 'none') input.lrSchedule = LR_SCHEDULE_PRESETS[cb.lrSchedule];
  const mix = draft.mix;
  if (mix.on) input.mix = { dataset: mix.dataset, share: numberOf(mix.share) ?? Number.NaN, holdout: numberOf(mix.holdout) ?? Number.NaN };
  const parsed = Hyperparams.safeParse(input);
  // Early stopping, restore-best and reduce-on-plateau watch the validation set: without a split they cannot start.
  if (parsed.success && callbackProblem(parsed.data)) return { value: null, invalid: ['callbacks'], augmentInvalid: [], mixInvalid: [] };
  if (parsed.success && mixProblem(parsed.data)) return { value: null, invalid: ['mix'], augmentInvalid: [], mixInvalid: ['share'] };
  if (parsed.success) {
    const { normalization: _normalization, ...chosen } = parsed.data;
    return { value: chosen, invalid: [], augmentInvalid: [], mixInvalid: [] };
  }
  return {
    value: null,
    invalid: [
      ...new Set(
        parsed.error.issues.map((issue) => (['earlyStopping', 'restoreBest', 'lrSchedule'].includes(String(issue.path[0])) ? 'callbacks' : (issue.path[0] as HyperparamField))),
      ),
    ],
    augmentInvalid: [...new Set(parsed.error.issues.filter((issue) => issue.path[0] === 'augment').map((issue) => issue.path[1] as AugmentField))],
    mixInvalid: [...new Set(parsed.error.issues.filter((issue) => issue.path[0] === 'mix').map((issue) => issue.path[1] as MixField))],
  };
}
