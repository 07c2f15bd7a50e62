/**
 * A library model's run as Keras code: one Python script that builds the
 * same network (each layer as the registry maps it to Keras), loads MNIST-
 * format IDX files, normalises the pixels as the run did, and trains with
 * the run's optimiser, learning rate, batch size, epochs, loss and seed,
 * then reports the test accuracy and saves a .keras file. A model without a
 * run (imported) gets the studio's default settings, and the script says so.
 */
import { DEFAULT_HYPERPARAMS, SGD_MOMENTUM, type Hyperparams } from '@shared/hyperparams';
import type { ModelMetadata } from '@shared/models';
import { mainLayer } from '../trainer/layers';

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

const OPTIMIZER_CODE: Record<Hyperparams['optimizer'], (lr: number) => string> = {
  sgd: (lr) => `keras.optimizers.SGD(learning_rate=${lr})`,
  momentum: (lr) => `keras.optimizers.SGD(learning_rate=${lr}, momentum=${SGD_MOMENTUM})`,
  adam: (lr) => `keras.optimizers.Adam(learning_rate=${lr}, epsilon=1e-7)`,
  rmsprop: (lr) => `keras.optimizers.RMSprop(learning_rate=${lr}, rho=0.9, epsilon=1e-7)`,
};

const LOSS_CODE: Record<Hyperparams['loss'], string> = {
  'cross-entropy': 'keras.losses.CategoricalCrossentropy(from_logits=True)',
  // The studio's mse compares the one-hot labels with the softmax of the logits.
  mse: 'lambda y, logits: keras.ops.mean(keras.ops.square(y - keras.ops.softmax(logits)))',
};

export interface KerasCodeOptions {
  /** Where the run's data set is (its IDX files), for the script's default `--data`; null when unknown. */
  dataDir: string | null;
  producer: string;
}

/** The script's text. */
export function kerasScript(metadata: ModelMetadata, options: KerasCodeOptions): string {
  const hp = metadata.hyperparams ?? { ...DEFAULT_HYPERPARAMS, seed: 1 };
  const { mean, std } = metadata.hyperparams?.normalization ?? metadata.normalization;
  const layers = metadata.spec.layers.map((layer) => {
    const k = mainLayer(layer).keras(layer);
    const args = Object.entries(k.config).map(([key, v]) => `${key}=${pyLiteral(v)}`);
    return `        keras.layers.${k.class_name}(${args.join(', ')}),`;
  });
  const origin = metadata.hyperparams
    ? `the settings of run ${metadata.runId ?? '(unknown)'}, which trained model ${metadata.id} ("${metadata.name}")`
    : `model ${metadata.id} ("${metadata.name}") was imported, not trained here: these are the studio's default settings`;
  const comment = (text: string) => text.replace(/[\r\n]+/g, ' ');
  return `#!/usr/bin/env python3
"""
${comment(`${metadata.spec.name}: the network of MNIST Studio model ${metadata.id}, as a Keras 3 training script.`)}

Written by ${comment(options.producer)} from ${comment(origin)}.
Optimiser ${hp.optimizer}, learning rate ${hp.learningRate}, batch size ${hp.batchSize},
${hp.epochs} epochs, loss ${hp.loss}, seed ${hp.seed}${hp.validationSplit > 0 ? `, validation split ${hp.validationSplit}` : ''}${hp.limit !== undefined ? `, at most ${hp.limit} training images` : ''}.
Pixels go in as (p / 255 - ${mean}) / ${std}; the network answers ten logits.

Run it with Keras 3 and numpy:
    python ${comment(metadata.spec.name).replace(/[^\w.-]/g, '_')}_keras.py --data DIR
DIR holds the four MNIST-format files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not). The studio draws its
own shuffles, initial weights and validation split from the seed: the numbers come out
close to the studio's run, not bit for bit the same.
"""
import argparse
import gzip
import os
import sys

import numpy as np
import keras

DEFAULT_DATA = ${pyLiteral(options.dataDir)}
MEAN, STD = ${mean}, ${std}
EPOCHS, BATCH_SIZE, LEARNING_RATE, SEED = ${hp.epochs}, ${hp.batchSize}, ${hp.learningRate}, ${hp.seed}
VALIDATION_SPLIT = ${hp.validationSplit}
LIMIT = ${pyLiteral(hp.limit ?? null)}


def read_idx(data_dir, name):
    """One IDX file (images [n, 28, 28] or labels [n]) as uint8, gzipped or not."""
    for path, opener in ((os.path.join(data_dir, name), open), (os.path.join(data_dir, name + ".gz"), gzip.open)):
        if os.path.exists(path):
            with opener(path, "rb") as f:
                data = f.read()
            magic = int.from_bytes(data[0:4], "big")
            dims = magic & 0xFF
            shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    sys.exit(f"{data_dir}: no {name} (or {name}.gz)")


def normalise(images):
    """As the studio feeds its models: pixels 0-255 to (p / 255 - MEAN) / STD, shape [n, 28, 28, 1]."""
    return ((images.astype(np.float32) / 255.0 - MEAN) / STD).reshape(-1, 28, 28, 1)


def build_model():
    return keras.Sequential(
        [
        keras.Input(shape=(28, 28, 1)),
${layers.join('\n')}
        ],
        name=${pyLiteral(metadata.spec.name.replace(/[^A-Za-z0-9_]/g, '_') || 'model')},
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, required=DEFAULT_DATA is None, help="folder of the four MNIST-format IDX files")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--steps", type=int, default=None, help="train only this many batches per epoch (a quick check)")
    parser.add_argument("--out", default=${pyLiteral(`${metadata.spec.name.replace(/[^\w.-]/g, '_')}.keras`)}, help="where to save the trained model")
    args = parser.parse_args()

    keras.utils.set_random_seed(SEED)
    x_train, y_train = read_idx(args.data, "train-images-idx3-ubyte"), read_idx(args.data, "train-labels-idx1-ubyte")
    x_test, y_test = read_idx(args.data, "t10k-images-idx3-ubyte"), read_idx(args.data, "t10k-labels-idx1-ubyte")
    if LIMIT is not None and LIMIT < len(x_train):
        keep = np.random.default_rng(SEED).permutation(len(x_train))[:LIMIT]
        x_train, y_train = x_train[keep], y_train[keep]
    x_train, x_test = normalise(x_train), normalise(x_test)
    y_train_1hot = keras.utils.to_categorical(y_train, 10)

    model = build_model()
    model.compile(
        optimizer=${OPTIMIZER_CODE[hp.optimizer](hp.learningRate)},
        loss=${LOSS_CODE[hp.loss]},
        metrics=["categorical_accuracy"],
    )
    model.summary()
    model.fit(
        x_train,
        y_train_1hot,
        batch_size=BATCH_SIZE,
        epochs=args.epochs,
        steps_per_epoch=args.steps,
        validation_split=VALIDATION_SPLIT,
        shuffle=True,
        verbose=2,
    )
    logits = model.predict(x_test, batch_size=500, verbose=0)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == y_test))
    print(f"test accuracy: {accuracy:.4f} on {len(y_test)} images")
    model.save(args.out)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
`;
}
