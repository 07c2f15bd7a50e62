import { computed, onUnmounted, ref, watchEffect, type ComputedRef } from 'vue';
import { useSettingsStore } from '../stores/settings';

export type Theme = 'light' | 'dark';

const DARK_QUERY = '(prefers-color-scheme: dark)';

/**
 * The theme in effect: the one chosen in Settings, or the system's while
 * 'system' is chosen (followed live). With `apply`, it is set on <html> as
 * `data-theme`, which the CSS custom properties key on (App does this once).
 */
export function useTheme(options: { apply?: boolean } = {}): { theme: ComputedRef<Theme> } {
  const settings = useSettingsStore();
  const media = window.matchMedia(DARK_QUERY);
  const systemDark = ref(media.matches);
  const onChange = (event: MediaQueryListEvent) => {
    systemDark.value = event.matches;
  };
  media.addEventListener('change', onChange);
  onUnmounted(() => media.removeEventListener('change', onChange));

  const theme = computed<Theme>(() => {
    const chosen = settings.settings.theme;
    return chosen === 'system' ? (systemDark.value ? 'dark' : 'light') : chosen;
  });
  if (options.apply) {
    watchEffect(() => {
      document.documentElement.dataset.theme = theme.value;
    });
  }
  return { theme };
}
