/**
 * Fine-tuning on your own digits (issue 17): a second data set of the home
 * (usually a personal set) mixed into every training batch, part of it held
 * out to measure on. Its settings are a field of the hyperparameters, so a
 * run records them; what the mix did is the run's `mix` outcome.
 */
import { z } from 'zod';

/** Defaults of the CLI and the Train screen: a quarter of each batch from the set, 30 % of it held out. */
export const DEFAULT_MIX = { share: 0.25, holdout: 0.3 } as const;

const shareError = 'must be a number above 0 and below 1 (the share of each batch drawn from the mixed-in set)';
const holdoutError = 'must be a number from 0 to below 1 (the share of the mixed-in set held out to measure on)';

/** An installed data set's id (the same rule as `Id` in training.ts, which imports this module). */
const DatasetId = z.string({ error: 'must be an id' }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: 'must be the id of a data set in the studio home' });

/** What to mix in, how much of each batch, and how much of it to hold out. */
export const Mix = z
  .object({
    dataset: DatasetId,
    share: z.number({ error: shareError }).gt(0, { error: shareError }).lt(1, { error: shareError }).default(DEFAULT_MIX.share),
    holdout: z.number({ error: holdoutError }).min(0, { error: holdoutError }).lt(1, { error: holdoutError }).default(DEFAULT_MIX.holdout),
  })
  .strict();
export type Mix = z.output<typeof Mix>;

/** Rows of each full batch drawn from the mixed-in set: round(share × batch), at least 1 and leaving at least 1 for the main set. */
export function mixRowsPerBatch(share: number, batchSize: number): number {
  return Math.min(batchSize - 1, Math.max(1, Math.round(share * batchSize)));
}

/** Steps of one epoch: one pass over the main set's training rows, `batch − mixRows` of them a step (all of the batch without a mix). */
export function stepsPerEpoch(mainRows: number, batchSize: number, mixRows = 0): number {
  return Math.ceil(mainRows / (batchSize - mixRows));
}

/** Why the mix cannot run with these settings (field and message), or null. */
export function mixProblem(hp: { batchSize: number; mix?: Mix | undefined }): { field: string; message: string } | null {
  if (hp.mix && hp.batchSize < 2) return { field: 'hyperparams.mix', message: 'mixing a data set into each batch needs a batch size of at least 2' };
  return null;
}

/** The accuracies a mix is judged by: on the mixed-in set's held-out rows (null when none are held out) and on the main test set. */
export interface MixAccuracies {
  holdoutAccuracy: number | null;
  testAccuracy: number;
}

/** What mixing did in a run (the run record's `mix`). */
export interface MixOutcome {
  datasetId: string;
  name: string;
  /** SHA-256 of the mixed-in set's files, so a reproduction can tell it is the same data. */
  digests: Record<string, string>;
  /** Rows of its training split trained on, and held out. */
  trainCount: number;
  holdoutCount: number;
  /** Which rows of its training split were held out (seeded by the run's seed), ascending. */
  holdoutRows: number[];
  /** Rows of each full batch drawn from it. */
  rowsPerBatch: number;
  /** The trained model's accuracies. */
  after: MixAccuracies;
  /** The starting model's, when the run fine-tuned a saved model; null for a run from scratch. */
  before: MixAccuracies | null;
}

const Accuracy = z.number().min(0).max(1);
const Accuracies = z.object({ holdoutAccuracy: Accuracy.nullable(), testAccuracy: Accuracy });
const Count = z.number().int().min(0);

export const MixOutcomeSchema = z.object({
  datasetId: z.string().max(200),
  name: z.string().max(4200),
  digests: z.record(z.string().max(200), z.string().regex(/^[0-9a-f]{64}$/)),
  trainCount: Count,
  holdoutCount: Count,
  holdoutRows: z.array(Count).max(10_000_000),
  rowsPerBatch: Count,
  after: Accuracies,
  before: Accuracies.nullable(),
}) satisfies z.ZodType<MixOutcome>;

/** `--mix DATASET[:SHARE]`, the CLI's short form (the share is checked by the schema with the rest). */
export function parseMixFlag(text: string): { dataset: string; share?: number } {
  const [dataset, share, ...rest] = text.split(':');
  if (rest.length > 0 || !dataset) throw new Error(`"${text}" is not DATASET[:SHARE] (e.g. my-hand or my-hand:0.25)`);
  if (share === undefined) return { dataset };
  const n = Number(share);
  return { dataset, share: share.trim() === '' || !Number.isFinite(n) ? NaN : n };
}
