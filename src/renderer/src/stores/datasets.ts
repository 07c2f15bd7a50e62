import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { DATASETS, IDX_ROLES, isBuiltinDatasetId, type BuiltinDatasetId, type DatasetInfo, type DatasetSummary } from '@shared/datasets';
import type { DownloadEvent } from '@shared/events';
import { fail, type ApiError, type Result } from '@shared/result';
import { useStudio } from '../composables/useStudio';
import { uploadFiles } from '../upload';
import { useNoticesStore } from './notices';
import { useSettingsStore } from './settings';

const NOT_CONNECTED = 'not connected to a studio engine';

/** Images per class in the sample grid of the Data screen. */
export const SAMPLES_PER_CLASS = 8;

/** How long a retry stays mentioned after its wait is over: long enough to read, short enough not to alarm. */
export const RETRY_NOTE_MS = 4000;

/** The mirror failures kept for the screen: the latest few say enough. */
const MAX_MIRROR_FAILURES = 4;

export type DownloadPhase = 'running' | 'done' | 'failed' | 'cancelled';

/** One of the four files of a download, as the progress panel lists it. */
export interface FileProgress {
  /** As served: `train-images-idx3-ubyte.gz`. */
  name: string;
  state: 'pending' | 'active' | 'downloaded' | 'cached';
  bytes: number;
  /** The server's Content-Length once known, the registry's estimate before. */
  total: number;
}

export interface RetryNote {
  file: string;
  mirror: string;
  attempt: number;
  delayMs: number;
  fromByte: number;
  /** The engine's words (English): shown as a detail, the UI says it in the user's language. */
  reason: string;
}

/** One dataset's download as the `download` stream tells it; kept after it ends, so the screen can say how it ended. */
export interface DownloadState {
  dataset: string;
  phase: DownloadPhase;
  files: FileProgress[];
  currentFile: string | null;
  mirror: string | null;
  doneBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  retry: RetryNote | null;
  mirrorFailures: { file: string; mirror: string; reason: string }[];
  /** Set when it failed or was cancelled. */
  error: ApiError | null;
  /** Set when done. */
  downloadedBytes: number;
  seconds: number | null;
  /** A cancel was asked and its answer has not come yet. */
  cancelling: boolean;
}

function newDownload(dataset: string): DownloadState {
  const files: FileProgress[] = isBuiltinDatasetId(dataset)
    ? IDX_ROLES.map((role) => ({ name: `${DATASETS[dataset].files[role].name}.gz`, state: 'pending', bytes: 0, total: DATASETS[dataset].files[role].gzipBytes }))
    : [];
  return {
    dataset,
    phase: 'running',
    files,
    currentFile: null,
    mirror: null,
    doneBytes: 0,
    totalBytes: files.reduce((sum, f) => sum + f.total, 0),
    bytesPerSecond: 0,
    etaSeconds: null,
    retry: null,
    mirrorFailures: [],
    error: null,
    downloadedBytes: 0,
    seconds: null,
    cancelling: false,
  };
}

function fileOf(state: DownloadState, name: string): FileProgress {
  let file = state.files.find((f) => f.name === name);
  if (!file) {
    file = { name, state: 'pending', bytes: 0, total: 0 };
    state.files.push(file);
  }
  return file;
}

/** The name a dataset's toast shows: the registry's, else the summary's, else its id. */
function nameOf(list: readonly DatasetSummary[], id: string): string {
  return list.find((d) => d.id === id)?.name ?? (isBuiltinDatasetId(id) ? DATASETS[id].name : id);
}

/**
 * The datasets in the studio home and what is happening to them: the list,
 * downloads (fed by the `download` stream, which boot connects for the
 * app's lifetime, so a download keeps being followed while the user is on
 * another screen), imports, the details of each, and which one is chosen
 * (`settings.lastDatasetId`).
 */
