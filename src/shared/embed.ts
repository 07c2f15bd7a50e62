/**
 * The test set as a map: a model's penultimate-layer activations for the
 * images of a test split, projected to two dimensions (PCA, or UMAP), with
 * each point's true class and the model's answer.
 */
import { z } from 'zod';
import { wholeNumber } from './model-spec';
import { Id } from './training';

export const EMBED_METHODS = ['pca', 'umap'] as const;
export type EmbedMethod = (typeof EMBED_METHODS)[number];

/** Most points one map holds: the whole MNIST test set. */
export const MAX_EMBED_POINTS = 10_000;

/** UMAP's seed when none is given: the same call draws the same map. */
export const DEFAULT_EMBED_SEED = 42;

export const EmbedInput = z
  .object({
    id: Id,
    /** An installed data set whose test split is mapped; default: the one the model was trained on (else mnist). */
    dataset: z.object({ id: Id }).strict().optional(),
    method: z.enum(EMBED_METHODS, { error: `must be one of ${EMBED_METHODS.join(', ')}` }).default('pca'),
    /** The first `limit` test images (default: all, at most 10,000). */
    limit: wholeNumber(10, MAX_EMBED_POINTS).optional(),
    /** UMAP's random seed. */
    seed: wholeNumber(0, 2 ** 31 - 1).default(DEFAULT_EMBED_SEED),
  })
  .strict();
export type EmbedInput = z.output<typeof EmbedInput>;

/** One test image on the map. */
export interface EmbedPoint {
  /** Its index in the test split (for `datasets:images`). */
  index: number;
  x: number;
  y: number;
  label: number;
  predicted: number;
  misclassified: boolean;
}

export interface Embedding {
  modelId: string;
  /** The installed data set whose test split this is. */
  dataset: { id: string; name: string };
  classNames: string[];
  method: EmbedMethod;
  /** The layer whose output is mapped: the one feeding the output layer (0-based index among the model's layers). */
  layer: { index: number; name: string; units: number };
  /** PCA: the share of the activations' variance each axis holds; UMAP: null. */
  explainedVariance: [number, number] | null;
  seed: number | null;
  /** How many of the mapped points the model gets right. */
  accuracy: number;
  points: EmbedPoint[];
  /** Seconds spent: the forward pass, the projection. */
  timing: { activations: number; projection: number };
}
