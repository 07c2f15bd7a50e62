/**
 * Starts a read-ahead worker thread (read-ahead.ts) with nothing but Node's
 * own modules loaded, so the trainer's entry can start it before the rest of
 * the trainer loads (~0.2 s of modules): the worker's own start and its
 * read then overlap them. Given `train`'s command line (PRELAUNCH_ARGV_ENV),
 * the worker reads the data set it guesses from it without waiting to be
 * asked (read-ahead-worker.ts); the trainer checks what it read against the
 * job before using it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { appRoot } from '../paths';

/** The worker's bundle (electron-vite's `read-ahead` input), beside the trainer's. */
export function readAheadWorkerFile(): string {
  return path.join(appRoot(), 'out', 'main', 'read-ahead.js');
}

/** What the trainer hands its read-ahead worker: the command line to guess the data set from (PRELAUNCH_ARGV_ENV's JSON), if any. */
export interface ReadAheadWorkerData {
  prelaunchArgv: string | null;
}

/** A started read-ahead worker, or null without its bundle or when it cannot start (the run then reads its data set itself). */
export function startReadAheadWorker(file = readAheadWorkerFile(), prelaunchArgv: string | null = null): Worker | null {
  if (!fs.existsSync(file)) return null;
  try {
    const workerData: ReadAheadWorkerData = { prelaunchArgv };
    const worker = new Worker(file, { workerData });
    // An idle worker never keeps the trainer alive.
    worker.unref();
    return worker;
  } catch {
    return null;
  }
}

let started: Worker | null = null;

/** The trainer's entry starts its worker here first thing; the trainer takes it (once) when its modules have loaded. */
export function startEarly(prelaunchArgv: string | null): void {
  started = startReadAheadWorker(readAheadWorkerFile(), prelaunchArgv);
}

/** The worker the entry started, once; null if none was (or it was taken). */
export function takeEarlyWorker(): Worker | null {
  const worker = started;
  started = null;
  return worker;
}
