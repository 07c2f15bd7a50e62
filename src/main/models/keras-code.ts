/**
 * A library model's run as Keras code: one Python script that builds the
 * same network (each layer as the registry maps it to Keras), loads MNIST-
 * format IDX files, normalises the pixels as the run did, and trains with
 * the run's optimiser, learning rate, batch size, epochs, loss and seed,
 * then reports the test accuracy and saves a .keras file. A model without a
 * run (imported) gets the studio's default settings, and the script says so.
 */
import { SGD_MOMENTUM, type Hyperparams } from '@shared/hyperparams';
import type { ModelMetadata } from '@shared/models';
import { mainLayer } from '../trainer/layers';
import { fileSlug, PY_CHOOSE_ROWS, PY_READ_IDX, pyLiteral, scriptDocstring, scriptSettings, settingsConstants } from './python-code';

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
  const settings = scriptSettings(metadata);
  const { hp } = settings;
  const layers = metadata.spec.layers.map((layer) => {
    const k = mainLayer(layer).keras(layer);
    const args = Object.entries(k.config).map(([key, v]) => `${key}=${pyLiteral(v)}`);
    return `        keras.layers.${k.class_name}(${args.join(', ')}),`;
  });
  const ignored = [
    hp.earlyStopping && 'The run stopped early on its validation set; this script trains every epoch.',
    hp.restoreBest && "The run kept its best epoch's weights; this script keeps the last epoch's.",
    hp.lrSchedule && `The run changed its learning rate per epoch (${hp.lrSchedule.type}); this script keeps it fixed.`,
  ].filter((n): n is string => typeof n === 'string');
  const docstring = scriptDocstring(metadata, settings, {
    framework: 'Keras 3',
    needs: 'Keras 3 and numpy',
    fileName: `${fileSlug(metadata.spec.name)}_keras.py`,
    producer: options.producer,
    ignored,
  });
  return `${docstring}
import argparse
import gzip
import os
import sys

import numpy as np
import keras

${settingsConstants(settings, options.dataDir)}


${PY_READ_IDX}


${PY_CHOOSE_ROWS}


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
    parser.add_argument("--out", default=${pyLiteral(`${fileSlug(metadata.spec.name)}.keras`)}, help="where to save the trained model")
    args = parser.parse_args()

    keras.utils.set_random_seed(SEED)
    images, labels = read_idx(args.data, "train-images-idx3-ubyte"), read_idx(args.data, "train-labels-idx1-ubyte")
    x_test, y_test = normalise(read_idx(args.data, "t10k-images-idx3-ubyte")), read_idx(args.data, "t10k-labels-idx1-ubyte")
    train_rows, validation_rows = choose_rows(len(labels))
    x_train, y_train_1hot = normalise(images[train_rows]), keras.utils.to_categorical(labels[train_rows], 10)
    validation = (normalise(images[validation_rows]), keras.utils.to_categorical(labels[validation_rows], 10)) if len(validation_rows) else None

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
        validation_data=validation,
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
