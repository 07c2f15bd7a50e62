import { defineStore } from 'pinia';
import { ref } from 'vue';
import { fail, type Result } from '@shared/result';
import { SettingsFile, type Settings, type SettingsEvent, type SettingsPatchInput } from '@shared/settings';
import { useStudio } from '../composables/useStudio';
import { useNoticesStore } from './notices';

const NOT_CONNECTED = 'not connected to a studio engine';

/**
 * The settings as main keeps them. Changes show at once and are put back
 * if main refuses them; the `settings` stream keeps every window and tab in
 * step. A screen reads `settings.settings.<field>` and calls `update`.
 */
export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings>(SettingsFile.parse({}));
  /** True once main has answered; until then the defaults stand in. */
  const loaded = ref(false);
  const notices = useNoticesStore();
  // Answers to older updates must not overwrite the result of a newer one.
  let latest = 0;

  async function load(): Promise<Result<Settings>> {
    const studio = useStudio();
    const res = studio ? await studio.settings.get({}) : fail<Settings>('UNAVAILABLE', NOT_CONNECTED);
    if (res.ok) {
      settings.value = res.value;
      loaded.value = true;
    }
    return res;
  }

  /**
   * Changes some settings. A refusal restores what was there and, unless
   * `quiet` (the caller shows the error itself), says so in a toast.
   */
  async function update(patch: SettingsPatchInput, options: { quiet?: boolean } = {}): Promise<Result<Settings>> {
    const request = ++latest;
    const before = settings.value;
    settings.value = { ...before, ...patch };
    const studio = useStudio();
    const res = studio ? await studio.settings.update(patch) : fail<Settings>('UNAVAILABLE', NOT_CONNECTED);
    if (request !== latest) return res;
    if (res.ok) {
      settings.value = res.value;
    } else {
      settings.value = before;
      if (!options.quiet) {
        notices.push({
          level: 'error',
          title: { key: 'notices.settingsNotSaved.title' },
          body: { key: `errors.${res.error.code}` },
          detail: res.error.message,
        });
      }
    }
    return res;
  }

  /** Applies an event of the `settings` stream. */
  function apply(event: SettingsEvent): void {
    switch (event.kind) {
      case 'changed':
        settings.value = event.settings;
        loaded.value = true;
        break;
      default:
        throw new Error(`unknown settings event: ${String(event.kind satisfies never)}`);
    }
  }

  return { settings, loaded, load, update, apply };
});
