import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { LAYER_LIMITS, ModelSpec, PRESETS, presetSpec, type LayerType, type Preset } from '@shared/model-spec';
import { readSlot, type StoredJson } from '@shared/settings';
import { checkDraft, draftFromSpec, matchingPreset, moveItem, newLayer, type DraftLayer, type DraftModel } from './model-draft';
import { useSettingsStore } from './settings';

/** The name of a network that is no longer a preset (the schema's default name). */
export const CUSTOM_NAME = 'custom';

/** How long the editor waits after the last change before saving the spec in the settings. */
export const SAVE_DELAY_MS = 400;

/**
 * The network being edited on the Model screen and trained on Train: a
 * draft checked live, the last valid version of which is kept in the
 * settings (`lastModelSpec`), so the next session starts where this one
 * stopped.
 */
export const useModelStore = defineStore('model', () => {
  const settings = useSettingsStore();
  const stored = () => readSlot(ModelSpec, settings.settings.lastModelSpec);
  const draft = ref<DraftModel>(draftFromSpec(stored() ?? presetSpec('mlp')));
  /** True once the user changed something here: a late answer from main no longer replaces the draft. */
  let touched = false;

  // The settings may arrive after this store is made (a slow engine at start-up).
  watch(
    () => settings.loaded,
    (loaded) => {
      const spec = stored();
      if (loaded && !touched && spec) draft.value = draftFromSpec(spec);
    },
  );

  const check = computed(() => checkDraft(draft.value));
  /** The network to train: the draft when it is valid, else null. */
  const spec = computed(() => check.value.spec);
  const preset = computed(() => matchingPreset(spec.value));
  const canAdd = computed(() => draft.value.layers.length < LAYER_LIMITS.layers.max);
  const canRemove = computed(() => draft.value.layers.length > LAYER_LIMITS.layers.min);

  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  watch(
    () => (spec.value ? JSON.stringify(spec.value) : null),
    (json) => {
      clearTimeout(saveTimer);
      if (json === null || !touched || json === JSON.stringify(settings.settings.lastModelSpec)) return;
      saveTimer = setTimeout(() => void settings.update({ lastModelSpec: JSON.parse(json) as StoredJson }), SAVE_DELAY_MS);
    },
  );

  function edit(change: (model: DraftModel) => DraftModel): void {
    touched = true;
    const next = change(draft.value);
    // A preset's name stays on it only while it is that preset: an edited one is the user's own.
    const renamed = (PRESETS as readonly string[]).includes(next.name) && matchingPreset(checkDraft(next).spec) !== next.name;
    draft.value = renamed ? { ...next, name: CUSTOM_NAME } : next;
  }

  function loadPreset(name: Preset): void {
    touched = true;
    draft.value = draftFromSpec(presetSpec(name));
  }

  /** Adds a layer just before the last one, which gives the class scores: where a new hidden layer belongs. */
  function addLayer(type: LayerType): DraftLayer | null {
    if (!canAdd.value) return null;
    const layer = newLayer(type);
    edit((model) => {
      const at = Math.max(0, model.layers.length - 1);
      return { ...model, layers: [...model.layers.slice(0, at), layer, ...model.layers.slice(at)] };
    });
    return layer;
  }

  function removeLayer(index: number): void {
    if (!canRemove.value) return;
    edit((model) => ({ ...model, layers: model.layers.filter((_, i) => i !== index) }));
  }

  function moveLayer(from: number, to: number): void {
    edit((model) => ({ ...model, layers: moveItem(model.layers, from, to) }));
  }

  function updateLayer<F extends keyof Omit<DraftLayer, 'key'>>(index: number, field: F, value: DraftLayer[F]): void {
    edit((model) => ({ ...model, layers: model.layers.map((layer, i) => (i === index ? { ...layer, [field]: value } : layer)) }));
  }

  function rename(name: string): void {
    touched = true;
    draft.value = { ...draft.value, name };
  }

  return { draft, check, spec, preset, canAdd, canRemove, loadPreset, addLayer, removeLayer, moveLayer, updateLayer, rename };
});
