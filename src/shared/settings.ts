import { z } from 'zod';

/**
 * The user's preferences, as stored in `settings.json` in the studio home
 * and shared by the desktop app, the CLI and web mode.
 */

/** Languages the UI is translated into. */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

export const LanguagePreference = z.enum([...LOCALES, 'system']);
export type LanguagePreference = z.infer<typeof LanguagePreference>;

export const ThemePreference = z.enum(['light', 'dark', 'system']);
export type ThemePreference = z.infer<typeof ThemePreference>;

/** Why a dataset mirror URL is refused; the UI translates these. */
export type MirrorProblem = 'empty' | 'too-long' | 'not-a-url' | 'protocol' | 'credentials' | 'query';

export const MAX_MIRRORS = 16;
const MAX_URL = 2048;

const MIRROR_PROBLEM_TEXT: Record<MirrorProblem, string> = {
  empty: 'is empty',
  'too-long': `is longer than ${MAX_URL} characters`,
  'not-a-url': 'is not a URL',
  protocol: 'must start with http:// or https://',
  credentials: 'must not contain a user name or password',
  query: 'must not have a ?query or #fragment (it is a base URL the file names are added to)',
};

/** What is wrong with a dataset mirror base URL, or null when it is usable. */
export function mirrorUrlProblem(text: string): MirrorProblem | null {
  const trimmed = text.trim();
  if (trimmed === '') return 'empty';
  if (trimmed.length > MAX_URL) return 'too-long';
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return 'not-a-url';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'protocol';
  if (url.username || url.password) return 'credentials';
  if (url.search || url.hash || trimmed.includes('?') || trimmed.includes('#')) return 'query';
  return null;
}

/** A mirror as stored: trimmed, ending in `/` so `new URL(fileName, mirror)` keeps its path. */
export function normalizeMirrorUrl(text: string): string {
  const href = new URL(text.trim()).href;
  return href.endsWith('/') ? href : `${href}/`;
}

export const MirrorUrl = z
  .string()
  .superRefine((text, ctx) => {
    const problem = mirrorUrlProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: `mirror URL ${MIRROR_PROBLEM_TEXT[problem]}`, params: { problem } });
  })
  .transform(normalizeMirrorUrl);

export const MirrorList = z
  .array(MirrorUrl)
  .max(MAX_MIRRORS, `at most ${MAX_MIRRORS} mirrors`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((url, i) => {
      if (seen.has(url)) ctx.addIssue({ code: 'custom', path: [i], message: `mirror URL ${url} is listed twice` });
      seen.add(url);
    });
  });

/** Largest JSON a stored slot may hold: a model spec or hyperparameters, never data. */
export const MAX_SLOT_JSON = 64 * 1024;

/**
 * A value whose schema another domain owns (the last model spec, the last
 * hyperparameters): any JSON object here. Its owner parses it with its own
 * schema when it reads it (`readSlot`) and falls back to its default when
 * the stored value no longer fits, so changing that schema never makes the
 * settings file invalid and needs no migration.
 */
export const StoredJson = z.custom<JsonObject>().superRefine((value, ctx) => {
  const problem = storedJsonProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
});
export type StoredJson = JsonObject;

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** Deeper than any model spec or hyperparameters: a value nested further is not one of ours. */
export const MAX_SLOT_DEPTH = 16;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * What makes a value unfit for a slot (and where in it), or null: it must
 * be a JSON object (finite numbers, no typed arrays or functions) of at
 * most MAX_SLOT_JSON characters and MAX_SLOT_DEPTH levels. Checked without
 * recursion and with the work bounded, so a value nested a million deep,
 * cyclic or sharing parts (IPC's structured clone keeps both) is refused,
 * never a stack overflow.
 */
export function storedJsonProblem(value: unknown): { message: string; path: (string | number)[] } | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isPlainObject(value)) return { message: 'must be a JSON object', path: [] };
  const tooLarge = { message: `must be at most ${MAX_SLOT_JSON / 1024} KiB of JSON`, path: [] };
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  // Characters the value would take as JSON, counted as it is walked (a lower bound: quotes and commas aside).
  let size = 0;
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    size += 1;
    if (size > MAX_SLOT_JSON) return tooLarge;
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'string') {
      size += v.length;
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { message: 'must be a finite number (not NaN or Infinity)', path };
      continue;
    }
    if (typeof v !== 'object' || !(Array.isArray(v) || isPlainObject(v))) {
      return { message: `must be a JSON value (found ${typeof v === 'object' ? 'a typed array or class instance' : typeof v})`, path };
    }
    if (path.length >= MAX_SLOT_DEPTH) return { message: `must be nested at most ${MAX_SLOT_DEPTH} levels deep`, path: path.slice(0, MAX_SLOT_DEPTH) };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i] as unknown, path: [...path, i] });
    } else {
      for (const [key, item] of Object.entries(v).reverse()) {
        size += key.length;
        stack.push({ value: item, path: [...path, key] });
      }
    }
  }
  return JSON.stringify(value).length <= MAX_SLOT_JSON ? null : tooLarge;
}

