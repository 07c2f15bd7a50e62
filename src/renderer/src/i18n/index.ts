import { createI18n } from 'vue-i18n';
import type { LanguagePreference, Locale } from '@shared/settings';
import en, { type MessageSchema } from './en';
import zhCN from './zh-CN';

export const MESSAGES: Record<Locale, MessageSchema> = { en, 'zh-CN': zhCN };

/** The first of the browser's languages we have (any Chinese reads Simplified Chinese best of the two), else English. */
export function systemLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function resolveLocale(preference: LanguagePreference, languages: readonly string[]): Locale {
  return preference === 'system' ? systemLocale(languages) : preference;
}

export function browserLanguages(): readonly string[] {
  return navigator.languages.length > 0 ? navigator.languages : [navigator.language];
}

/** One i18n instance per app; the locale follows the settings (see useLocale). */
export function createStudioI18n(locale: Locale = systemLocale(browserLanguages())) {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: MESSAGES,
    // A missing key is a bug the key-parity test catches; no console noise at run time.
    missingWarn: false,
    fallbackWarn: false,
  });
}
