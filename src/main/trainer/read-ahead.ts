/**
 * A cold trainer's dataset, read while TensorFlow loads. Loading
 * TensorFlow blocks the trainer's thread for about a second; meanwhile a
 * worker thread reads and verifies the four IDX files (`loadDataset`, as a
 * run does) and normalises both splits into pixel buffers, then hands them
 * over, transferred, not copied. Whatever goes wrong there (no worker
 * bundle, a bad file) answers null: the run then reads the dataset on its
 * own thread and meets the same error, named as always.
 */
import type { Worker } from 'node:worker_threads';
import type { DatasetSplit, LoadedDataset } from '@shared/datasets';
import type { Hyperparams } from '@shared/hyperparams';
import { loadDataset, type DatasetSource } from '../datasets/load';
import { pixelBuffer, type PixelBuffer } from './data';
import { startReadAheadWorker } from './read-ahead-start';
import { mark } from '../trace';

export { readAheadWorkerFile } from './read-ahead-start';

export interface ReadAheadRequest {
  source: DatasetSource;
  normalization: Hyperparams['normalization'];
}

/** The dataset as `loadDataset` gives it, and each split's normalised pixels. */
export interface ReadAhead {
  dataset: LoadedDataset;
  pixels: { train: PixelBuffer; test: PixelBuffer };
}

/** What the worker sends: the read and the request it served (asked, or guessed from `train`'s command line). */
interface ReadAheadAnswer extends ReadAhead {
  request: ReadAheadRequest;
}

/** Whether two requests name the same source and normalisation. */
export function sameRequest(a: ReadAheadRequest, b: ReadAheadRequest): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
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

/** What the worker sent, checked: the request it served, a dataset with both splits and pixels that match them. */
function isReadAheadAnswer(message: unknown): message is ReadAheadAnswer {
  const m = message as { request?: unknown; dataset?: Partial<LoadedDataset>; pixels?: { train?: unknown; test?: unknown } } | null;
  const d = m?.dataset;
  return (
    typeof m?.request === 'object' &&
    m.request !== null &&
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
 * started for a run starts one first thing (read-ahead-start.ts), so the
 * worker's modules load while the job is on its way (they took ~200 ms
 * after the job before). `read` sends it the request; it answers once, then
 * ends. A worker that guessed its request from `train`'s command line reads
 * that one unasked: its answer serves only a request equal to the guess.
 */
export class ReadAheadWorker {
  private readonly worker: Worker | null = null;
  private readonly answer: Promise<ReadAheadAnswer | null> = Promise.resolve(null);
  private asked = false;
  /** `worker`: one already started (the trainer's entry starts it before the trainer's modules load); by default, a new one. */
  constructor(worker: Worker | null = startReadAheadWorker()) {
    if (!worker) return;
    this.worker = worker;
    this.answer = new Promise((resolve) => {
      worker.once('message', (message: unknown) => {
        resolve(isReadAheadAnswer(message) ? message : null);
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
    // A worker reading its guess does not listen: the message is dropped with it.
    this.worker.postMessage(request);
    return this.answer.then((a) => (a && sameRequest(a.request, request) ? { dataset: a.dataset, pixels: a.pixels } : null));
  }
}

/** The worker's side: read, normalise, and send, handing over every buffer. */
export async function serveReadAhead(request: ReadAheadRequest, send: (message: ReadAheadAnswer, transfer: ArrayBuffer[]) => void): Promise<void> {
  mark('read-ahead: request received');
  const dataset = await loadDataset(request.source);
  mark('read-ahead: dataset read');
  const pixels = { train: pixelBuffer(dataset.train.images, request.normalization), test: pixelBuffer(dataset.test.images, request.normalization) };
  const buffers = [dataset.train.images, dataset.train.labels, dataset.test.images, dataset.test.labels].map((a) => a.buffer);
  const transfer = [...new Set([...buffers, pixels.train.buffer, pixels.test.buffer])].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  mark('read-ahead: pixels normalised');
  send({ request, dataset, pixels }, transfer);
}
