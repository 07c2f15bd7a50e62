import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import type { ModelDownload } from '@shared/models-api';
import type { ApiError } from '@shared/result';
import { formatBytes } from '../format';
import { saveFile } from '../save-file';
import { useModelsStore } from '../stores/models';
import { useStudioInfoStore } from '../stores/studio-info';
import { useNotify } from './useNotify';

/** How an export ended: written (or downloaded), the save dialog closed, or failed. */
export type ExportOutcome = { kind: 'saved' } | { kind: 'cancelled' } | { kind: 'failed'; error: ApiError };

/**
 * One model written as one file, as the Models screen and a run's page
 * offer it: in the desktop app through main's save dialog (models:saveAs),
 * in a browser as a download of the bytes (models:download). Says so in a
 * toast when done; the caller shows a failure where it happened.
 */
export function useModelExport() {
  const { t, locale } = useI18n();
  const models = useModelsStore();
  const studioInfo = useStudioInfoStore();
  const { notify } = useNotify();
  const desktop = computed(() => studioInfo.info?.shell === 'electron');

  async function exportModel(model: { id: string; name: string }, format: ModelDownload['format']): Promise<ExportOutcome> {
    if (desktop.value) {
      const res = await models.saveAs(model.id, format, { title: t('models.export.dialogTitle'), filterName: t(`models.export.formats.${format}`) });
      if (!res.ok) return { kind: 'failed', error: res.error };
      if (!res.value.saved) return { kind: 'cancelled' };
      notify({ level: 'success', title: { key: 'models.export.done', values: { model: model.name, file: res.value.saved } } });
      return { kind: 'saved' };
    }
    const res = await models.download(model.id, format);
    if (!res.ok) return { kind: 'failed', error: res.error };
    saveFile(new Blob([res.value.data as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), res.value.fileName);
    notify({ level: 'success', title: { key: 'models.export.downloaded', values: { file: res.value.fileName, size: formatBytes(res.value.data.length, locale.value) } } });
    return { kind: 'saved' };
  }

  return { desktop, exportModel };
}
