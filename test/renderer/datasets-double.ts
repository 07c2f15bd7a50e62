import { BUILTIN_DATASET_IDS, DATASETS, DIGIT_CLASSES, NUM_CLASSES, PIXELS, type DatasetInfo, type DatasetSummary, type DownloadResult } from '../../src/shared/datasets';
import type { DownloadInput } from '../../src/shared/datasets-api';
import type { DownloadEvent } from '../../src/shared/events';
import { StudioError, type ApiError } from '../../src/shared/result';
import type { StudioDouble } from './harness';
import type { z } from 'zod';

/** A registry dataset as a fresh studio home lists it: known, not downloaded. */
export function missingDataset(id: keyof typeof DATASETS, home: string): DatasetSummary {
  const spec = DATASETS[id];
  return {
    id,
    name: spec.name,
    builtin: true,
    personal: false,
    status: 'missing',
    classNames: spec.classNames,
    train: null,
    test: null,
    files: 0,
    bytes: 0,
    origin: null,
    dir: `${home}/datasets/${id}`,
  };
}

export function missingDatasets(home: string): DatasetSummary[] {
  return BUILTIN_DATASET_IDS.map((id) => missingDataset(id, home));
}

/** Class counts of a split of `count` items, as uneven as real ones: class c has a little more than class c-1. */
function classCounts(count: number): number[] {
  const weights = Array.from({ length: NUM_CLASSES }, (_, c) => 100 + c);
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((count * w) / sum));
  counts[0]! += count - counts.reduce((a, b) => a + b, 0);
  return counts;
}

/** A ready dataset: the registry's counts for a registry id, else a small imported one. */
export function readyDataset(id: string, home: string, origin: DatasetSummary['origin'] = null): DatasetSummary {
  const spec = id in DATASETS ? DATASETS[id as keyof typeof DATASETS] : null;
  const train = spec?.files.trainImages.count ?? 1000;
  const test = spec?.files.testImages.count ?? 200;
  return {
    id,
    name: spec?.name ?? id,
    builtin: spec !== null,
    personal: false,
    status: 'ready',
    classNames: spec?.classNames ?? DIGIT_CLASSES,
    train: { count: train, classCounts: classCounts(train) },
    test: { count: test, classCounts: classCounts(test) },
    files: 4,
    bytes: spec ? Object.values(spec.files).reduce((a, f) => a + f.gzipBytes, 0) : 250_000,
    origin: origin ?? (spec ? { kind: 'download', mirrors: [spec.mirrors[0]!] } : { kind: 'import', from: `/data/${id}` }),
    dir: `${home}/datasets/${id}`,
  };
}

/** What `datasets:info` answers for a ready summary: `perClass` samples of each class, pixel values that draw a bar per class. */
export function infoOf(summary: DatasetSummary, perClass: number): DatasetInfo {
  const labels = Uint8Array.from({ length: perClass * NUM_CLASSES }, (_, i) => Math.floor(i / perClass));
  const images = new Uint8Array(labels.length * PIXELS);
  labels.forEach((label, i) => images.fill(255, i * PIXELS + label * 28, i * PIXELS + label * 28 + 28));
  return { summary, train: summary.train!, test: summary.test!, samples: { perClass, labels, images } };
}

type Download = z.output<typeof DownloadInput>;

/**
 * Main's datasets domain for the Data screen's tests, kept in memory: the
 * studio home's datasets are `summaries`; a download stays open until the
 * test finishes or fails it, and its events are what the test emits (the
 * download engine itself has its own tests on a real server).
 */
export class DatasetsDouble {
  summaries: DatasetSummary[];
  readonly downloads: Download[] = [];
  private readonly running = new Map<string, { resolve: (r: DownloadResult) => void; reject: (e: StudioError) => void }>();
  /** When set, the next import fails with it. */
  importError: ApiError | null = null;
  /** What main's folder dialog answers for `datasets:importFromDialog`; null: the user closed it. */
  dialogFolder: string | null = '/home/ada/Downloads/digits/';

  constructor(
    readonly studio: StudioDouble,
    summaries?: DatasetSummary[],
  ) {
    const home = studio.info.home;
    this.summaries = summaries ?? missingDatasets(home);
    studio
      .respond('datasets:list', async () => structuredClone(this.summaries))
      .respond('datasets:download', (input) => {
        this.downloads.push(input);
        return new Promise<DownloadResult>((resolve, reject) => this.running.set(input.id, { resolve, reject }));
      })
      .respond('datasets:cancel', async ({ id }) => {
        const run = this.running.get(id);
        if (!run) return { cancelled: false };
        this.fail(id, { code: 'CANCELLED', message: `${DATASETS[id as keyof typeof DATASETS]?.name ?? id} download cancelled` });
        return { cancelled: true };
      })
      .respond('datasets:importFromDialog', async ({ name }) => ({ imported: this.dialogFolder === null ? null : this.imported(this.dialogFolder, name) }))
      .respond('datasets:importUpload', async ({ uploadId, name }) => {
        const upload = studio.uploaded.get(uploadId);
        if (!upload) throw new StudioError('NOT_FOUND', `upload ${uploadId}: no such open upload`, 'uploadId');
        studio.uploaded.delete(uploadId);
        return this.imported(upload.files.length === 1 ? upload.files[0]!.name.replace(/\.zip$/, '') : 'upload', name);
      })
      .respond('datasets:info', async ({ id, samplesPerClass }) => {
        const summary = this.summaries.find((d) => d.id === id);
        if (summary?.status !== 'ready') throw new StudioError('NOT_FOUND', `${id}: is not in the studio home`, 'id');
        return infoOf(summary, samplesPerClass);
      });
  }

  /** A dataset imported from `from` (a folder, or an upload's name), or the import error set. */
  private imported(from: string, name: string | undefined): DatasetSummary {
    if (this.importError) throw new StudioError(this.importError.code, this.importError.message);
    const id = name ?? from.split('/').filter(Boolean).at(-1)!;
    const summary = readyDataset(id, this.studio.info.home, { kind: 'import', from });
    this.summaries = [...this.summaries.filter((d) => d.id !== id), summary];
    return summary;
  }

  emit(event: DownloadEvent): void {
    this.studio.emit('download', event);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Ends a running download well: the dataset is ready, `done` is emitted and the call answers. */
  finish(id: keyof typeof DATASETS, downloadedBytes: number, seconds: number): void {
    const home = this.studio.info.home;
    this.summaries = this.summaries.map((d) => (d.id === id ? readyDataset(id, home, { kind: 'download', mirrors: ['http://127.0.0.1:8080/'] }) : d));
    this.emit({ kind: 'done', dataset: id, downloadedBytes, seconds });
    this.running.get(id)?.resolve({ id, dir: `${home}/datasets/${id}`, files: [], downloadedBytes, seconds });
    this.running.delete(id);
  }

  /** Ends a running download with an error, as the engine does: `failed` on the stream, the same error as the answer. */
  fail(id: string, error: ApiError): void {
    this.emit({ kind: 'failed', dataset: id, error });
    this.running.get(id)?.reject(new StudioError(error.code, error.message));
    this.running.delete(id);
  }
}
