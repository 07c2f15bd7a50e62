/**
 * Training over time: per-layer histograms of the weights and of their
 * gradients, one set per epoch (and one for the weights a run starts from),
 * recorded by the trainer in the run folder as `histograms.json`.
 */
import { z } from 'zod';

/** Bins per histogram: enough to see a shape, few enough that a 20-epoch run's file stays small. */
export const HISTOGRAM_BINS = 30;

/** Training rows the gradients are measured on after each epoch (a default batch): the same rows every time. */
export const HISTOGRAM_GRADIENT_ROWS = 64;

export const HISTOGRAMS_FILE = 'histograms.json';

const Finite = z.number().finite();

/** Counts of values in `bins` equal-width bins from `min` to `max` (all in one bin when min = max). */
export const Histogram = z
  .object({ min: Finite, max: Finite, counts: z.array(z.number().int().min(0)).min(1).max(1000) })
  .strict()
  .refine((h) => h.max >= h.min, { error: 'max must not be below min', path: ['max'] });
export type Histogram = z.infer<typeof Histogram>;

/** One weight tensor of a layer (a kernel, a bias, a batch norm's gamma …). */
export const HistogramSeries = z
  .object({
    /** The weight's name, as `<layer>/<weight>`. */
    name: z.string().min(1).max(200),
    /** 0-based index of its layer in the model. */
    layerIndex: z.number().int().min(0),
    shape: z.array(z.number().int().min(0)).max(8),
  })
  .strict();
export type HistogramSeries = z.infer<typeof HistogramSeries>;

export const HistogramEpoch = z
  .object({
    /** 0: the weights the run starts from (their gradients on the first batch of rows). */
    epoch: z.number().int().min(0),
    /** One per series, in the order of `series`; gradients null for a weight that is not trained. */
    weights: z.array(Histogram),
    gradients: z.array(Histogram.nullable()),
    /** Time spent computing this epoch's histograms, ms (the run's epochs record theirs). */
    costMs: z.number().min(0),
  })
  .strict();
export type HistogramEpoch = z.infer<typeof HistogramEpoch>;

export const RunHistograms = z
  .object({
    formatVersion: z.literal(1),
    bins: z.number().int().min(1).max(1000),
    gradientRows: z.number().int().min(0),
    series: z.array(HistogramSeries).max(1000),
    epochs: z.array(HistogramEpoch),
  })
  .strict()
  .superRefine((h, ctx) => {
    h.epochs.forEach((e, i) => {
      if (e.weights.length !== h.series.length)
        ctx.addIssue({ code: 'custom', path: ['epochs', i, 'weights'], message: `must hold ${h.series.length} histograms, one per series` });
      if (e.gradients.length !== h.series.length)
        ctx.addIssue({ code: 'custom', path: ['epochs', i, 'gradients'], message: `must hold ${h.series.length} histograms, one per series` });
    });
  });
export type RunHistograms = z.infer<typeof RunHistograms>;
