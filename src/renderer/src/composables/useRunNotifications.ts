import { watch } from 'vue';
import { useRoute } from 'vue-router';
import { useTrainingStore } from '../stores/training';
import { useFormat } from './useFormat';
import { useNotify } from './useNotify';

/** A run longer than this also raises an OS notification (when the window is in the background): the user has likely gone elsewhere. */
export const LONG_RUN_MS = 30_000;

/**
 * Tells the user when a run ends: on another screen a toast with the test
 * accuracy (or why it failed); on the Train screen, whose result card says
 * the same, no toast (it covered the charts); for a long run an OS
 * notification too. Called once, by App.
 */
export function useRunNotifications(): void {
  const training = useTrainingStore();
  const { notify } = useNotify();
  const fmt = useFormat();
  const route = useRoute();

  watch(
    () => training.finished,
    (run) => {
      if (!run) return;
      const long = run.durationMs !== null && run.durationMs >= LONG_RUN_MS;
      const toast = route.path !== '/train';
      switch (run.status) {
        case 'done':
        case 'stopped':
          notify({
            level: 'success',
            title: { key: run.status === 'done' ? 'train.notify.doneTitle' : 'train.notify.stoppedTitle' },
            body: { key: 'train.notify.doneBody', values: { accuracy: fmt.percent(run.accuracy ?? 0, 2), duration: fmt.duration(run.durationMs ?? 0) } },
            system: long,
            toast,
          });
          break;
        case 'failed':
          notify({ level: 'error', title: { key: 'train.notify.failedTitle' }, body: { key: 'train.failed.body' }, detail: run.reason ?? '', system: true, toast });
          break;
        default:
          throw new Error(`unknown run ending: ${String(run.status satisfies never)}`);
      }
    },
  );
}