/** Reads a stored slot with its owner's schema: the parsed value, or null when it is empty or no longer fits. */
export function readSlot<T>(schema: z.ZodType<T>, stored: StoredJson | null): T | null {
  if (stored === null) return null;
  const parsed = schema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

const coordinate = z.number().int().min(-100_000).max(100_000);

/** The desktop window's last normal (not maximised) bounds. x and y are null until the window has been placed. */
export const WindowBounds = z.strictObject({
  x: coordinate.nullable(),
  y: coordinate.nullable(),
  width: z.number().int().min(320).max(32_768),
  height: z.number().int().min(240).max(32_768),
  maximized: z.boolean(),
});
export type WindowBounds = z.infer<typeof WindowBounds>;

/**
 * The fields of the settings. The `last*` slots whose schema another domain
 * owns are `StoredJson`; to validate updates with the owner's schema, swap
 * it in `SettingsPatch` only (the file keeps accepting any JSON object).
 */
const fields = {
  language: LanguagePreference,
  theme: ThemePreference,
  /** Extra base URLs tried first when downloading a dataset. */
  mirrors: MirrorList,
  /** The dataset picked last ('mnist', 'fashion-mnist', …), so the next session starts there. */
  lastDatasetId: z.string().trim().min(1).max(4096).nullable(),
  lastModelSpec: StoredJson.nullable(),
  lastHyperparams: StoredJson.nullable(),
  window: WindowBounds.nullable(),
};

export const SETTINGS_VERSION = 1;

export const DEFAULT_SETTINGS = {
  version: SETTINGS_VERSION,
  language: 'system',
  theme: 'system',
  mirrors: [],
  lastDatasetId: null,
  lastModelSpec: null,
  lastHyperparams: null,
  window: null,
} as const satisfies Record<keyof typeof fields | 'version', unknown>;

/**
 * `settings.json` as read from disk: a missing field takes its default (so
 * a later release can add fields without a migration); a field of the wrong
 * type or value makes the file invalid. Keys this release does not know are
 * left alone (a newer release may have written them) and kept on write.
 */
export const SettingsFile = z.object({
  version: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  language: fields.language.default(DEFAULT_SETTINGS.language),
  theme: fields.theme.default(DEFAULT_SETTINGS.theme),
  mirrors: fields.mirrors.default([]),
  lastDatasetId: fields.lastDatasetId.default(null),
  lastModelSpec: fields.lastModelSpec.default(null),
  lastHyperparams: fields.lastHyperparams.default(null),
  window: fields.window.default(null),
});
export type Settings = z.output<typeof SettingsFile>;

const FIELD_NAMES = Object.keys(fields).join(', ');

/** What `settings:update` takes: any subset of the fields; each given field replaces the stored one. */
export const SettingsPatch = z
  .strictObject(fields, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown setting ${issue.keys.map((k) => `"${k}"`).join(', ')} (settings are: ${FIELD_NAMES})` : undefined),
  })
  .partial();
export type SettingsPatch = z.output<typeof SettingsPatch>;
export type SettingsPatchInput = z.input<typeof SettingsPatch>;

/** The `settings` event stream: the settings changed (from any window, tab or the CLI's studio). */
export type SettingsEvent = { kind: 'changed'; settings: Settings };
