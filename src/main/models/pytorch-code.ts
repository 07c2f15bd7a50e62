/**
 * A library model's run as PyTorch code: one Python script (torch and
 * numpy, no torchvision) that builds the same network (each layer as the
 * registry maps it to PyTorch, in NCHW, flattening as TF.js does so the
 * dense layers' rows line up with the studio's), initialises it as the
 * studio does, loads MNIST-format IDX files, normalises the pixels as the
 * run did, and trains with the run's optimiser (tfjs's constants), learning
 * rate and its schedule, batch size, epochs, loss, seed, validation split,
 * limit, early stopping and restore-best. It logs the loss the way the seed
 * tutorial does, reports the test accuracy and saves the state dict (and,
 * when asked, an ONNX file).
 */
import { SGD_MOMENTUM, type Hyperparams } from '@shared/hyperparams';
import { describeModel, INPUT_SHAPE, layerDef } from '@shared/model-spec';
import type { ModelMetadata } from '@shared/models';
import { StudioError } from '@shared/result';
import { mainLayer } from '../trainer/layers';
import { fileSlug, oneLine, PY_CHOOSE_ROWS, PY_READ_IDX, pyLiteral, scriptDocstring, scriptSettings, settingsConstants } from './python-code';

/** tfjs's optimisers in PyTorch: Adam and RMSprop with tfjs's epsilon (1e-7); tfjs puts RMSprop's inside the root, hence a class of the script's own. */
const OPTIMIZER_CODE: Record<Hyperparams['optimizer'], string> = {
  sgd: 'torch.optim.SGD(params, lr=lr)',
  momentum: `torch.optim.SGD(params, lr=lr, momentum=${SGD_MOMENTUM})`,
  adam: 'torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-7)',
  rmsprop: 'TfRMSprop(params, lr=lr, rho=0.9, eps=1e-7)',
};

const LOSS_CODE: Record<Hyperparams['loss'], string> = {
  'cross-entropy': `def loss_fn(logits, labels):
    """Cross-entropy of the softmax of the logits (PyTorch's CrossEntropyLoss, averaged over the batch)."""
    return nn.functional.cross_entropy(logits, labels)`,
  mse: `def loss_fn(logits, labels):
    """As the studio's mse: the mean squared difference between the one-hot labels and the softmax of the logits."""
    return torch.mean((nn.functional.one_hot(labels, 10).float() - torch.softmax(logits, dim=1)) ** 2)`,
};

/** RMSprop as tfjs (and TF's ApplyRMSProp) computes it: ms = rho·ms + (1 − rho)·g²; w −= lr·g / √(ms + eps). */
const TF_RMSPROP = `class TfRMSprop(torch.optim.Optimizer):
    """RMSprop as TensorFlow.js runs it: epsilon inside the square root (PyTorch's RMSprop adds it outside)."""

    def __init__(self, params, lr, rho=0.9, eps=1e-7):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                ms = self.state[p].setdefault("ms", torch.zeros_like(p))
                ms.mul_(group["rho"]).addcmul_(p.grad, p.grad, value=1 - group["rho"])
                p.addcdiv_(p.grad, (ms + group["eps"]).sqrt(), value=-group["lr"])`;

export interface PytorchCodeOptions {
  /** Where the run's data set is (its IDX files), for the script's default `--data`; null when unknown. */
  dataDir: string | null;
  producer: string;
}

/** The network as `nn.Sequential` entries, each layer under a comment of its summary. */
function sequentialBody(metadata: ModelMetadata): string {
  const described = describeModel(metadata.spec);
  const firstError = described.errors[0];
  if (firstError) throw new StudioError('INVALID_ARGUMENT', `model ${metadata.id}: ${firstError.message}: it cannot be written as PyTorch code`, 'id');
  return metadata.spec.layers
    .map((layer, i) => {
      const input = i === 0 ? [...INPUT_SHAPE] : described.layers[i - 1]!.outputShape!;
      const modules = mainLayer(layer).pytorch(layer, input);
      return [`        # ${oneLine(layerDef(layer).summary(layer))}`, ...modules.map((m) => `        ${m},`)].join('\n');
    })
    .join('\n');
}

