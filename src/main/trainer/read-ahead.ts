/**
 * A cold trainer's dataset, read while TensorFlow loads. Loading
 * TensorFlow blocks the trainer's thread for about a second; meanwhile a
 * worker thread reads and verifies the four IDX files (`loadDataset`, as a
 * run does) and normalises both splits into pixel buffers, then hands them
 * over, transferred, not copied. Whatever goes wrong there (no worker
 * bundle, a bad file) answers null: the run then reads the dataset on its
 * own thread and meets the same error, named as always.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DatasetSplit, LoadedDataset } from '@shared/datasets';
import type { Hyperparams } from '@shared/hyperparams';
import { loadDataset, type DatasetSource } from '../datasets/load';
import { appRoot } from '../paths';
import { pixelBuffer, type PixelBuffer } from './data';
import { mark } from '../trace';

export interface ReadAheadRequest {
  source: DatasetSource;
  normalization: Hyperparams['normalization'];
}

/** The dataset as `loadDataset` gives it, and each split's normalised pixels. */
export interface ReadAhead {
  dataset: LoadedDataset;
  pixels: { train: PixelBuffer; test: PixelBuffer };
}

/** The worker's bundle (electron-vite's `read-ahead` input), beside the trainer's. */
export function readAheadWorkerFile(): string {
  return path.join(appRoot(), 'out', 'main', 'read-ahead.js');
}

function isSplit(value: unknown): value is DatasetSplit {
  const s = value as Partial<DatasetSplit> | null;
  return typeof s === 'object' && s !== null && typeof s.count === 'number' && s.images instanceof Uint8Array && s.labels instanceof Uint8Array;
}

function isPixels(value: unknown, split: DatasetSplit): value is PixelBuffer {
  const p = value as Partial<PixelBuffer> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    p.buffer instanceof ArrayBuffer &&
    p.length === split.images.length &&
    typeof p.offset === 'number' &&
    p.offset >= 0 &&
    p.offset + p.length * 4 <= p.buffer.byteLength
  );
}

/** What the worker sent, checked: a dataset with both splits and pixels that match them. */
export function isReadAhead(message: unknown): message is ReadAhead {
  const m = message as { dataset?: Partial<LoadedDataset>; pixels?: { train?: unknown; test?: unknown } } | null;
  const d = m?.dataset;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.id === 'string' &&
    isSplit(d.train) &&
    isSplit(d.test) &&
    isPixels(m?.pixels?.train, d.train) &&
    isPixels(m?.pixels?.test, d.test)
  );
}

/**
 * A read-ahead worker, started before its request is known: a trainer
 * started for a run starts one at once, so the worker's modules load while
 * the job is on its way (they took ~200 ms after the job before). `read`
 * sends it the request; it answers once, then ends.
 */
export class ReadAheadWorker {
  private readonly worker: Worker | null = null;
  private readonly answer: Promise<ReadAhead | null> = Promise.resolve(null);
  private asked = false;
  constructor(file = readAheadWorkerFile()) {
    if (!fs.existsSync(file)) return;
    let worker: Worker;
    try {
      worker = new Worker(file);
    } catch {
      return;
    }
    // An idle worker never keeps the trainer alive.
    worker.unref();
    this.worker = worker;
    this.answer = new Promise((resolve) => {
      worker.once('message', (message: unknown) => {
        resolve(isReadAhead(message) ? message : null);
        void worker.terminate();
      });
      // A bad file throws in the worker: the run's own read names it.
      worker.once('error', () => resolve(null));
      worker.once('exit', () => resolve(null));
    });
  }

  /** Reads `request` in the worker; null when it cannot (no worker, asked before, or it failed): the run reads the dataset itself. */
  read(request: ReadAheadRequest): Promise<ReadAhead | null> {
    if (!this.worker || this.asked) return Promise.resolve(null);
    this.asked = true;
    this.worker.postMessage(request);
    return this.answer;
  }
}

/** The worker's side: read, normalise, and send, handing over every buffer. */
export async function serveReadAhead(request: ReadAheadRequest, send: (message: ReadAhead, transfer: ArrayBuffer[]) => void): Promise<void> {
  mark('read-ahead: request received');
  const dataset = await loadDataset(request.source);
  mark('read-ahead: dataset read');
  const pixels = { train: pixelBuffer(dataset.train.images, request.normalization), test: pixelBuffer(dataset.test.images, request.normalization) };
  const buffers = [dataset.train.images, dataset.train.labels, dataset.test.images, dataset.test.labels].map((a) => a.buffer);
  const transfer = [...new Set([...buffers, pixels.train.buffer, pixels.test.buffer])].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  mark('read-ahead: pixels normalised');
  send({ dataset, pixels }, transfer);
}
