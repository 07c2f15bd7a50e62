/**
 * A saved model as the studio keeps it in `models/<id>/`: TF.js layers
 * format (`model.json` + `weights.bin`, loadable by `tf.loadLayersModel`)
 * and `metadata.json`. The Model library issue adds its API here.
 */
import type { ResolvedHyperparams } from './hyperparams';
import type { ModelSpec } from './model-spec';
import type { DatasetInfo } from './training';

/** Files of a model folder. */
export const MODEL_FILES = { topology: 'model.json', weights: 'weights.bin', metadata: 'metadata.json' } as const;

/** What `metadata.json` holds: how the model was made and how to feed it. */
export interface ModelMetadata {
  /** Bumped when the layout changes, so an old folder can be read or refused knowingly. */
  formatVersion: 1;
  id: string;
  name: string;
  createdAt: string;
  spec: ModelSpec;
  /** Input pixels (0–255) go in as ((p / 255) − mean) / std, shape [28, 28, 1]; outputs are logits. */
  inputShape: number[];
  normalization: { mean: number; std: number };
  hyperparams: ResolvedHyperparams;
  dataset: DatasetInfo;
  params: number;
  testAccuracy: number;
  testLoss: number;
  /** The run that trained it; null for an imported model. */
  runId: string | null;
  /** The run was stopped early: the weights are as of the last finished batch. */
  stoppedEarly: boolean;
  app: string;
  tfjs: string | null;
}
