import type { TrainEvent } from './training';
import type { ApiError } from './result';
import type { SettingsEvent } from './settings';
import type { SweepEvent } from './sweeps';

/**
 * Something the user should be told that is not the answer to a call: a
 * settings file moved aside, a run that finished. `message` is English; a
 * notice with an `id` is shown translated (`notices.<id>` with `values`).
 */
export type NoticeEvent = {
  kind: 'notice';
  level: 'info' | 'warning' | 'error';
  message: string;
  id?: string;
  values?: Record<string, string | number>;
};

/**
 * Progress of one dataset download (`datasets:download`), keyed by dataset
 * id: at most one download per dataset runs, and a second request joins it.
 * Byte counts are of the files as served (gzip).
 */
export type DownloadEvent =
  /** The download begins; `files` are the ones still to fetch (verified ones already in the home are skipped). */
  | { kind: 'started'; dataset: string; files: string[]; totalBytes: number }
  /**
   * Bytes arrived. Totals are the servers' Content-Length where sent, else
   * the registry's size. `fileBytes` and `doneBytes` go back down when a
   * server ignores Range and a file starts over, or a new mirror is tried.
   */
  | {
      kind: 'progress';
      dataset: string;
      file: string;
      /** The mirror the file is coming from now. */
      mirror: string;
      fileBytes: number;
      fileTotal: number;
      doneBytes: number;
      totalBytes: number;
      bytesPerSecond: number;
      /** Seconds left at the current speed; null until there is a speed. */
      etaSeconds: number | null;
    }
  /** A dropped or stalled connection; the download resumes (HTTP Range) from `fromByte` after `delayMs`. */
  | { kind: 'retry'; dataset: string; file: string; mirror: string; attempt: number; delayMs: number; fromByte: number; reason: string }
  /** A mirror failed for this file (HTTP error, bad digest, retries spent); the next one is tried. */
  | { kind: 'mirror-failed'; dataset: string; file: string; mirror: string; reason: string }
  /** A file passed verification and is in the home: fetched now or found there already. */
  | { kind: 'file-verified'; dataset: string; file: string; status: 'cached' | 'downloaded'; mirror: string | null; bytes: number }
  | { kind: 'done'; dataset: string; downloadedBytes: number; seconds: number }
  | { kind: 'failed'; dataset: string; error: ApiError };

/**
 * The push streams from main to the renderer, each carrying one tagged
 * union. One line per stream; `EVENT_NAMES` lists them at run time.
 */
export interface StudioEvents {
  notice: NoticeEvent;
  download: DownloadEvent;
  settings: SettingsEvent;
  train: TrainEvent;
  sweep: SweepEvent;
}

export type EventName = keyof StudioEvents;

export const EVENT_NAMES = ['notice', 'download', 'settings', 'train', 'sweep'] as const satisfies readonly EventName[];

// Every stream is listed at run time, and the list names no stream twice or unknown.
type Missing = Exclude<EventName, (typeof EVENT_NAMES)[number]>;
export const eventNamesComplete: [Missing] extends [never] ? true : never = true;

/** IPC channel an event stream is sent on. */
export function eventChannel(name: EventName): `event:${EventName}` {
  return `event:${name}`;
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}
