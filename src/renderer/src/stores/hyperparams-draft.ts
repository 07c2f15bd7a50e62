/**
 * The Train screen's hyperparameters as typed: text in number fields (so
 * "0.00" stays as the user left it), checked with the contract's schema.
 */
import { AUGMENT_FIELDS, AUGMENT_PRESET_VALUES, augmentPresetOf, type AugmentField, type AugmentPreset } from '@shared/augment';
import { DEFAULT_HYPERPARAMS, HYPERPARAM_LIMITS, Hyperparams, type HyperparamsInput, type LossName, type OptimizerName } from '@shared/hyperparams';

/** The number fields, in the order the form shows them. */
export const NUMBER_FIELDS = ['epochs', 'batchSize', 'learningRate', 'validationSplit', 'limit', 'seed', 'logEvery'] as const;
export type HyperparamNumberField = (typeof NUMBER_FIELDS)[number];
export type HyperparamField = HyperparamNumberField | 'optimizer' | 'loss' | 'augment';

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

export interface HyperparamsDraft {
  numbers: Record<HyperparamNumberField, string>;
  optimizer: OptimizerName;
  loss: LossName;
  augment: AugmentDraft;
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
  const parsed = Hyperparams.safeParse(input);
  if (parsed.success) {
    const { normalization: _normalization, ...chosen } = parsed.data;
    return { value: chosen, invalid: [], augmentInvalid: [] };
  }
  return {
    value: null,
    invalid: [...new Set(parsed.error.issues.map((issue) => issue.path[0] as HyperparamField))],
    augmentInvalid: [...new Set(parsed.error.issues.filter((issue) => issue.path[0] === 'augment').map((issue) => issue.path[1] as AugmentField))],
  };
}
