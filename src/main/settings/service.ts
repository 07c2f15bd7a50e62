import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { NoticeEvent } from '@shared/events';
import { StudioError } from '@shared/result';
import { SettingsFile, type Settings, type SettingsPatch } from '@shared/settings';
import type { EventHub } from '../event-hub';
import type { SettingsDocument, SettingsStoreFactory } from './store';

export const SETTINGS_NAME = 'settings';

export interface SettingsServiceOptions {
  /** The studio home; the file is `<dir>/settings.json`. */
  dir: string;
  store: SettingsStoreFactory;
  events: EventHub;
  /** The clock that names moved-aside files (tests fix it). */
  now?: () => Date;
}

function errnoCode(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Why a settings file cannot be used: a code the UI translates
 * (`settingsProblems.<reason>`), the field at fault when one is, and the
 * technical detail in English.
 */
export interface SettingsProblem {
  reason: 'not-json' | 'folder' | 'unreadable' | 'invalid-value';
  field?: string;
  detail: string;
}

function readProblem(err: unknown): SettingsProblem {
  if (err instanceof SyntaxError) return { reason: 'not-json', detail: `it is not valid JSON (${err.message})` };
  const code = errnoCode(err);
  if (code === 'EISDIR') return { reason: 'folder', detail: 'it is a folder, not a file' };
  const cause = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : err instanceof Error ? err.message : String(err);
  return { reason: 'unreadable', detail: `it cannot be read (${cause})` };
}

/**
 * Reads and writes `settings.json`. Reads go to disk every time, so the
 * desktop app, the CLI and web mode sharing one home see each other's
 * changes. An unusable file (broken JSON, a wrong type, a folder) is moved
 * aside to `settings.json.corrupt-<time>`, the defaults are used, and a
 * notice is queued for the UI: the file may be read before any window
 * listens (the desktop app sizes its window first), so notices wait until
 * the next `settings:get` or `settings:update` announces them.
 */
export class SettingsService {
  readonly path: string;
  private readonly options: SettingsServiceOptions;
  private document: SettingsDocument | null = null;
  private readonly pending: NoticeEvent[] = [];
  /** The last problem that could not be moved aside, so a broken read-only file is reported once, not on every read. */
  private reported: string | null = null;

  constructor(options: SettingsServiceOptions) {
    this.options = options;
    this.path = path.join(options.dir, `${SETTINGS_NAME}.json`);
  }

  /** The current settings; never throws. */
  read(): Settings {
    return this.load().settings;
  }

  /**
   * Applies a validated patch and writes the file atomically. Keys written by
   * a newer release are kept. Throws IO when the file cannot be written; the
   * file on disk is then unchanged.
   */
  update(patch: SettingsPatch): Settings {
    const { settings, raw } = this.load();
    const next = SettingsFile.parse({ ...settings, ...patch });
    if (isDeepStrictEqual(next, settings) && raw !== null) return settings;
    try {
      this.open().store = { ...(raw ?? {}), ...next };
    } catch (err) {
      throw new StudioError('IO', `could not save the settings to ${this.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.options.events.emit('settings', { kind: 'changed', settings: next });
    return next;
  }

  /** Sends the notices queued by reads since the last call. */
  announce(): void {
    for (const notice of this.pending.splice(0)) this.options.events.emit('notice', notice);
  }

  /** The settings and the raw document they came from (null when defaults stand in for an unusable or missing file). */
  private load(): { settings: Settings; raw: Record<string, unknown> | null } {
    let problem: SettingsProblem;
    try {
      const raw = this.open().store;
      const parsed = SettingsFile.safeParse(raw);
      if (parsed.success) {
        this.reported = null;
        return { settings: parsed.data, raw };
      }
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') ?? '';
      problem = { reason: 'invalid-value', field, detail: `${field}: ${issue?.message ?? 'invalid'}` };
    } catch (err) {
      problem = readProblem(err);
    }
    this.recover(problem);
    return { settings: SettingsFile.parse({}), raw: null };
  }

  private open(): SettingsDocument {
    this.document ??= this.options.store({ dir: this.options.dir, name: SETTINGS_NAME });
    return this.document;
  }

  /** Moves the unusable file out of the way and queues the notice saying so. */
  private recover(problem: SettingsProblem): void {
    const values = { problem: problem.detail, reason: problem.reason, ...(problem.field ? { field: problem.field } : {}) };
    this.document = null;
    const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    let target = `${this.path}.corrupt-${stamp}`;
    for (let n = 2; fs.existsSync(target); n++) target = `${this.path}.corrupt-${stamp}-${n}`;
    try {
      fs.renameSync(this.path, target);
    } catch (err) {
      if (this.reported === problem.detail) return;
      this.reported = problem.detail;
      const cause = errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
      this.pending.push({
        kind: 'notice',
        level: 'error',
        id: 'settingsUnusable',
        values: { ...values, file: this.path, cause },
        message: `Your settings file ${this.path} cannot be used: ${problem.detail}. It could not be moved aside either (${cause}), so the defaults are in use and changes will not be saved until the file or its folder is fixed.`,
      });
      return;
    }
    this.reported = null;
    this.pending.push({
      kind: 'notice',
      level: 'warning',
      id: 'settingsReset',
      values: { ...values, file: target },
      message: `Your settings could not be used (${problem.detail}), so the defaults are in use. The old file was kept as ${target}.`,
    });
  }
}
