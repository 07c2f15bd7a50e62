import { useI18n } from 'vue-i18n';
import { datasetDisplayName } from '@shared/datasets';
import type { OptimizerName } from '@shared/hyperparams';
import type { RunSummary } from '@shared/training';
import { formatCount, formatDateTime } from '../format';
import type { RunEngine } from '../stores/training';

/** How runs are named on screen, in the UI's language: their data set, their optimizer, the run as a whole. */
export function useRunText() {
  const { t, locale } = useI18n();

  /** The shared display name: a registry dataset's own name, else the given name, a folder's last part, or the id the user gave it. */
  function datasetName(id: string, name?: string | null): string {
    return datasetDisplayName(id, name);
  }

  function optimizerName(name: OptimizerName): string {
    return t(`runs.optimizers.${name}`);
  }

  /** "mlp · MNIST · Jun 3, 14:05:09": what a legend or a picker calls a run; to the second, so runs of one minute differ. */
  function runName(run: Pick<RunSummary, 'modelName' | 'datasetId' | 'createdAt'>): string {
    return `${run.modelName} · ${datasetName(run.datasetId)} · ${formatDateTime(run.createdAt, locale.value, { seconds: true })}`;
  }

  /** "Engine: native TensorFlow kernels, 1 thread", and why that engine (a fallback says what went wrong). */
  function engineText(e: RunEngine | null): { text: string; cause: string | null; fallback: boolean } | null {
    if (!e) return null;
    const threads = e.threads === 1 ? t('train.engine.threadsOne') : t('train.engine.threadsMany', { count: formatCount(e.threads, locale.value) });
    return {
      text: t('train.engine.value', { engine: t(`train.engine.paths.${e.path}`), threads }),
      cause: e.cause ? t('train.engine.why', { cause: t(`train.engine.causes.${e.cause}`) }) : null,
      fallback: e.cause === 'native-unavailable' || e.cause === 'native-disagreed',
    };
  }

  return { datasetName, optimizerName, runName, engineText };
}
