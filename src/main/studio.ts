import type { AppInfo } from '@shared/app-info';
import type { MethodName } from '@shared/api';
import type { FileFilter } from '@shared/app-api';
import { StudioError } from '@shared/result';
import path from 'node:path';
import { buildAppInfo } from './app-info';
import { datasetHandlers } from './datasets/handlers';
import { datasetsRoot } from './datasets/store';
import type { Handlers } from './dispatch';
import { EventHub } from './event-hub';
import { sweepTemporaries, visibleFolders } from './fs-atomic';
import { modelHandlers } from './models/handlers';
import { modelsDir } from './models/store';
import { settingsHandlers } from './settings/handlers';
import { SettingsService } from './settings/service';
import { confSettingsStore, type SettingsStoreFactory } from './settings/store';
import { trainingHandlers } from './training/handlers';
import { uploadHandlers, Uploads } from './uploads';
import { runsDir } from './training/runs-store';
import type { TrainerLauncher } from './training/trainer-process';

export interface StudioOptions {
  home: string;
  shell: AppInfo['shell'];
  /** How settings.json is kept: conf unless the desktop app passes electron-store. */
  settingsStore?: SettingsStoreFactory;
  /** How trainer processes start: child_process.fork by default; the desktop app passes its utilityProcess adapter. */
  launchTrainer?: TrainerLauncher;
  /** Native dialogs and notifications: only the desktop app has them; without, `models:saveAs` and the like answer UNAVAILABLE. */
  dialogs?: StudioDialogs;
}

/**
 * What the desktop shell opens for the renderer, which cannot open a native
 * dialog itself. Main opens them and keeps the paths: the handlers that use
 * them (`models:saveAs`, `…:importFromDialog`) answer names, never paths.
 */
export interface StudioDialogs {
  /** The folder the user chose, or null when the dialog was closed. */
  pickFolder(title: string | undefined): Promise<string | null>;
  /** The file the user chose to open, or null. */
  pickFile(title: string | undefined, filters: FileFilter[]): Promise<string | null>;
  /** Raises an OS notification unless a studio window has the focus; answers whether it was shown. */
  notify(title: string, body: string | undefined): boolean;
  /** Where the user chose to save (the dialog confirmed replacing a file), or null. */
  pickSavePath(title: string | undefined, defaultName: string | undefined, filters: FileFilter[]): Promise<string | null>;
}

/** What every domain's handlers get: where the studio lives and how to tell the UI. */
export interface StudioContext {
  readonly home: string;
  readonly shell: AppInfo['shell'];
  readonly events: EventHub;
  /** The user's settings (mirrors, last choices), read fresh from disk on every `read()`. */
  readonly settings: SettingsService;
  /** The desktop's native dialogs; undefined elsewhere. */
  readonly dialogs: StudioDialogs | undefined;
  /** Web clients' uploads in progress. */
  readonly uploads: Uploads;
  /** Registers cleanup to run when the studio closes (stop runs, close files). */
  onClose(cleanup: () => Promise<void> | void): void;
}

/** The handlers of one domain (`app`, `datasets`, …). */
export type DomainHandlers<D extends string> = Pick<Handlers, Extract<MethodName, `${D}:${string}`>>;

/**
 * The studio's services behind one object, with no Electron import: the
 * desktop app, web mode and tests all build it the same way and bind its
 * handlers to their transport.
 */
export interface Studio {
  readonly home: string;
  readonly events: EventHub;
  readonly handlers: Handlers;
  /** For the desktop shell, which reads and saves the window's bounds before any window can call the API. */
  readonly settings: SettingsService;
  /** A connection closed (a browser tab): what it left open (uploads) goes. */
  endSession(session: string): Promise<void>;
  close(): Promise<void>;
}

/** The dialogs, or UNAVAILABLE: only the desktop app has them. */
export function needDialogs(ctx: StudioContext): StudioDialogs {
  if (!ctx.dialogs) throw new StudioError('UNAVAILABLE', 'file dialogs exist only in the desktop app');
  return ctx.dialogs;
}

function appHandlers(ctx: StudioContext): DomainHandlers<'app'> {
  return {
    'app:info': async () => buildAppInfo(ctx.shell, ctx.home),
    'app:notify': async ({ title, body }) => {
      if (!ctx.dialogs) throw new StudioError('UNAVAILABLE', 'the engine raises notifications only in the desktop app: the page uses the browser’s');
      return { shown: ctx.dialogs.notify(title, body) };
    },
  };
}

/**
 * Removes what writes cut off by a crash left in the home (see
 * sweepTemporaries): in the home itself (settings), in the runs, models and
 * datasets folders, and in each run, model and dataset. Returns the paths.
 */
export async function sweepHome(home: string): Promise<string[]> {
  const removed: string[] = [];
  const sweep = async (dir: string) => removed.push(...(await sweepTemporaries(dir)).map((name) => path.join(dir, name)));
  await sweep(home);
  for (const area of [runsDir(home), modelsDir(home), datasetsRoot(home)]) {
    await sweep(area);
    for (const name of await visibleFolders(area)) await sweep(path.join(area, name));
  }
  return removed;
}

export function createStudio(options: StudioOptions): Studio {
  const events = new EventHub();
  const cleanups: (() => Promise<void> | void)[] = [];
  // Housekeeping in the background: a home it cannot sweep (read-only, say) still opens.
  const swept = sweepHome(options.home).catch(() => []);
  cleanups.push(() => swept.then(() => {}));
  const settings = new SettingsService({ dir: options.home, store: options.settingsStore ?? confSettingsStore, events });
  const uploads = new Uploads(options.home);
  cleanups.push(() => uploads.close());
  const ctx: StudioContext = { home: options.home, shell: options.shell, events, settings, dialogs: options.dialogs, uploads, onClose: (c) => cleanups.push(c) };
  // One line per domain.
  const handlers: Handlers = {
    ...appHandlers(ctx),
    ...datasetHandlers(ctx),
    ...settingsHandlers(settings),
    ...trainingHandlers(ctx, options.launchTrainer),
    ...modelHandlers(ctx, options.launchTrainer),
    ...uploadHandlers(uploads),
  };
  return {
    home: options.home,
    events,
    handlers,
    settings,
    endSession: (session) => uploads.endSession(session),
    async close() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}
