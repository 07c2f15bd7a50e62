import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ExportFormat, ModelEntry, ModelExport } from '@shared/models';
import type { ModelDownload } from '@shared/models-api';
import { fail, type ApiError, type Result } from '@shared/result';
import { useStudio } from '../composables/useStudio';

const NOT_CONNECTED = 'not connected to a studio engine';

/**
 * The model library as the Models and Playground screens show it: the list
 * (newest first, as the engine gives it) and the calls that change it. Each
 * call answers its Result, so the screen that made it shows its error.
 */
export const useModelsStore = defineStore('models', () => {
  const list = ref<ModelEntry[]>([]);
  const loaded = ref(false);
  const listError = ref<ApiError | null>(null);
  let latest = 0;

  const byId = computed(() => new Map(list.value.map((m) => [m.id, m])));

  async function refresh(): Promise<Result<ModelEntry[]>> {
    const request = ++latest;
    const studio = useStudio();
    const res = studio ? await studio.models.list({}) : fail<ModelEntry[]>('UNAVAILABLE', NOT_CONNECTED);
    if (request !== latest) return res;
    if (res.ok) {
      list.value = res.value;
      listError.value = null;
    } else {
      listError.value = res.error;
    }
    loaded.value = true;
    return res;
  }

  function replace(entry: ModelEntry): void {
    list.value = list.value.map((m) => (m.id === entry.id ? entry : m));
  }

  async function rename(id: string, name: string): Promise<Result<ModelEntry>> {
    const studio = useStudio();
    const res = studio ? await studio.models.rename({ id, name }) : fail<ModelEntry>('UNAVAILABLE', NOT_CONNECTED);
    if (res.ok) replace(res.value);
    return res;
  }

  async function remove(id: string): Promise<Result<{ id: string }>> {
    const studio = useStudio();
    const res = studio ? await studio.models.delete({ id }) : fail<{ id: string }>('UNAVAILABLE', NOT_CONNECTED);
    if (res.ok) list.value = list.value.filter((m) => m.id !== id);
    return res;
  }

  async function importModel(path: string, name?: string): Promise<Result<ModelEntry>> {
    const studio = useStudio();
    const res = studio ? await studio.models.import({ path, ...(name ? { name } : {}) }) : fail<ModelEntry>('UNAVAILABLE', NOT_CONNECTED);
    if (res.ok) list.value = [res.value, ...list.value.filter((m) => m.id !== res.value.id)];
    return res;
  }

  async function exportTo(id: string, format: ExportFormat, path: string): Promise<Result<ModelExport>> {
    const studio = useStudio();
    // The save dialog has asked before replacing a file.
    return studio ? studio.models.export({ id, format, path, overwrite: true }) : fail('UNAVAILABLE', NOT_CONNECTED);
  }

  async function download(id: string, format: ModelDownload['format']): Promise<Result<ModelDownload>> {
    const studio = useStudio();
    return studio ? studio.models.download({ id, format }) : fail('UNAVAILABLE', NOT_CONNECTED);
  }

  return { list, loaded, listError, byId, refresh, rename, remove, importModel, exportTo, download };
});
