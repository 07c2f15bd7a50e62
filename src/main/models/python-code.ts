/**
 * What the training scripts a model exports as (Keras in keras-code.ts,
 * PyTorch in pytorch-code.ts) share: the settings they train with (the
 * run's, or the studio's defaults for an imported model), what of the run
 * they cannot redo, the docstring, the constants block, the IDX reader and
 * the studio's choice of training and validation rows, so both scripts say
 * and do the same.
 */
import { augmentIsOff, formatAugment } from '@shared/augment';
import { DIR_DATASET_PREFIX } from '@shared/datasets';
import { DEFAULT_HYPERPARAMS, type ResolvedHyperparams } from '@shared/hyperparams';
import type { ModelMetadata } from '@shared/models';
import { datasetDir } from '../datasets/store';

/** A JSON value as a Python literal. */
export function pyLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${value} has no Python literal here`);
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyLiteral).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pyLiteral(v)}`)
      .join(', ')}}`;
  throw new Error(`${typeof value} has no Python literal`);
}

/** Text on one line (for a docstring or a comment). */
export const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ');

/** Text for the docstring: on one line, with backslashes and quotes escaped (a model's name must not end the string). */
const docText = (text: string): string => oneLine(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** A name as a file name's part: letters, digits, `.`, `_` and `-`. */
export const fileSlug = (name: string): string => name.replace(/[^\w.-]/g, '_');

/** What a training script trains with. */
export interface ScriptSettings {
  hp: ResolvedHyperparams;
  mean: number;
  std: number;
  /** Whose settings these are, in a sentence's words. */
  origin: string;
  /** What the run did that no script here redoes (augmentation, a mixed-in set, a fine-tuning start), one sentence each. */
  notDone: string[];
}

/** The run's settings (or the defaults, for an imported model) and what the scripts cannot redo of it. */
export function scriptSettings(metadata: ModelMetadata): ScriptSettings {
  const hp = metadata.hyperparams ?? { ...DEFAULT_HYPERPARAMS, seed: 1 };
  const { mean, std } = metadata.hyperparams?.normalization ?? metadata.normalization;
  const origin = metadata.hyperparams
    ? `the settings of run ${metadata.runId ?? '(unknown)'}, which trained model ${metadata.id} ("${metadata.name}")`
    : `model ${metadata.id} ("${metadata.name}") was imported, not trained here: these are the studio's default settings`;
  const notDone: string[] = [];
  if (metadata.parentModelId) notDone.push(`The run fine-tuned model ${metadata.parentModelId}; this script starts from fresh weights.`);
  if (!augmentIsOff(hp.augment)) notDone.push(`The run augmented its training images (${formatAugment(hp.augment)}); this script does not.`);
  if (hp.mix) notDone.push(`The run mixed data set ${hp.mix.dataset} into every batch; this script trains on --data alone.`);
  return { hp, mean, std, origin, notDone };
}

/** The folder of the run's data set (its IDX files), the script's default `--data`; null when unknown (an imported model). */
export function scriptDataDir(home: string, metadata: ModelMetadata): string | null {
  const id = metadata.dataset?.id ?? null;
  if (id === null) return null;
  return id.startsWith(DIR_DATASET_PREFIX) ? id.slice(DIR_DATASET_PREFIX.length) : datasetDir(home, id);
}

export interface DocstringParts {
  /** `Keras 3`, `PyTorch`. */
  framework: string;
  /** What to install, e.g. `Keras 3 and numpy`. */
  needs: string;
  /** The file name the usage line shows. */
  fileName: string;
  producer: string;
  /** Settings the run used that this script does not redo (beyond `notDone`). */
  ignored: string[];
}

/** The script's docstring (with the `#!` line before it): where it comes from, its settings and how to run it. */
export function scriptDocstring(metadata: ModelMetadata, s: ScriptSettings, parts: DocstringParts): string {
  const { hp } = s;
  const notes = [...s.notDone, ...parts.ignored].map(docText);
  return `#!/usr/bin/env python3
"""
${docText(`${metadata.spec.name}: the network of MNIST Studio model ${metadata.id}, as a ${parts.framework} training script.`)}

Written by ${docText(parts.producer)} from ${docText(s.origin)}.
Optimiser ${hp.optimizer}, learning rate ${hp.learningRate}, batch size ${hp.batchSize},
${hp.epochs} epochs, loss ${hp.loss}, seed ${hp.seed}${hp.validationSplit > 0 ? `, validation split ${hp.validationSplit}` : ''}${hp.limit !== undefined ? `, at most ${hp.limit} training images` : ''}.
Pixels go in as (p / 255 - ${s.mean}) / ${s.std}; the network answers ten logits.
${notes.length > 0 ? `${notes.join('\n')}\n` : ''}
Run it with ${parts.needs}:
    python ${docText(parts.fileName)} --data DIR
DIR holds the four MNIST-format files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not). The studio draws its
own shuffles, initial weights and validation split from the seed: the numbers come out
close to the studio's run, not bit for bit the same.
"""`;
}

/** The settings as module constants (both scripts read these names). */
export function settingsConstants(s: ScriptSettings, dataDir: string | null): string {
  const { hp } = s;
  return `DEFAULT_DATA = ${pyLiteral(dataDir)}
MEAN, STD = ${s.mean}, ${s.std}
EPOCHS, BATCH_SIZE, LEARNING_RATE, SEED = ${hp.epochs}, ${hp.batchSize}, ${hp.learningRate}, ${hp.seed}
VALIDATION_SPLIT = ${hp.validationSplit}
LIMIT = ${pyLiteral(hp.limit ?? null)}`;
}

/** `read_idx(data_dir, name)`: one IDX file as a uint8 array, gzipped or not (needs os, gzip, sys, numpy as np). */
export const PY_READ_IDX = `def read_idx(data_dir, name):
    """One IDX file (images [n, 28, 28] or labels [n]) as uint8, gzipped or not."""
    for path, opener in ((os.path.join(data_dir, name), open), (os.path.join(data_dir, name + ".gz"), gzip.open)):
        if os.path.exists(path):
            with opener(path, "rb") as f:
                data = f.read()
            magic = int.from_bytes(data[0:4], "big")
            dims = magic & 0xFF
            shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    sys.exit(f"{data_dir}: no {name} (or {name}.gz)")`;

/** `choose_rows(count)`: the studio's training and validation rows (src/main/trainer/data.ts `chooseRows`), drawn with numpy from SEED. */
export const PY_CHOOSE_ROWS = `def choose_rows(count):
    """As the studio chooses them: a permutation fixed by the seed, cut to LIMIT, its last VALIDATION_SPLIT share held out."""
    used = np.random.default_rng(SEED).permutation(count)[: min(count, LIMIT or count)]
    held = max(1, int(np.floor(len(used) * VALIDATION_SPLIT + 0.5))) if VALIDATION_SPLIT > 0 else 0
    if held >= len(used):
        sys.exit(f"no training images left: {len(used)} used and {held} held out for validation")
    return used[: len(used) - held], used[len(used) - held :]`;
