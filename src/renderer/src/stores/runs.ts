import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { RUN_STATUSES, type RunRecord, type RunStatus, type RunSummary, type TrainerActivity, type TrainEvent } from '@shared/training';
import { IDX_FILES, type DatasetImages } from '@shared/datasets';
import { fail, type ApiError, type Result } from '@shared/result';
import { useStudio } from '../composables/useStudio';
import { SERIES_COLORS } from '../composables/useChartTheme';

const NOT_CONNECTED = 'not connected to a studio engine';

/** The list is read again at most this often while a run sends events: a run's row moves, the engine is not polled. */
export const LIST_REFRESH_MS = 1000;
/** A running run's full record (its curves, for a chart) is read again at most this often. */
export const RECORD_REFRESH_MS = 2000;
/** Runs one chart overlays at most: one colour each from the theme's series palette. */
export const MAX_COMPARED = SERIES_COLORS;

export const SORT_KEYS = ['createdAt', 'datasetId', 'modelName', 'epochs', 'batchSize', 'learningRate', 'status', 'durationMs', 'testAccuracy'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'ascending' | 'descending';

export interface RunFilters {
  status: RunStatus | 'all';
  dataset: string;
  model: string;
  /** Words the run's id, model, dataset, optimizer or failure reason contain. */
  text: string;
}

const NO_FILTERS: RunFilters = { status: 'all', dataset: 'all', model: 'all', text: '' };

/** Where a running run is, from the `train` stream's progress (the list knows only finished epochs). */
export interface LiveProgress {
  activity: TrainerActivity;
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
}

/** The value a column sorts by; null sorts last in either direction. */
function sortValue(run: RunSummary, key: SortKey): string | number | null {
  switch (key) {
    case 'createdAt':
      return run.createdAt;
    case 'datasetId':
      return run.datasetId;
    case 'modelName':
      return run.modelName;
    case 'epochs':
      return run.epochs;
    case 'batchSize':
      return run.hyperparams.batchSize;
    case 'learningRate':
      return run.hyperparams.learningRate;
    case 'status':
      return RUN_STATUSES.indexOf(run.status);
    case 'durationMs':
      return run.durationMs;
    case 'testAccuracy':
      return run.testAccuracy;
    default: {
      const unknown: never = key;
      throw new Error(`unknown sort key: ${String(unknown)}`);
    }
  }
}

export function compareRuns(a: RunSummary, b: RunSummary, key: SortKey, direction: SortDirection): number {
  const x = sortValue(a, key);
  const y = sortValue(b, key);
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
  // Ties keep the newest first, so the order never depends on how the engine listed them.
  return (direction === 'ascending' ? order : -order) || b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

export function matchesFilters(run: RunSummary, filters: RunFilters): boolean {
  if (filters.status !== 'all' && run.status !== filters.status) return false;
  if (filters.dataset !== 'all' && run.datasetId !== filters.dataset) return false;
  if (filters.model !== 'all' && run.modelName !== filters.model) return false;
  const words = filters.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [run.id, run.modelName, run.datasetId, run.hyperparams.optimizer, run.reason ?? ''].join(' ').toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** Calls `fn` at most once per `ms`, the last call winning; `cancel` drops a pending one. */
function throttled(fn: () => void, ms: number): { schedule: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  return {
    schedule() {
      if (timer) return;
      timer = setTimeout(
        () => {
          timer = null;
          last = Date.now();
          fn();
        },
        Math.max(0, last + ms - Date.now()),
      );
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * The run history as the Runs and Evaluate screens show it: the list (kept
 * up to date from the `train` stream while one of them is open), the full
 * records read so far (curves, evaluation), the runs chosen to compare, and
 * the table's sort and filters, which outlive a visit to another screen.
 */
export const useRunsStore = defineStore('runs', () => {
  const list = ref<RunSummary[]>([]);
  const loaded = ref(false);
  const listError = ref<ApiError | null>(null);
  /** Full records by id. Not deeply reactive: a record holds thousands of points and is replaced whole. */
  const records = shallowRef<Record<string, RunRecord>>({});
  const recordErrors = ref<Record<string, ApiError>>({});
  const compared = ref<string[]>([]);
  /** Each compared run's colour (an index into the series palette), kept while it stays on the chart. */
  const colorSlots = ref<Record<string, number>>({});
  const live = ref<Record<string, LiveProgress>>({});
  const sortKey = ref<SortKey>('createdAt');
  const sortDirection = ref<SortDirection>('descending');
  const filters = ref<RunFilters>({ ...NO_FILTERS });

  let latestList = 0;
  const recordRequests = new Map<string, Promise<Result<RunRecord>>>();
  const listRefresh = throttled(() => void refresh(), LIST_REFRESH_MS);
  const recordRefreshes = new Map<string, ReturnType<typeof throttled>>();

  const visible = computed(() => list.value.filter((run) => matchesFilters(run, filters.value)).sort((a, b) => compareRuns(a, b, sortKey.value, sortDirection.value)));
  const filtered = computed(() => Object.entries(filters.value).some(([key, value]) => value !== NO_FILTERS[key as keyof RunFilters]));
  const datasets = computed(() => [...new Set(list.value.map((r) => r.datasetId))].sort());
  const models = computed(() => [...new Set(list.value.map((r) => r.modelName))].sort());
  /** Runs with a test-set evaluation, newest first: what the Evaluate screen offers. */
  const evaluated = computed(() => list.value.filter((r) => (r.status === 'done' || r.status === 'stopped') && r.testAccuracy !== null));

  async function refresh(): Promise<Result<RunSummary[]>> {
    const request = ++latestList;
    const studio = useStudio();
    const res = studio ? await studio.runs.list({}) : fail<RunSummary[]>('UNAVAILABLE', NOT_CONNECTED);
    if (request !== latestList) return res;
    if (res.ok) {
      list.value = res.value;
      listError.value = null;
      const ids = new Set(res.value.map((r) => r.id));
      for (const id of compared.value) if (!ids.has(id)) uncompare(id);
      for (const id of Object.keys(live.value)) if (res.value.find((r) => r.id === id)?.status !== 'running') delete live.value[id];
    } else {
      listError.value = res.error;
    }
    loaded.value = true;
    return res;
  }

  function forgetRecord(id: string): void {
    const { [id]: _gone, ...rest } = records.value;
    records.value = rest;
    delete recordErrors.value[id];
    recordRequests.delete(id);
    recordRefreshes.get(id)?.cancel();
    recordRefreshes.delete(id);
  }

  /** A run in full, read once; `fresh` reads it again (a running run's curves grow). */
  function loadRecord(id: string, options: { fresh?: boolean } = {}): Promise<Result<RunRecord>> {
    const known = records.value[id];
    if (known && !options.fresh) return Promise.resolve({ ok: true, value: known });
    let request = recordRequests.get(id);
    if (!request || options.fresh) {
      const studio = useStudio();
      const current: Promise<Result<RunRecord>> = (studio ? studio.runs.get({ id }) : Promise.resolve(fail<RunRecord>('UNAVAILABLE', NOT_CONNECTED))).then((res) => {
        // A newer request (or a delete) owns the cache now.
        if (recordRequests.get(id) !== current) return res;
        if (res.ok) {
          records.value = { ...records.value, [id]: markRaw(res.value) };
          delete recordErrors.value[id];
        } else {
          recordErrors.value[id] = res.error;
        }
        return res;
      });
      recordRequests.set(id, current);
      request = current;
    }
    return request;
  }

  /** Reads a record again soon, if it was read at all: only what a screen shows is kept fresh. */
  function reloadSoon(id: string): void {
    if (!records.value[id] && !recordRequests.has(id)) return;
    let refresher = recordRefreshes.get(id);
    if (!refresher) {
      refresher = throttled(() => void loadRecord(id, { fresh: true }), RECORD_REFRESH_MS);
      recordRefreshes.set(id, refresher);
    }
    refresher.schedule();
  }

  /** Applies one event of the `train` stream: the live run's row and curves follow, throttled. */
  function onTrainEvent(event: TrainEvent): void {
    const id = event.runId;
    switch (event.kind) {
      case 'started':
        live.value[id] = { activity: 'running', epoch: 1, epochs: event.epochs, step: 0, stepsPerEpoch: event.stepsPerEpoch };
        listRefresh.schedule();
        break;
      case 'activity': {
        const progress = live.value[id];
        if (progress) progress.activity = event.activity;
        break;
      }
      case 'progress':
        live.value[id] = { activity: live.value[id]?.activity ?? 'running', epoch: event.epoch, epochs: event.epochs, step: event.step, stepsPerEpoch: event.stepsPerEpoch };
        break;
      case 'batch':
        reloadSoon(id);
        break;
      case 'epoch':
        listRefresh.schedule();
        reloadSoon(id);
        break;
      case 'done':
      case 'failed':
        delete live.value[id];
        listRefresh.schedule();
        if (records.value[id] || recordRequests.has(id)) void loadRecord(id, { fresh: true });
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unknown train event: ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Drops reads scheduled by the stream: the screens that wanted them are closed. */
  function stopFollowing(): void {
    listRefresh.cancel();
    for (const refresher of recordRefreshes.values()) refresher.cancel();
  }

  /** Deletes a run's record; the engine refuses (BUSY) while it trains. */
  async function remove(id: string): Promise<Result<{ id: string }>> {
    const studio = useStudio();
    const res = studio ? await studio.runs.delete({ id }) : fail<{ id: string }>('UNAVAILABLE', NOT_CONNECTED);
    if (res.ok) {
      list.value = list.value.filter((r) => r.id !== id);
      uncompare(id);
      forgetRecord(id);
    }
    return res;
  }

  /**
   * Test images of a run by index (its misclassified ones), from the data set
   * in the studio home, refused when that data set is no longer the one the
   * run was tested on. A run trained on a folder (`dir:…`) has none to show.
   */
  async function testImages(record: RunRecord, indices: number[]): Promise<Result<DatasetImages>> {
    if (record.datasetId.startsWith('dir:')) return fail('NOT_FOUND', `${record.datasetId}: not a dataset in the studio home`, 'id');
    const studio = useStudio();
    if (!studio) return fail('UNAVAILABLE', NOT_CONNECTED);
    const sha256 = record.dataset?.digests[IDX_FILES.testImages];
    return studio.datasets.images({ id: record.datasetId, split: 'test', indices, ...(sha256 ? { sha256 } : {}) });
  }

  function sortBy(key: SortKey): void {
    if (sortKey.value === key) {
      sortDirection.value = sortDirection.value === 'ascending' ? 'descending' : 'ascending';
    } else {
      sortKey.value = key;
      // Newest, most accurate, longest first: what a person looks for first in those columns.
      sortDirection.value = key === 'createdAt' || key === 'testAccuracy' || key === 'durationMs' ? 'descending' : 'ascending';
    }
  }

  function clearFilters(): void {
    filters.value = { ...NO_FILTERS };
  }

  function uncompare(id: string): void {
    compared.value = compared.value.filter((c) => c !== id);
    delete colorSlots.value[id];
  }

  /** Adds a run to the charts in the first colour no other run has, or takes it off; false when the charts are full. */
  function toggleCompared(id: string): boolean {
    if (compared.value.includes(id)) {
      uncompare(id);
      return true;
    }
    if (compared.value.length >= MAX_COMPARED) return false;
    const taken = new Set(Object.values(colorSlots.value));
    colorSlots.value[id] = Array.from({ length: MAX_COMPARED }, (_, i) => i).find((slot) => !taken.has(slot)) ?? 0;
    compared.value = [...compared.value, id];
    return true;
  }

  return {
    list,
    loaded,
    listError,
    records,
    recordErrors,
    compared,
    colorSlots,
    live,
    sortKey,
    sortDirection,
    filters,
    visible,
    filtered,
    datasets,
    models,
    evaluated,
    refresh,
    loadRecord,
    onTrainEvent,
    stopFollowing,
    remove,
    sortBy,
    clearFilters,
    toggleCompared,
    uncompare,
    testImages,
  };
});
