/**
 * The Model screen's editing model, pure: a network as the user is typing
 * it (fields may be empty or out of range), turned into a `ModelSpec` and
 * checked with the contract's own schema and shape check, layer by layer.
 */
import {
  describeModel,
  LAYER_LIMITS,
  LAYER_TYPES,
  LAYERS,
  LayerSpec,
  PRESETS,
  presetSpec,
  type Activation,
  type LayerField,
  type LayerProblem,
  type LayerSpecInput,
  type LayerType,
  type ModelSpec,
  type Preset,
} from '@shared/model-spec';

export type { LayerField } from '@shared/model-spec';

/** Which fields each layer type has, in the order they are shown (its registry module's). */
export const LAYER_FIELDS = Object.fromEntries(LAYER_TYPES.map((type): [LayerType, readonly LayerField[]] => [type, LAYERS[type].fields])) as Record<
  LayerType,
  readonly LayerField[]
>;

export type NumberField = Exclude<LayerField, 'padding' | 'activation'>;

/** Fields that may be left empty: the schema fills in its default (a pool's stride is its size). */
export const OPTIONAL_FIELDS = Object.fromEntries(LAYER_TYPES.map((type): [LayerType, readonly LayerField[]] => [type, LAYERS[type].optional])) as Record<
  LayerType,
  readonly LayerField[]
>;

/** Number fields that take fractions in [0, 1) rather than whole numbers. */
export type FractionField = 'rate' | 'momentum';
export const isFraction = (field: NumberField): field is FractionField => field === 'rate' || field === 'momentum';

/**
 * One layer being edited. Every type's settings are kept, so changing a
 * layer's type and back loses nothing; null is an empty field.
 */
export interface DraftLayer {
  /** Stable identity for lists and drag and drop; never saved. */
  key: number;
  type: LayerType;
  units: number | null;
  filters: number | null;
  kernelSize: number | null;
  strides: number | null;
  padding: 'valid' | 'same';
  activation: Activation;
  poolSize: number | null;
  rate: number | null;
  momentum: number | null;
}

export interface DraftModel {
  name: string;
  layers: DraftLayer[];
}

/** The whole-number ranges of the number fields, and the fractions' (a drop rate, a momentum). */
export function fieldRange(field: NumberField): { min: number; max: number; whole: boolean } {
  if (isFraction(field)) return { min: 0, max: 1, whole: false };
  return { ...LAYER_LIMITS[field], whole: true };
}

let nextKey = 1;

const BLANK: Omit<DraftLayer, 'key' | 'type'> = {
  units: 64,
  filters: 16,
  kernelSize: 3,
  strides: 1,
  padding: 'same',
  activation: 'relu',
  poolSize: 2,
  rate: 0.25,
  momentum: 0.99,
};

/** A new layer of a type, with settings that fit most places it can go. */
export function newLayer(type: LayerType): DraftLayer {
  return { key: nextKey++, type, ...BLANK };
}

/** A layer of a spec as a draft: its type's fields from the spec (an optional one left out stays empty). */
function draftLayer(layer: LayerSpec): DraftLayer {
  const draft = newLayer(layer.type);
  const values = layer as Partial<Record<LayerField, unknown>>;
  const set = draft as unknown as Record<LayerField, unknown>;
  for (const field of LAYER_FIELDS[layer.type]) set[field] = values[field] ?? null;
  return draft;
}

export function draftFromSpec(spec: ModelSpec): DraftModel {
  return { name: spec.name, layers: spec.layers.map(draftLayer) };
}

/** What the schema is given for a layer: only its type's fields, empty ones left out. */
export function layerInput(layer: DraftLayer): LayerSpecInput {
  const input: Record<string, unknown> = { type: layer.type };
  for (const field of LAYER_FIELDS[layer.type]) {
    const value = layer[field];
    if (value !== null) input[field] = value;
  }
  return input as LayerSpecInput;
}

