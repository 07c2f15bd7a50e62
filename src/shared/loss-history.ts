/**
 * Every batch's training loss, bounded: one value per batch until `cap`
 * values, then neighbouring buckets are merged into their mean (the bucket
 * width doubles), so a run of any length keeps a curve of at most `cap`
 * points. The trainer streams losses, the run record keeps them, the chart
 * and the CLI's `lossHistory` read them.
 */
import { z } from 'zod';

/** Values a run record keeps (~100 kB of JSON at most). */
export const LOSS_HISTORY_CAP = 4096;

export interface LossHistory {
  /** Batches per value; every value but the last holds this many. A power of two. */
  every: number;
  /** Mean training loss of each bucket of batches, in order from the run's first batch. */
  values: number[];
  /** Batches in the last value (1…every); 0 when there is none. */
  lastCount: number;
}

export const LossHistorySchema = z
  .object({
    every: z.number().int().min(1),
    // A loss JSON could not hold (NaN) reads back as null.
    values: z.array(
      z
        .number()
        .nullable()
        .transform((v) => v ?? Number.NaN),
    ),
    lastCount: z.number().int().min(0),
  })
  .strict()
  .refine((h) => h.lastCount <= h.every && (h.values.length === 0) === (h.lastCount === 0), { error: 'lastCount must be 1…every, and 0 only with no values' });

export const emptyLossHistory = (): LossHistory => ({ every: 1, values: [], lastCount: 0 });

/** Batches the history covers. */
export function lossHistorySteps(h: LossHistory): number {
  return h.values.length === 0 ? 0 : (h.values.length - 1) * h.every + h.lastCount;
}

/** Adds the next batches' losses in place, merging buckets whenever there are more than `cap` values. */
export function appendLosses(h: LossHistory, losses: readonly number[], cap = LOSS_HISTORY_CAP): void {
  for (const loss of losses) {
    const last = h.values.length - 1;
    if (last >= 0 && h.lastCount < h.every) {
      h.values[last] = (h.values[last]! * h.lastCount + loss) / (h.lastCount + 1);
      h.lastCount++;
    } else {
      h.values.push(loss);
      h.lastCount = 1;
    }
    if (h.values.length > cap) halve(h);
  }
}

/** Merges each pair of neighbouring buckets into their (batch-weighted) mean. */
function halve(h: LossHistory): void {
  const merged: number[] = [];
  const n = h.values.length;
  let lastCount = h.lastCount;
  for (let i = 0; i < n; i += 2) {
    const a = h.values[i]!;
    if (i + 1 >= n) {
      merged.push(a);
      break;
    }
    const b = h.values[i + 1]!;
    const bCount = i + 1 === n - 1 ? h.lastCount : h.every;
    merged.push((a * h.every + b * bCount) / (h.every + bCount));
    if (i + 1 === n - 1) lastCount = h.every + bCount;
  }
  h.values = merged;
  h.every *= 2;
  h.lastCount = lastCount;
}

/** Value `i` as a point: x is the middle global step (1-based) of its bucket, so the curve lines up with per-step charts; `firstStep`, the step of the history's first batch. */
export function lossHistoryPoint(h: LossHistory, i: number, firstStep = 1): { x: number; y: number } {
  const count = i === h.values.length - 1 ? h.lastCount : h.every;
  return { x: firstStep - 1 + i * h.every + (count + 1) / 2, y: h.values[i]! };
}

/** The history as points (see lossHistoryPoint). */
export function lossHistoryPoints(h: LossHistory, firstStep = 1): { x: number; y: number }[] {
  return h.values.map((_, i) => lossHistoryPoint(h, i, firstStep));
}
