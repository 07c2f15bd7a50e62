import { onUnmounted, ref, watchEffect } from 'vue';
import { useI18n } from 'vue-i18n';
import { browserLanguages, resolveLocale } from '../i18n';
import { useSettingsStore } from '../stores/settings';

/**
 * Keeps the UI language on the one chosen in Settings, or on the browser's
 * while 'system' is chosen (followed live), and `<html lang>` with it.
 * Called once, by App.
 */
export function useLocale(): void {
  const settings = useSettingsStore();
  const { locale } = useI18n({ useScope: 'global' });
  const languages = ref(browserLanguages());
  const onChange = () => {
    languages.value = browserLanguages();
  };
  window.addEventListener('languagechange', onChange);
  onUnmounted(() => window.removeEventListener('languagechange', onChange));

  watchEffect(() => {
    const resolved = resolveLocale(settings.settings.language, languages.value);
    locale.value = resolved;
    document.documentElement.lang = resolved;
  });
}