export const useDatasetsStore = defineStore('datasets', () => {
  const settings = useSettingsStore();
  const notices = useNoticesStore();

  const list = ref<DatasetSummary[]>([]);
  const loaded = ref(false);
  const listError = ref<ApiError | null>(null);
  const downloads = ref<Record<string, DownloadState>>({});
  const infos = ref<Record<string, DatasetInfo>>({});
  const infoErrors = ref<Record<string, ApiError>>({});
  const importing = ref(false);
  /** Only the mirrors in Settings, not the official hosts (a network without internet). For this session. */
  const onlyMyMirrors = ref(false);
  /** How many Data screens are open: while one is, it shows how a download ended, and no toast is needed. */
  const screensOpen = ref(0);

  const retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const infoRequests = new Map<string, Promise<Result<DatasetInfo>>>();
  let latestList = 0;

  /** The chosen dataset: the one picked last if it still exists, else the first ready one, else the first. */
  const selectedId = computed<string | null>(() => {
    const last = settings.settings.lastDatasetId;
    if (last && list.value.some((d) => d.id === last)) return last;
    return list.value.find((d) => d.status === 'ready')?.id ?? list.value[0]?.id ?? null;
  });
  const selected = computed(() => list.value.find((d) => d.id === selectedId.value) ?? null);

  async function refresh(): Promise<Result<DatasetSummary[]>> {
    const request = ++latestList;
    const studio = useStudio();
    const res = studio ? await studio.datasets.list({}) : fail<DatasetSummary[]>('UNAVAILABLE', NOT_CONNECTED);
    if (request !== latestList) return res;
    if (res.ok) {
      list.value = res.value;
      listError.value = null;
      // Details of a dataset that is no longer ready (or changed) are read again when next shown.
      for (const id of Object.keys(infos.value)) {
        if (res.value.find((d) => d.id === id)?.status !== 'ready') forgetInfo(id);
      }
      // A failed download of a data set since made ready (an import, another window) no longer tells anything true.
      for (const d of res.value) {
        if (d.status === 'ready' && downloads.value[d.id]?.phase === 'failed') delete downloads.value[d.id];
      }
    } else {
      listError.value = res.error;
    }
    loaded.value = true;
    return res;
  }

  function select(id: string): void {
    if (settings.settings.lastDatasetId !== id) void settings.update({ lastDatasetId: id });
  }

  function isRunning(id: string): boolean {
    return downloads.value[id]?.phase === 'running';
  }

  function stateFor(id: string): DownloadState {
    const existing = downloads.value[id];
    if (existing?.phase === 'running') return existing;
    // A download this page did not start (another tab, or one running before a reload) is followed from its first event.
    const fresh = newDownload(id);
    downloads.value[id] = fresh;
    return downloads.value[id];
  }

  function clearRetry(id: string): void {
    clearTimeout(retryTimers.get(id));
    retryTimers.delete(id);
    const state = downloads.value[id];
    if (state) state.retry = null;
  }

  function finish(id: string, phase: Exclude<DownloadPhase, 'running'>, error: ApiError | null): void {
    const state = downloads.value[id];
    if (!state || state.phase !== 'running') return;
    clearRetry(id);
    state.phase = phase;
    state.error = error;
    state.cancelling = false;
    state.bytesPerSecond = 0;
    state.etaSeconds = null;
    for (const f of state.files) if (f.state === 'active') f.state = 'pending';
    state.currentFile = null;
    forgetInfo(id);
    void refresh();
    if (screensOpen.value > 0 || phase === 'cancelled') return;
    // The user is elsewhere: say how it ended.
    const name = nameOf(list.value, id);
    if (phase === 'done') notices.push({ level: 'success', title: { key: 'data.toast.ready', values: { name } }, body: { key: 'data.toast.readyBody' } });
    else if (error) notices.push({ level: 'error', title: { key: 'data.toast.failed', values: { name } }, body: { key: `errors.${error.code}` }, detail: error.message });
  }

  /** Applies one event of the `download` stream. */
  function onDownloadEvent(event: DownloadEvent): void {
    const id = event.dataset;
    switch (event.kind) {
      case 'started': {
        const state = stateFor(id);
        for (const name of event.files) fileOf(state, name);
        state.totalBytes = event.totalBytes;
        break;
      }
      case 'progress': {
        const state = stateFor(id);
        const file = fileOf(state, event.file);
        file.state = 'active';
        file.bytes = event.fileBytes;
        file.total = event.fileTotal;
        state.currentFile = event.file;
        state.mirror = event.mirror;
        state.doneBytes = event.doneBytes;
        state.totalBytes = event.totalBytes;
        state.bytesPerSecond = event.bytesPerSecond;
        state.etaSeconds = event.etaSeconds;
        break;
      }
      case 'retry': {
        const state = stateFor(id);
        const { file, mirror, attempt, delayMs, fromByte, reason } = event;
        state.retry = { file, mirror, attempt, delayMs, fromByte, reason };
        clearTimeout(retryTimers.get(id));
        retryTimers.set(
          id,
          setTimeout(() => clearRetry(id), delayMs + RETRY_NOTE_MS),
        );
        break;
      }
      case 'mirror-failed': {
        const state = stateFor(id);
        state.mirrorFailures = [...state.mirrorFailures, { file: event.file, mirror: event.mirror, reason: event.reason }].slice(-MAX_MIRROR_FAILURES);
        break;
      }
      case 'file-verified': {
        const state = stateFor(id);
        const file = fileOf(state, event.file);
        file.state = event.status;
        file.bytes = event.bytes;
        file.total = event.bytes;
        if (state.currentFile === event.file) state.currentFile = null;
        break;
      }
      case 'done': {
        const state = downloads.value[id];
        if (state) {
          state.downloadedBytes = event.downloadedBytes;
          state.seconds = event.seconds;
          state.doneBytes = state.totalBytes;
        }
        finish(id, 'done', null);
        break;
      }
      case 'failed':
        finish(id, event.error.code === 'CANCELLED' ? 'cancelled' : 'failed', event.error);
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unknown download event: ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Downloads a registry dataset: main tries the mirrors in Settings first,
   * then (unless `onlyMyMirrors`) the official hosts. Progress arrives on
   * the stream; the answer settles what the stream may not have said (an
   * input refused before the download began).
   */
  async function download(id: BuiltinDatasetId): Promise<void> {
    if (isRunning(id)) return;
    downloads.value[id] = newDownload(id);
    const studio = useStudio();
    const onlyMine = onlyMyMirrors.value && settings.settings.mirrors.length > 0;
    const res = studio ? await studio.datasets.download({ id, defaultMirrors: !onlyMine }) : fail('UNAVAILABLE', NOT_CONNECTED);
    if (res.ok) {
      const state = downloads.value[id];
      if (state?.phase === 'running') {
        state.downloadedBytes = res.value.downloadedBytes;
        state.seconds = res.value.seconds;
      }
      finish(id, 'done', null);
    } else {
      finish(id, res.error.code === 'CANCELLED' ? 'cancelled' : 'failed', res.error);
    }
  }

  async function cancel(id: string): Promise<void> {
    const state = downloads.value[id];
    if (!state || state.phase !== 'running') return;
    state.cancelling = true;
    const studio = useStudio();
    const res = studio ? await studio.datasets.cancel({ id }) : fail<{ cancelled: boolean }>('UNAVAILABLE', NOT_CONNECTED);
    // Nothing was running there any more (it ended meanwhile): the stream has said or will say how.
    if (!res.ok || !res.value.cancelled) state.cancelling = false;
  }

  /** Forgets how a finished download ended (the user closed its message). */
  function dismiss(id: string): void {
    if (downloads.value[id] && downloads.value[id].phase !== 'running') delete downloads.value[id];
  }

  /**
   * Imports the four files: in the desktop app from a folder the user picks
   * in main's dialog (null: the dialog was closed), in a browser from files
   * it picked, uploaded. The new dataset is chosen.
   */
  async function importFiles(from: { dialogTitle: string } | { files: File[] }, name?: string): Promise<Result<DatasetSummary | null>> {
    importing.value = true;
    const studio = useStudio();
    try {
      let res: Result<DatasetSummary | null>;
      if (!studio) res = fail('UNAVAILABLE', NOT_CONNECTED);
      else if ('dialogTitle' in from) {
        const picked = await studio.datasets.importFromDialog({ title: from.dialogTitle, ...(name ? { name } : {}) });
        res = picked.ok ? { ok: true, value: picked.value.imported } : picked;
      } else {
        const uploaded = await uploadFiles(studio, 'dataset', from.files);
        res = uploaded.ok ? await studio.datasets.importUpload({ uploadId: uploaded.value.uploadId, ...(name ? { name } : {}) }) : uploaded;
      }
      if (res.ok && res.value) {
        forgetInfo(res.value.id);
        await refresh();
        select(res.value.id);
      }
      return res;
    } finally {
      importing.value = false;
    }
  }

  /** Removes a dataset's folder from the studio home (a broken entry too); it can then be downloaded or imported again. */
  async function remove(id: string): Promise<Result<{ id: string; dir: string }>> {
    const studio = useStudio();
    const res = studio ? await studio.datasets.delete({ id }) : fail<{ id: string; dir: string }>('UNAVAILABLE', NOT_CONNECTED);
    // Gone either way when NOT_FOUND: the list was out of date.
    if (res.ok || res.error.code === 'NOT_FOUND') {
      forgetInfo(id);
      dismiss(id);
      await refresh();
    }
    return res;
  }

  function forgetInfo(id: string): void {
    delete infos.value[id];
    delete infoErrors.value[id];
    infoRequests.delete(id);
  }

  /** Counts, histograms and the sample grid of a ready dataset, read once and kept. */
  function loadInfo(id: string): Promise<Result<DatasetInfo>> {
    const known = infos.value[id];
    if (known) return Promise.resolve({ ok: true, value: known });
    let request = infoRequests.get(id);
    if (!request) {
      const studio = useStudio();
      request = (studio ? studio.datasets.info({ id, samplesPerClass: SAMPLES_PER_CLASS }) : Promise.resolve(fail<DatasetInfo>('UNAVAILABLE', NOT_CONNECTED))).then((res) => {
        // A newer request (after the dataset changed) owns the cache now.
        if (infoRequests.get(id) !== request) return res;
        if (res.ok) infos.value[id] = res.value;
        else infoErrors.value[id] = res.error;
        return res;
      });
      infoRequests.set(id, request);
    }
    return request;
  }

  /** The Data screen says it is open (it shows how downloads end itself) and closed again. */
  function screenOpened(): () => void {
    screensOpen.value++;
    return () => {
      screensOpen.value--;
    };
  }

  return {
    list,
    loaded,
    listError,
    downloads,
    infos,
    infoErrors,
    importing,
    onlyMyMirrors,
    selectedId,
    selected,
    refresh,
    select,
    remove,
    isRunning,
    onDownloadEvent,
    download,
    cancel,
    dismiss,
    importFiles,
    loadInfo,
    screenOpened,
  };
});
