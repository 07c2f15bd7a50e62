import { describe, expect, it } from 'vitest';
import en from '../../src/renderer/src/i18n/en';
import { MESSAGES, resolveLocale, systemLocale } from '../../src/renderer/src/i18n';
import { LOCALES } from '../../src/shared/settings';
import { SCREENS } from '../../src/renderer/src/screens';

/** The renderer's sources (not the message files), as text. */
const SOURCES = import.meta.glob<string>(['../../src/renderer/src/**/*.{vue,ts}', '!../../src/renderer/src/i18n/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Every leaf of a message tree by its dotted key. */
function flatten(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof tree === 'string') out.set(prefix, tree);
  else if (tree && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) for (const [k, v] of flatten(value, prefix ? `${prefix}.${key}` : key)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  const reference = flatten(en);

  for (const locale of LOCALES) {
    const messages = flatten(MESSAGES[locale]);
    it(`${locale} has exactly the English keys, none empty, with the same placeholders`, () => {
      expect([...messages.keys()].filter((k) => !reference.has(k))).toEqual([]);
      expect([...reference.keys()].filter((k) => !messages.has(k))).toEqual([]);
      for (const [key, text] of messages) {
        expect(text.trim(), key).not.toBe('');
        expect(placeholders(text), key).toEqual(placeholders(reference.get(key)!));
        // '@' and '|' are vue-i18n syntax (linked messages, plurals); a stray one breaks the message.
        expect(/[@|]/.test(text.replace(/\{'[@|]'\}/g, '')), `${key}: ${text}`).toBe(false);
      }
    });
  }

  it('every screen has a title and a summary', () => {
    for (const id of [...SCREENS.map((s) => s.id), 'settings']) {
      expect(reference.has(`screens.${id}.title`), id).toBe(true);
      expect(reference.has(`screens.${id}.summary`), id).toBe(true);
    }
  });

  it('every screen is built: no placeholder messages are left behind', () => {
    expect([...reference.keys()].filter((key) => key.startsWith('empty.'))).toEqual([]);
  });

  it('every literal key the code translates exists', () => {
    const missing: string[] = [];
    expect(Object.keys(SOURCES).length).toBeGreaterThan(10);
    for (const [file, text] of Object.entries(SOURCES)) {
      for (const m of text.matchAll(/\b(?:t|te|tm)\(\s*'([\w.-]+)'/g)) {
        const key = m[1]!;
        const known = reference.has(key) || [...reference.keys()].some((k) => k.startsWith(`${key}.`));
        if (!known) missing.push(`${file}: ${key}`);
      }
      for (const m of text.matchAll(/\{ key: '([\w.-]+)'/g)) if (!reference.has(m[1]!)) missing.push(`${file}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });

  it("'system' picks the first browser language we have, any Chinese as Simplified Chinese, else English", () => {
    expect(systemLocale(['zh-CN'])).toBe('zh-CN');
    expect(systemLocale(['zh-Hant-TW', 'en'])).toBe('zh-CN');
    expect(systemLocale(['de-DE', 'en-US', 'zh-CN'])).toBe('en');
    expect(systemLocale(['fr', 'zh'])).toBe('zh-CN');
    expect(systemLocale(['fr'])).toBe('en');
    expect(systemLocale([])).toBe('en');
    expect(resolveLocale('en', ['zh-CN'])).toBe('en');
    expect(resolveLocale('system', ['zh-CN'])).toBe('zh-CN');
  });
});
