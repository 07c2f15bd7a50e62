/**
 * Data augmentation as hyperparameters: every training image of a batch is
 * drawn through a random transform (rotation, shift, scale, shear, elastic
 * distortion, stroke thickness, Gaussian noise), seeded by the run's seed,
 * so the same seed repeats the same transforms. Each field is the largest
 * amount in either direction; 0 turns that transform off. Absent (or every
 * field 0): the images train as they are.
 */
import { z } from 'zod';

export const AUGMENT_LIMITS = {
  /** Degrees, ±. */
  rotate: { min: 0, max: 180 },
  /** Pixels, ± in x and in y independently. */
  shift: { min: 0, max: 14 },
  /** Fraction, ± (0.1: 90–110 % size). */
  scale: { min: 0, max: 0.5 },
  /** Degrees of horizontal shear, ±. */
  shear: { min: 0, max: 45 },
  /** Pixels of smooth random displacement, ±, on a coarse grid interpolated over the image. */
  elastic: { min: 0, max: 5 },
  /** Pixels of stroke growth (dilate) or thinning (erode), ±; fractional amounts blend. */
  thickness: { min: 0, max: 2 },
  /** Standard deviation of Gaussian pixel noise, in pixel units of 0–1. */
  noise: { min: 0, max: 0.5 },
} as const;

export const AUGMENT_FIELDS = ['rotate', 'shift', 'scale', 'shear', 'elastic', 'thickness', 'noise'] as const;
export type AugmentField = (typeof AUGMENT_FIELDS)[number];

const field = (name: AugmentField) => {
  const { min, max } = AUGMENT_LIMITS[name];
  const error = `must be a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error }).default(0);
};

export const Augment = z
  .object({
    rotate: field('rotate'),
    shift: field('shift'),
    scale: field('scale'),
    shear: field('shear'),
    elastic: field('elastic'),
    thickness: field('thickness'),
    noise: field('noise'),
  })
  .strict();
export type AugmentInput = z.input<typeof Augment>;
export type Augment = z.output<typeof Augment>;

export const AUGMENT_PRESETS = ['none', 'light', 'handwriting'] as const;
export type AugmentPreset = (typeof AUGMENT_PRESETS)[number];

/**
 * `light`: a little rotation, shift and scale. `handwriting`: what varies
 * between people's digits — slant, size, position, wobble, pen width — and
 * a little sensor noise.
 */
export const AUGMENT_PRESET_VALUES: Record<AugmentPreset, Augment> = {
  none: Augment.parse({}),
  light: Augment.parse({ rotate: 10, shift: 2, scale: 0.1 }),
  handwriting: Augment.parse({ rotate: 20, shift: 4, scale: 0.15, shear: 15, elastic: 1.5, thickness: 0.7, noise: 0.05 }),
};

/** True when the settings change no image. */
export function augmentIsOff(a: Augment | undefined): boolean {
  return a === undefined || AUGMENT_FIELDS.every((f) => a[f] === 0);
}

/** Which preset these settings are, or null for a custom mix. */
export function augmentPresetOf(a: Augment | undefined): AugmentPreset | null {
  if (augmentIsOff(a)) return 'none';
  for (const name of AUGMENT_PRESETS) if (AUGMENT_FIELDS.every((f) => AUGMENT_PRESET_VALUES[name][f] === a![f])) return name;
  return null;
}

/**
 * Reads the CLI's `--augment` text: a preset name, `key=value` pairs
 * (`rotate=15,shift=3,scale=0.1`), or a preset then pairs that override it
 * (`light,noise=0.1`). Throws an Error whose message names the bad part.
 */
export function parseAugment(text: string): Augment {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new Error(`is empty: give a preset (${AUGMENT_PRESETS.join(', ')}) or key=value pairs (${AUGMENT_FIELDS.join(', ')})`);
  let base: Augment = AUGMENT_PRESET_VALUES.none;
  const values: Record<string, number> = {};
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (i !== 0) throw new Error(`"${part}": a preset name comes first; later parts are key=value`);
      if (!(AUGMENT_PRESETS as readonly string[]).includes(part)) throw new Error(`"${part}" is not a preset (${AUGMENT_PRESETS.join(', ')}) nor key=value`);
      base = AUGMENT_PRESET_VALUES[part as AugmentPreset];
      return;
    }
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    if (!(AUGMENT_FIELDS as readonly string[]).includes(key)) throw new Error(`"${key}" is not an augmentation (${AUGMENT_FIELDS.join(', ')})`);
    if (key in values) throw new Error(`${key} is given twice`);
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n)) throw new Error(`${key}=${raw}: not a number`);
    values[key] = n;
  });
  const parsed = Augment.safeParse({ ...base, ...values });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${issue.path.map(String).join('.')} ${issue.message}`);
  }
  return parsed.data;
}

/** The settings as `--augment` text: the preset's name, or the non-zero pairs. */
export function formatAugment(a: Augment | undefined): string {
  const preset = augmentPresetOf(a);
  if (preset) return preset;
  return AUGMENT_FIELDS.filter((f) => a![f] !== 0)
    .map((f) => `${f}=${a![f]}`)
    .join(',');
}
