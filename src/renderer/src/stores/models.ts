import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ImportedModel, ModelEntry } from '@shared/models';
import type { ModelDownload, NormalizationChoice } from '@shared/models-api';
import { fail, type ApiError, type Result } from '@shared/result';
import { useStudio } from '../composables/useStudio';
import { uploadFiles } from '../upload';

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

  /**
   * Imports a model: in the desktop app from a folder or .zip the user picks
   * in main's dialog (null: the dialog was closed), in a browser from files
   * it picked (a TF.js folder's files or a .zip), uploaded.
   */
  async function importModel(
    from: { dialog: 'folder' | 'zip' | 'onnx'; title: string } | { files: File[] },
    name?: string,
    normalization?: NormalizationChoice,
  ): Promise<Result<ImportedModel | null>> {
    const studio = useStudio();
    let res: Result<ImportedModel | null>;
    if (!studio) res = fail('UNAVAILABLE', NOT_CONNECTED);
    else if ('dialog' in from) {
      const picked = await studio.models.importFromDialog({ from: from.dialog, title: from.title, ...(name ? { name } : {}), ...(normalization ? { normalization } : {}) });
      res = picked.ok ? { ok: true, value: picked.value.imported } : picked;
    } else {
      const uploaded = await uploadFiles(studio, 'model', from.files);
      res = uploaded.ok
        ? await studio.models.importUpload({ uploadId: uploaded.value.uploadId, ...(name ? { name } : {}), ...(normalization ? { normalization } : {}) })
        : uploaded;
    }
    const added = res.ok ? res.value : null;
    if (added) list.value = [added, ...list.value.filter((m) => m.id !== added.id)];
    return res;
  }

  /** The desktop's export: main asks where with its save dialog and writes there; answers the file's name, or null. */
  async function saveAs(id: string, format: ModelDownload['format'], labels: { title: string; filterName: string }): Promise<Result<{ saved: string | null }>> {
    const studio = useStudio();
    return studio ? studio.models.saveAs({ id, format, ...labels }) : fail('UNAVAILABLE', NOT_CONNECTED);
  }

  async function download(id: string, format: ModelDownload['format']): Promise<Result<ModelDownload>> {
    const studio = useStudio();
    return studio ? studio.models.download({ id, format }) : fail('UNAVAILABLE', NOT_CONNECTED);
  }

  return { list, loaded, listError, byId, refresh, rename, remove, importModel, saveAs, download };
});
