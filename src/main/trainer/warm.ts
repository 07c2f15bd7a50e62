/**
 * What a warm trainer prepares while it waits for its run (the host keeps
 * one spare trainer process in desktop and web mode): TensorFlow loaded,
 * the tutorial configuration's self-test passed (which also warms up the
 * kernels and the JIT of both paths), and the dataset the host expects
 * read, verified and turned into tensors. A run whose job matches takes
 * them instead of doing that work before its first step; anything else is
 * done as in a cold trainer.
 */
import { NUM_CLASSES, PIXELS, type LoadedDataset } from '@shared/datasets';
import { DEFAULT_HYPERPARAMS, type Hyperparams } from '@shared/hyperparams';
import { ModelSpec, presetSpec } from '@shared/model-spec';
import type { DatasetRef } from '@shared/training';
import { datasetSource, loadDataset } from '../datasets/load';
import type { Tf } from '../native';
import { splitTensors, type SplitTensors } from './data';
import type { WarmHint } from './protocol';
import { buildModel } from './model';
import { seededRandom } from './random';
import { nativeFault, selfTest, selfTestKey, type SelfTestVerdicts } from './training-path';
import { mark } from '../trace';

/** Where a dataset is read from, as a cache key: the home's dataset or a folder. */
function datasetKey(home: string, ref: DatasetRef): string {
  return JSON.stringify(datasetSource(home, ref));
}

/** The tensors of one dataset's splits for one normalisation, handed to one run (which then owns and disposes them). */
interface ReadyTensors {
  key: string;
  train: SplitTensors;
  test: SplitTensors;
}

export class WarmCache {
  /** Self-test verdicts by configuration (see `selfTestKey`). */
  readonly verdicts: SelfTestVerdicts = new Map();
  private dataset: { key: string; loaded: Promise<LoadedDataset> } | null = null;
  private tensors: ReadyTensors | null = null;

  /**
   * Loads TensorFlow's kernels and both paths' code by self-testing the
   * tutorial's configuration on a few synthetic images; the verdict is kept.
   */
  warmUp(tf: Tf): void {
    const hp = DEFAULT_HYPERPARAMS;
    // As a job's spec arrives: through the contract's schema (its defaults and key order make the verdict's key).
    const spec = ModelSpec.parse(presetSpec('mlp'));
    const fault = nativeFault();
    const key = selfTestKey(spec, hp, fault);
    if (this.verdicts.has(key)) return;
    const rand = seededRandom(1);
    const count = 16;
    const split = {
      count,
      images: Uint8Array.from({ length: count * PIXELS }, () => Math.floor(rand() * 256)),
      labels: Uint8Array.from({ length: count }, (_, i) => i % NUM_CLASSES),
    };
    const train = splitTensors(tf, split, hp.normalization);
    // Named layers: the run's model, built later in this process, still gets the automatic names a cold trainer gives it.
    const model = buildModel(tf, spec, seededRandom(2), 'warm_up_model');
    try {
      const rows = Int32Array.from({ length: count }, (_, i) => i);
      this.verdicts.set(key, selfTest({ tf, model, spec, hp, train, rows, twinNames: 'warm_up_twin', ...(fault ? { fault } : {}) }));
    } finally {
      model.dispose();
      train.x.dispose();
      train.y.dispose();
    }
  }

  /** Reads the hinted dataset and makes its tensors; a failure is left for the run to meet (it reads the dataset again). */
  async prepare(tf: Tf, hint: WarmHint): Promise<void> {
    const loaded = this.load(hint.home, hint.dataset);
    let dataset: LoadedDataset;
    try {
      dataset = await loaded;
    } catch {
      if (this.dataset?.loaded === loaded) this.dataset = null;
      return;
    }
    const key = `${datasetKey(hint.home, hint.dataset)} ${JSON.stringify(hint.normalization)}`;
    if (this.dataset?.loaded !== loaded || this.tensors?.key === key) return;
    // A later hint (a data set installed meanwhile) replaces the tensors of an earlier one.
    this.dropTensors();
    this.tensors = { key, train: splitTensors(tf, dataset.train, hint.normalization), test: splitTensors(tf, dataset.test, hint.normalization) };
    mark(`warm: tensors ready (${'id' in hint.dataset ? hint.dataset.id : hint.dataset.dir})`);
  }

  /** The dataset, read once: the one being prepared when it is the same, else read now. */
  load(home: string, ref: DatasetRef): Promise<LoadedDataset> {
    const key = datasetKey(home, ref);
    if (this.dataset?.key !== key) this.dataset = { key, loaded: loadDataset(datasetSource(home, ref)) };
    return this.dataset.loaded;
  }

  private dropTensors(): void {
    if (!this.tensors) return;
    for (const split of [this.tensors.train, this.tensors.test]) {
      split.x.dispose();
      split.y.dispose();
    }
    this.tensors = null;
  }

  /** The prepared tensors of this dataset and normalisation, once (the caller owns them); null if none match. */
  takeTensors(home: string, ref: DatasetRef, normalization: Hyperparams['normalization']): { train: SplitTensors; test: SplitTensors } | null {
    const ready = this.tensors;
    if (!ready || ready.key !== `${datasetKey(home, ref)} ${JSON.stringify(normalization)}`) return null;
    this.tensors = null;
    return { train: ready.train, test: ready.test };
  }
}
