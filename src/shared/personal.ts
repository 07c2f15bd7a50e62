/**
 * Personal data sets: digits a user drew in the Write screen, kept as the
 * strokes they drew (at the pad's resolution) and as the 28×28 the model
 * sees. The strokes become pixels here, the way the drawing pad paints
 * them (a round pen of PEN_WIDTH), then go through the same MNIST
 * preprocessing as a prediction: main computes a set's images from its
 * strokes with these functions, and a screen can preview them.
 */
import { z } from 'zod';
import { NUM_CLASSES } from './datasets';
import { mnistPreprocess, type GrayImage } from './preprocess';

/** The drawing pad's side in canvas pixels: ten to an MNIST pixel. */
export const PAD_SIZE = 280;
/** The pad's pen, in canvas pixels: about as thick, relative to the digit, as MNIST's strokes once fit in 20×20. */
export const PEN_WIDTH = 20;

/** Limits of one drawing and of a set: a hand's worth of digits, never a data dump. */
export const PERSONAL_LIMITS = {
  /** Strokes in one drawing. */
  maxStrokes: 64,
  /** Points in one stroke. */
  maxPoints: 2000,
  /** Drawings one save adds. */
  maxSamplesPerSave: 1000,
  /** Drawings a personal set holds in all. */
  maxSamples: 10_000,
} as const;

const Coordinate = z
  .number({ error: 'must be a number' })
  .min(0, { error: `must be 0 to ${PAD_SIZE}` })
  .max(PAD_SIZE, { error: `must be 0 to ${PAD_SIZE}` });

/** One stroke: the points the pen passed, flat as x0, y0, x1, y1, … in canvas pixels (0–PAD_SIZE). */
export const Stroke = z
  .array(Coordinate, { error: 'must be a list of coordinates' })
  .min(2, { error: 'must hold at least one point (x, y)' })
  .max(PERSONAL_LIMITS.maxPoints * 2, { error: `must hold at most ${PERSONAL_LIMITS.maxPoints} points` })
  .refine((flat) => flat.length % 2 === 0, { error: 'must hold x, y pairs (an even count of numbers)' });

/** One drawn digit: what it was asked to be, and its strokes. */
export const PersonalSample = z
  .object({
    label: z
      .number()
      .int({ error: `must be a class from 0 to ${NUM_CLASSES - 1}` })
      .min(0, { error: `must be a class from 0 to ${NUM_CLASSES - 1}` })
      .max(NUM_CLASSES - 1, { error: `must be a class from 0 to ${NUM_CLASSES - 1}` }),
    strokes: z
      .array(Stroke, { error: 'must be a list of strokes' })
      .min(1, { error: 'must hold at least one stroke: a blank drawing is skipped, not saved' })
      .max(PERSONAL_LIMITS.maxStrokes, { error: `must hold at most ${PERSONAL_LIMITS.maxStrokes} strokes` }),
  })
  .strict();
export type PersonalSample = z.output<typeof PersonalSample>;

/**
 * The strokes painted as the pad paints them: a round pen of `PEN_WIDTH`
 * (round caps and joins), ink as coverage 0–255 on black, edges
 * anti-aliased by the distance to the stroke.
 */
export function rasterizeStrokes(strokes: readonly (readonly number[])[], size = PAD_SIZE, pen = PEN_WIDTH): GrayImage {
  const coverage = new Float32Array(size * size);
  const r = pen / 2;
  const paint = (ax: number, ay: number, bx: number, by: number): void => {
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
    const x1 = Math.min(size - 1, Math.ceil(Math.max(ax, bx) + r + 1));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
    const y1 = Math.min(size - 1, Math.ceil(Math.max(ay, by) + r + 1));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let y = y0; y <= y1; y++) {
      const py = y + 0.5;
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
        const ex = px - (ax + t * dx);
        const ey = py - (ay + t * dy);
        const c = Math.max(0, Math.min(1, r + 0.5 - Math.sqrt(ex * ex + ey * ey)));
        const i = y * size + x;
        if (c > coverage[i]!) coverage[i] = c;
      }
    }
  };
  for (const stroke of strokes) {
    if (stroke.length === 2) paint(stroke[0]!, stroke[1]!, stroke[0]!, stroke[1]!);
    for (let k = 2; k + 1 < stroke.length; k += 2) paint(stroke[k - 2]!, stroke[k - 1]!, stroke[k]!, stroke[k + 1]!);
  }
  const data = new Uint8Array(size * size);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(coverage[i]! * 255);
  return { width: size, height: size, data };
}

/** The 28×28 a drawing becomes: painted, then MNIST's preprocessing, as a prediction of the same drawing sees it. */
export function personalPixels(sample: Pick<PersonalSample, 'strokes'>): Uint8Array {
  return mnistPreprocess(rasterizeStrokes(sample.strokes)).pixels;
}

/** What a personal set keeps beside its IDX files (`strokes.json`), and what its exported .zip carries (`personal.json`). */
export const PersonalFileSchema = z
  .object({
    version: z.literal(1),
    name: z.string().max(200),
    padSize: z.literal(PAD_SIZE),
    penWidth: z.literal(PEN_WIDTH),
    samples: z.array(PersonalSample).max(PERSONAL_LIMITS.maxSamples),
  })
  .strict();
export type PersonalFile = z.output<typeof PersonalFileSchema>;

/** The file of strokes in a personal set's folder. */
export const STROKES_FILE = 'strokes.json';
/** The manifest of an exported personal set's .zip. */
export const PERSONAL_ZIP_MANIFEST = 'personal.json';
