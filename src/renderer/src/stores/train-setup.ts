import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { AugmentField, AugmentPreset } from '@shared/augment';
import type { DatasetSummary } from '@shared/datasets';
import { Hyperparams } from '@shared/hyperparams';
import type { ApiError } from '@shared/result';
import { readSlot, type StoredJson } from '@shared/settings';
import { useStudio } from '../composables/useStudio';
import {
  augmentDraftOf,
  checkHyperparams,
  DEFAULT_DRAFT,
  draftFromHyperparams,
  type CallbacksDraft,
  type HyperparamNumberField,
  type HyperparamsDraft,
  type MixDraft,
} from './hyperparams-draft';
import { useSettingsStore } from './settings';

/** How long the form waits after the last keystroke before saving the hyperparameters in the settings. */
export const SAVE_DELAY_MS = 400;

/**
 * What the next run trains on and how: the data set (from the ready ones)
 * and the hyperparameters as typed. Valid hyperparameters and the chosen
 * data set are kept in the settings (`lastHyperparams`, `lastDatasetId`).
 */
export const useTrainSetupStore = defineStore('trainSetup', () => {
  const settings = useSettingsStore();
  const stored = () => readSlot(Hyperparams, settings.settings.lastHyperparams);
  const fromSettings = () => {
    const hp = stored();
    return hp ? draftFromHyperparams(hp) : structuredClone(DEFAULT_DRAFT);
  };
  const draft = ref<HyperparamsDraft>(fromSettings());
  let touched = false;
  watch(
    () => settings.loaded,
    (loaded) => {
      if (loaded && !touched) draft.value = fromSettings();
    },
  );

  const check = computed(() => checkHyperparams(draft.value));

  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  watch(
    () => (check.value.value ? JSON.stringify(check.value.value) : null),
    (json) => {
      clearTimeout(saveTimer);
      if (json === null || !touched) return;
      saveTimer = setTimeout(() => void settings.update({ lastHyperparams: JSON.parse(json) as StoredJson }), SAVE_DELAY_MS);
    },
  );

  function setNumber(field: HyperparamNumberField, text: string): void {
    touched = true;
    draft.value = { ...draft.value, numbers: { ...draft.value.numbers, [field]: text } };
  }

  function setChoice<F extends 'optimizer' | 'loss'>(field: F, value: HyperparamsDraft[F]): void {
    touched = true;
    draft.value = { ...draft.value, [field]: value };
  }

  /** Augmentation: a preset fills every field; a field typed by hand makes the mix `custom`. */
  function setAugmentPreset(preset: AugmentPreset): void {
    touched = true;
    draft.value = { ...draft.value, augment: augmentDraftOf(preset) };
  }

  function setAugmentField(field: AugmentField, text: string): void {
    touched = true;
    draft.value = { ...draft.value, augment: { preset: 'custom', fields: { ...draft.value.augment.fields, [field]: text } } };
  }

  function setCallbacks(patch: Partial<CallbacksDraft>): void {
    touched = true;
    draft.value = { ...draft.value, callbacks: { ...draft.value.callbacks, ...patch } };
  }

  /** Mixing a personal set in: switched on, a set picked, a share or the hold-out typed. */
  function setMix(patch: Partial<MixDraft>): void {
    touched = true;
    draft.value = { ...draft.value, mix: { ...draft.value.mix, ...patch } };
  }

  function resetDefaults(): void {
    touched = true;
    draft.value = structuredClone(DEFAULT_DRAFT);
  }

  /** Data sets in the studio home; only ready ones can be trained on. */
  const datasets = ref<DatasetSummary[]>([]);
  const datasetsLoaded = ref(false);
  const datasetsError = ref<ApiError | null>(null);
  const ready = computed(() => datasets.value.filter((d) => d.status === 'ready'));
  /** The one picked here, else the one picked last (here or on Data), else the first ready one. */
  const picked = ref<string | null>(null);
  const datasetId = computed<string | null>({
    get: () => {
      const ids = ready.value.map((d) => d.id);
      for (const id of [picked.value, settings.settings.lastDatasetId]) if (id && ids.includes(id)) return id;
      return ids[0] ?? null;
    },
    set: (id) => {
      picked.value = id;
      if (id && id !== settings.settings.lastDatasetId) void settings.update({ lastDatasetId: id });
    },
  });
  const dataset = computed(() => ready.value.find((d) => d.id === datasetId.value) ?? null);
  /** Sets that can be mixed into the batches: the ready personal sets other than the one trained on. */
  const mixable = computed(() => ready.value.filter((d) => d.personal && d.id !== datasetId.value));

  async function loadDatasets(): Promise<void> {
    const studio = useStudio();
    if (!studio) return;
    const res = await studio.datasets.list({});
    datasetsLoaded.value = true;
    if (res.ok) {
      datasets.value = res.value;
      datasetsError.value = null;
    } else {
      datasetsError.value = res.error;
    }
  }

  return {
    draft,
    check,
    setNumber,
    setChoice,
    setAugmentPreset,
    setAugmentField,
    setCallbacks,
    setMix,
    resetDefaults,
    datasets,
    datasetsLoaded,
    datasetsError,
    ready,
    datasetId,
    dataset,
    mixable,
    loadDatasets,
  };
});
