import Conf from 'conf';
import { writeFileAtomicSync } from '../fs-atomic';

/**
 * The one JSON document the settings service persists: `conf` in the CLI
 * and web mode, electron-store (built on conf, same file format) in the
 * desktop app. Both fit this shape as they are.
 */
export interface SettingsDocument {
  /** Absolute path of the file. */
  readonly path: string;
  /** The whole document: read from disk on every access (throws when the file is unreadable or not a JSON object); assigning writes it atomically. */
  store: Record<string, unknown>;
}

/** Opens `<dir>/<name>.json`; throws like `store` when the file exists but is unusable. */
export type SettingsStoreFactory = (location: { dir: string; name: string }) => SettingsDocument;

/** Parses the file; anything but a JSON object is as unusable as broken JSON (conf would turn `[1]` or `"x"` into keys). */
function deserialize(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SyntaxError(`expected a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/** Options both conf and electron-store take: a readable file, and the strict reading above. */
export const DOCUMENT_OPTIONS = {
  deserialize,
  serialize: (value: Record<string, unknown>) => `${JSON.stringify(value, null, 2)}\n`,
  // We validate with our own schema; conf's ajv stays off, and a bad file throws instead of being wiped.
  clearInvalidConfig: false,
} as const;

/**
 * A conf (or electron-store) document whose writes go through our own
 * atomic write. conf's (atomically's `writeFileSync`) issues a single
 * `write()` and does not check for a short one: on a disk that fills up
 * mid-write, or under a file-size limit, it renames a truncated file over
 * the good settings and reports success.
 */
export function withSafeWrites(doc: { readonly path: string; store: Record<string, unknown> }): SettingsDocument {
  return {
    path: doc.path,
    get store() {
      return doc.store;
    },
    set store(value: Record<string, unknown>) {
      writeFileAtomicSync(doc.path, DOCUMENT_OPTIONS.serialize(value));
    },
  };
}

/** The plain-Node store (CLI, web mode, tests). */
export const confSettingsStore: SettingsStoreFactory = ({ dir, name }) => withSafeWrites(new Conf<Record<string, unknown>>({ cwd: dir, configName: name, ...DOCUMENT_OPTIONS }));
