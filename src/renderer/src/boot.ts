import type { Pinia } from 'pinia';
import { useStudio } from './composables/useStudio';
import { useDatasetsStore } from './stores/datasets';
import { useNoticesStore } from './stores/notices';
import { useSettingsStore } from './stores/settings';
import { useStudioInfoStore } from './stores/studio-info';
import { useTrainingStore } from './stores/training';

/** How long the first paint waits for the settings (language, theme) before showing the defaults. */
const SETTINGS_WAIT_MS = 3000;

/**
 * Connects the stores to main before the app mounts: notices, settings
 * changes, downloads and training events are listened to first (reading
 * the settings may itself report a file moved aside; a download goes on
 * while the user is on any screen), then the settings, the engine's info
 * and any run in progress are fetched, so the first paint is already in the
 * user's language and theme and shows a run that is training. Resolves with
 * the unsubscribe, for when the app unmounts.
 */
export async function connectStudio(pinia: Pinia): Promise<() => void> {
  const studio = useStudio();
  const settings = useSettingsStore(pinia);
  const notices = useNoticesStore(pinia);
  const info = useStudioInfoStore(pinia);
  const datasets = useDatasetsStore(pinia);
  const training = useTrainingStore(pinia);
  const unsubscribes = studio
    ? [studio.on('notice', notices.fromNotice), studio.on('settings', settings.apply), studio.on('download', datasets.onDownloadEvent), studio.on('train', training.handle)]
    : [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, SETTINGS_WAIT_MS)));
  await Promise.race([Promise.all([settings.load(), info.load(), training.restore()]), waited]);
  clearTimeout(timer);
  return () => unsubscribes.forEach((off) => off());
}