/** The callbacks' constants and their epoch-end code, mirroring src/main/trainer/callbacks.ts; empty when the run used none. */
function callbacksCode(hp: Hyperparams): { constants: string; setup: string; epochEnd: string; restore: string } {
  const schedule = hp.lrSchedule;
  if (!hp.earlyStopping && !hp.restoreBest && !schedule) return { constants: '', setup: '', epochEnd: '', restore: '' };
  const constants = `
# The run's callbacks (as the studio's: patience counts epochs in a row without improvement, 0 acts as 1).
LR_SCHEDULE = ${pyLiteral(schedule ?? null)}
EARLY_STOPPING = ${pyLiteral(hp.earlyStopping ?? null)}
RESTORE_BEST = ${pyLiteral(hp.restoreBest === true)}
`;
  const setup = `
    monitor = EARLY_STOPPING["monitor"] if EARLY_STOPPING else ("val-loss" if len(validation_rows) else None)
    best, best_state, early_best, wait = None, None, None, 0
    plateau_best, plateau_wait = math.inf, 0`;
  const epochEnd = `
        # Callbacks, after the epoch.
        if monitor and validation:
            value = val_loss if monitor == "val-loss" else val_accuracy
            if best is None or improves(monitor, value, best[1], 0):
                best = (epoch, value)
                if RESTORE_BEST:
                    best_state = copy.deepcopy(model.state_dict())
        if LR_SCHEDULE and LR_SCHEDULE["type"] == "plateau" and validation:
            if val_loss < plateau_best:
                plateau_best, plateau_wait = val_loss, 0
            else:
                plateau_wait += 1
                if plateau_wait >= LR_SCHEDULE["patience"]:
                    lr, plateau_wait = max(LR_SCHEDULE["minLr"], lr * LR_SCHEDULE["factor"]), 0
        if EARLY_STOPPING and validation:
            value = val_loss if EARLY_STOPPING["monitor"] == "val-loss" else val_accuracy
            if early_best is None or improves(EARLY_STOPPING["monitor"], value, early_best, EARLY_STOPPING["minDelta"]):
                early_best, wait = value, 0
            else:
                wait += 1
                if wait >= EARLY_STOPPING["patience"] and epoch < epochs:
                    print(f"Early stopping after epoch {epoch}: {EARLY_STOPPING['monitor']} has not improved for {wait} epochs")
                    break`;
  const restore = `
    if RESTORE_BEST and best_state is not None:
        model.load_state_dict(best_state)
        print(f"Restored the weights of epoch {best[0]} (the best {monitor}: {best[1]:.4f})")`;
  return { constants, setup, epochEnd, restore };
}