/** One layer as the editor shows it: its fields at fault, and its shape and parameters once everything before it is valid. */
export interface LayerCheck {
  key: number;
  /** Fields whose value the schema refuses (out of range, not whole, empty). */
  invalid: LayerField[];
  outputShape: number[] | null;
  params: number;
  /** What the shape check found wrong here; `field` (when set) is the setting to change. */
  problem: LayerProblem | null;
}

export interface DraftCheck {
  /** The spec, when every field and shape is valid: what Train trains and Settings keeps. */
  spec: ModelSpec | null;
  layers: LayerCheck[];
  nameInvalid: boolean;
  /** Total parameters of the layers checked so far. */
  params: number;
  outputShape: number[] | null;
  /** A problem of the whole network (too many parameters), not of one layer. */
  modelProblem: LayerProblem | null;
  /** Fields and problems to fix. */
  issues: number;
}

const NAME_MAX = 64;

/**
 * Checks a draft as the engine will: each layer against the schema, then
 * the shapes of the valid layers up to the first one with a bad field
 * (layers after it have no shape yet, and whether the network ends in ten
 * class scores is only asked of a complete one).
 */
export function checkDraft(draft: DraftModel): DraftCheck {
  const parsed = draft.layers.map((layer) => LayerSpec.safeParse(layerInput(layer)));
  const firstBad = parsed.findIndex((p) => !p.success);
  const complete = firstBad < 0;
  const valid = parsed.slice(0, complete ? parsed.length : firstBad).map((p) => p.data!);
  const summary = describeModel({ name: 'draft', layers: valid });
  const name = draft.name.trim();
  const nameInvalid = name.length < 1 || name.length > NAME_MAX;

  const layers = draft.layers.map((layer, i): LayerCheck => {
    const result = parsed[i]!;
    const invalid = result.success ? [] : [...new Set(result.error.issues.map((issue) => issue.path[0] as LayerField))];
    const shaped = summary.layers[i];
    let problem = shaped?.problem ?? null;
    // An incomplete network is not yet expected to end in the class scores.
    if (!complete && problem?.code === 'wrong-output') problem = null;
    return { key: layer.key, invalid, outputShape: shaped?.outputShape ?? null, params: shaped?.params ?? 0, problem };
  });
  const modelProblem = complete ? (summary.errors.find((e) => e.problem.code === 'too-many-params')?.problem ?? null) : null;
  const issues = layers.reduce((n, l) => n + l.invalid.length + (l.problem ? 1 : 0), 0) + (nameInvalid ? 1 : 0) + (modelProblem ? 1 : 0);
  const layerCountOk = draft.layers.length >= LAYER_LIMITS.layers.min && draft.layers.length <= LAYER_LIMITS.layers.max;
  return {
    spec: issues === 0 && layerCountOk ? { name, layers: valid } : null,
    layers,
    nameInvalid,
    params: summary.params,
    outputShape: complete ? summary.outputShape : null,
    modelProblem,
    issues,
  };
}

/** A layer list as text that does not depend on the order of each layer's keys. */
function layersKey(layers: readonly LayerSpec[]): string {
  return JSON.stringify(layers.map((layer) => Object.entries(layer).sort(([a], [b]) => a.localeCompare(b))));
}

/** The preset a spec is, layer for layer, or null. */
export function matchingPreset(spec: ModelSpec | null): Preset | null {
  if (!spec) return null;
  const key = layersKey(spec.layers);
  return PRESETS.find((preset) => layersKey(presetSpec(preset).layers) === key) ?? null;
}

/** Moves one item of a list; indexes outside it leave the list as it is. */
export function moveItem<T>(items: readonly T[], from: number, to: number): T[] {
  const list = [...items];
  if (from < 0 || from >= list.length || to < 0 || to >= list.length || from === to) return list;
  const [item] = list.splice(from, 1);
  list.splice(to, 0, item!);
  return list;
}
