/**
 * The reproduction bundle: one .zip with what it takes to train a model
 * again and see whether the same numbers come out. `bundle.json` holds the
 * run's config (seed included), the dataset's id and file digests, the
 * environment it ran in, its metric series and evaluation; `model/` the
 * saved model; `parent/` the model a fine-tuning run started from.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { LossHistorySchema } from '@shared/loss-history';
import { MODEL_FILES, DatasetInfoSchema } from '@shared/models';
import { TRAINING_PATH_CAUSES, TrainConfigInput } from '@shared/training';

export const BUNDLE_MANIFEST = 'bundle.json';
export const BUNDLE_KIND = 'mnist-studio-reproduction';
/** Folder names of the models inside a bundle. */
export const BUNDLE_MODEL = 'model';
export const BUNDLE_PARENT = 'parent';

const Num = z.number();
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const BatchPointSchema = z.object({ epoch: Num, step: Num, globalStep: Num, loss: Num, accuracy: Num, samplesPerSec: Num }).strict();
const EpochPointSchema = z
  .object({
    epoch: Num,
    trainLoss: Num,
    trainAccuracy: Num,
    validationLoss: Num.nullable(),
    validationAccuracy: Num.nullable(),
    elapsedMs: Num,
    samplesPerSec: Num,
    learningRate: Num.optional(),
  })
  .strict();
export const EvaluationSchema = z
  .object({
    loss: Num,
    accuracy: Num,
    count: Num,
    classNames: z.array(z.string()),
    perClass: z.array(z.object({ precision: Num, recall: Num, f1: Num, support: Num }).strict()),
    confusion: z.array(z.array(Num)),
    misclassified: z.array(z.object({ index: Num, label: Num, predicted: Num }).strict()),
  })
  .strict();
export const RunEnvironmentSchema = z
  .object({
    app: z.string(),
    node: z.string(),
    tfjsNode: z.string().nullable(),
    tfjsCore: z.string().nullable(),
    libtensorflow: z.string().nullable(),
    backend: z.string(),
    cpu: z.string(),
    cpuThreads: Num,
    intraOpThreads: z.string(),
    interOpThreads: z.string().optional(),
    // Absent in bundles written before the native training path.
    intraOpThreadsFrom: z.enum(['hyperparams', 'environment', 'auto']).optional(),
    trainingPath: z.enum(['native', 'layers']).optional(),
    trainingPathReason: z.string().max(2000).optional(),
    trainingPathCause: z.enum(TRAINING_PATH_CAUSES).optional(),
    platform: z.string(),
  })
  .strict();
const ModelFiles = z.object({ id: z.string().max(100), name: z.string().max(200), sha256: z.record(z.enum(Object.values(MODEL_FILES) as [string, ...string[]]), Sha256) }).strict();

/** What `bundle.json` must hold; a bundle is a file from anywhere, so every field is checked. */
export const BundleManifest = z
  .object({
    formatVersion: z.literal(1),
    kind: z.literal(BUNDLE_KIND),
    createdAt: z.string().max(64),
    app: z.string().max(64),
    run: z
      .object({
        id: z.string().max(100),
        config: TrainConfigInput.refine((c) => c.hyperparams.seed !== undefined, { error: 'the seed must be recorded', path: ['hyperparams', 'seed'] }),
        status: z.enum(['done', 'stopped']),
        params: Num,
        durationMs: Num.nullable(),
        samplesPerSec: Num.nullable(),
      })
      .strict(),
    dataset: DatasetInfoSchema,
    environment: RunEnvironmentSchema,
    // Bundles written before every batch's loss was kept have no `losses`.
    metrics: z.object({ batches: z.array(BatchPointSchema), epochs: z.array(EpochPointSchema), losses: LossHistorySchema.optional() }).strict(),
    evaluation: EvaluationSchema,
    model: ModelFiles,
    parent: ModelFiles.nullable(),
  })
  .strict();

export type BundleManifest = z.output<typeof BundleManifest>;
export type BundleManifestInput = z.input<typeof BundleManifest>;

export function sha256(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
