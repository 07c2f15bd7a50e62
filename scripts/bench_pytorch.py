"""The peer of `npm run bench`: the studio's networks trained in PyTorch, as JSON.

`npm run bench -- --pytorch PYTHON` runs this with PYTHON once per case, in
turn with the studio's own case, so both see the same machine load. It
trains the same networks as the studio's presets (src/shared/model-spec.ts:
the tutorial's mlp 784-128-64-10 and the cnn, LeNet-5 with ReLU and max
pooling) the way the studio does: Adam lr 0.001, softmax cross-entropy, a
fresh shuffle of in-memory tensors every epoch (a gather per batch, like
DataLoader(shuffle=True) without workers), whole batches only. It times
rounds of 8192 synthetic samples with every thread setting asked for
(torch.set_num_threads) and prints one JSON line: samples/s per setting
(median over rounds) and the best.

Usage: python bench_pytorch.py PRESET BATCH [--rounds N] [--threads 1,2]
       [--samples N] [--epochs N]
"""

import argparse
import json
import os
import statistics
import sys
import time


def build(preset, torch):
    nn = torch.nn
    if preset == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )
    if preset == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )
    raise SystemExit(f"bench_pytorch.py: unknown preset {preset!r} (mlp or cnn)")


def epoch(torch, model, optimizer, loss_fn, x, y, batch, generator):
    """One pass over (x, y) in a fresh order; whole batches only. Returns the samples trained."""
    order = torch.randperm(x.shape[0], generator=generator)
    steps = x.shape[0] // batch
    for s in range(steps):
        index = order[s * batch : (s + 1) * batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
    # The studio reads its losses back; so does this (one sync at the end of a round).
    loss.item()
    return steps * batch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("preset")
    parser.add_argument("batch", type=int)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the samples per timed round")
    args = parser.parse_args()
    try:
        import torch
    except ImportError as err:
        print(json.dumps({"skipped": f"no torch in {sys.executable}: {err}"}))
        return

    torch.manual_seed(1234)
    generator = torch.Generator().manual_seed(1234)
    # Pixels as the studio feeds them: normalised floats, NCHW for PyTorch's convolutions.
    x = (torch.randint(0, 256, (args.samples, 1, 28, 28), generator=generator).float() / 255 - 0.1307) / 0.3081
    y = torch.randint(0, 10, (args.samples,), generator=generator)
    loss_fn = torch.nn.CrossEntropyLoss()
    settings = [int(t) for t in args.threads.split(",") if t.strip()]
    result = {
        "model": args.preset,
        "batchSize": args.batch,
        "torch": torch.__version__,
        "rounds": args.rounds,
        "samples": args.samples,
        "epochsPerRound": args.epochs,
        "byThreads": {},
    }
    for threads in settings:
        torch.set_num_threads(threads)
        model = build(args.preset, torch)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
        # Warm-up: allocator and kernels settle before anything is timed.
        epoch(torch, model, optimizer, loss_fn, x, y, args.batch, generator)
        rates = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            samples = sum(epoch(torch, model, optimizer, loss_fn, x, y, args.batch, generator) for _ in range(args.epochs))
            rates.append(samples / (time.perf_counter() - start))
        result["byThreads"][str(threads)] = round(statistics.median(rates))
    best = max(result["byThreads"].items(), key=lambda kv: kv[1])
    result["bestThreads"] = int(best[0])
    result["samplesPerSec"] = best[1]
    result["loadAverage"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