/** The script's text. */
export function pytorchScript(metadata: ModelMetadata, options: PytorchCodeOptions): string {
  const settings = scriptSettings(metadata);
  const { hp } = settings;
  const callbacks = callbacksCode(hp);
  const docstring = scriptDocstring(metadata, settings, {
    framework: 'PyTorch',
    needs: 'PyTorch and numpy (no torchvision needed)',
    fileName: `${fileSlug(metadata.spec.name)}_pytorch.py`,
    producer: options.producer,
    ignored: [],
  });
  const helpers = [
    hp.optimizer === 'rmsprop' ? TF_RMSPROP : '',
    callbacks.constants
      ? `def improves(monitor, value, best, min_delta):
    """Lower loss, higher accuracy is better."""
    return value < best - min_delta if monitor == "val-loss" else value > best + min_delta


def learning_rate(epoch, lr):
    """The learning rate epoch \`epoch\` (1, 2, ...) trains with: the schedule's, or \`lr\` (reduce-on-plateau's current one)."""
    e, s = epoch - 1, LR_SCHEDULE
    if s is None or s["type"] == "plateau":
        return lr
    if s["type"] == "step":
        return LEARNING_RATE * s["factor"] ** (e // s["every"])
    if s["type"] == "exponential":
        return LEARNING_RATE * s["gamma"] ** e
    return s["minLr"] + (LEARNING_RATE - s["minLr"]) * (1 + math.cos(math.pi * e / EPOCHS)) / 2`
      : '',
  ].filter(Boolean);
  return `${docstring}
import argparse
${callbacks.constants ? 'import copy\n' : ''}import gzip
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

${settingsConstants(settings, options.dataDir)}
LOG_EVERY = ${hp.logEvery}
${callbacks.constants}

${PY_READ_IDX}


${PY_CHOOSE_ROWS}


def normalise(images):
    """As the studio feeds its models: pixels 0-255 to (p / 255 - MEAN) / STD, in PyTorch's layout [n, 1, 28, 28]."""
    return torch.from_numpy(((images.astype(np.float32) / 255.0 - MEAN) / STD).reshape(-1, 1, 28, 28))


class FlattenNHWC(nn.Module):
    """Flattens [n, c, h, w] channels fastest, as TensorFlow.js flattens [n, h, w, c]: the next layer's weights line up with the studio's."""

    def forward(self, x):
        return x.permute(0, 2, 3, 1).flatten(1)


def build_model():
    return nn.Sequential(
${sequentialBody(metadata)}
    )


def init_weights(model):
    """As the studio initialises: kernels from tfjs's Glorot normal (truncated at two standard deviations), biases zero."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(m.weight)
            std = math.sqrt(2.0 / (fan_in + fan_out))
            nn.init.trunc_normal_(m.weight, 0.0, std, -2 * std, 2 * std)
            nn.init.zeros_(m.bias)


${helpers.length > 0 ? `${helpers.join('\n\n\n')}\n\n\n` : ''}def make_optimizer(params, lr):
    return ${OPTIMIZER_CODE[hp.optimizer]}


${LOSS_CODE[hp.loss]}


def evaluate(model, x, y):
    """Loss and accuracy on a whole set, in eval mode (dropout off, batch norm on its moving statistics)."""
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(y), 1000):
            logits = model(x[start : start + 1000])
            total += loss_fn(logits, y[start : start + 1000]).item() * len(logits)
            correct += (logits.argmax(dim=1) == y[start : start + 1000]).sum().item()
    return total / len(y), correct / len(y), correct


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, required=DEFAULT_DATA is None, help="folder of the four MNIST-format IDX files")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--steps", type=int, default=None, help="train only this many batches per epoch (a quick check)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for PyTorch (default: its own choice)")
    parser.add_argument("--out", default=${pyLiteral(`${fileSlug(metadata.spec.name)}.pt`)}, help="where to save the trained weights (a state dict)")
    parser.add_argument("--onnx", default=None, help="also export the trained network as ONNX to this file")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    torch.manual_seed(SEED)
    images, labels = read_idx(args.data, "train-images-idx3-ubyte"), read_idx(args.data, "train-labels-idx1-ubyte")
    x_test = normalise(read_idx(args.data, "t10k-images-idx3-ubyte"))
    y_test = torch.from_numpy(read_idx(args.data, "t10k-labels-idx1-ubyte").astype(np.int64))
    train_rows, validation_rows = choose_rows(len(labels))
    x_train, y_train = normalise(images[train_rows]), torch.from_numpy(labels[train_rows].astype(np.int64))
    validation = (normalise(images[validation_rows]), torch.from_numpy(labels[validation_rows].astype(np.int64))) if len(validation_rows) else None

    model = build_model()
    init_weights(model)
    print(model)
    print(f"{sum(p.numel() for p in model.parameters() if p.requires_grad):,} trainable parameters; {len(y_train)} training images")
    lr = LEARNING_RATE
    optimizer = make_optimizer(model.parameters(), lr)
    epochs = args.epochs
    steps = math.ceil(len(y_train) / BATCH_SIZE)
    if args.steps:
        steps = min(steps, args.steps)
    order_rng = torch.Generator().manual_seed(SEED)${callbacks.setup}
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        ${callbacks.constants ? 'epoch_lr = learning_rate(epoch, lr)' : 'epoch_lr = lr'}
        for group in optimizer.param_groups:
            group["lr"] = epoch_lr
        model.train()
        order = torch.randperm(len(y_train), generator=order_rng)
        epoch_started, total, correct, seen = time.perf_counter(), 0.0, 0, 0
        for step in range(steps):
            rows = order[step * BATCH_SIZE : (step + 1) * BATCH_SIZE]
            batch, target = x_train[rows], y_train[rows]
            logits = model(batch)
            loss = loss_fn(logits, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
            correct += (logits.argmax(dim=1) == target).sum().item()
            seen += len(rows)
            if (step + 1) % LOG_EVERY == 0:
                print(f"Epoch [{epoch}/{epochs}], Step [{step + 1}/{steps}], Loss: {loss.item():.4f}")
        line = f"Epoch [{epoch}/{epochs}] done in {time.perf_counter() - epoch_started:.1f}s: loss {total / seen:.4f}, accuracy {correct / seen:.4f}"
        if validation:
            val_loss, val_accuracy, _ = evaluate(model, *validation)
            line += f", validation loss {val_loss:.4f}, validation accuracy {val_accuracy:.4f}"
        print(line + (f", learning rate {epoch_lr:g}" if epoch_lr != LEARNING_RATE else ""))${callbacks.epochEnd}${callbacks.restore}

    test_loss, test_accuracy, test_correct = evaluate(model, x_test, y_test)
    print(f"Trained in {time.perf_counter() - started:.1f}s")
    print(f"Accuracy of the network on the {len(y_test)} test images: {100 * test_accuracy:.2f} % ({test_correct}/{len(y_test)}, loss {test_loss:.4f})")
    torch.save(model.state_dict(), args.out)
    print(f"Saved the weights (a state dict for build_model()) to {args.out}")
    if args.onnx:
        model.eval()
        torch.onnx.export(model, (torch.zeros(1, 1, 28, 28),), args.onnx, input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        print(f"Saved the network as ONNX (input [n, 1, 28, 28], normalised; output logits) to {args.onnx}")


if __name__ == "__main__":
    main()
`;
}
