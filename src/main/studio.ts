import type { AppInfo } from '@shared/app-info';
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
import type { DomainHandlers, StudioContext } from './studio-context';
import { trainingHandlers } from './training/handlers';
import { runsDir } from './training/runs-store';
import type { TrainerLauncher } from './training/trainer-process';

export interface StudioOptions {
  home: string;
  shell: AppInfo['shell'];
  /** How settings.json is kept: conf unless the desktop app passes electron-store. */
  settingsStore?: SettingsStoreFactory;
  /** How trainer processes start: child_process.fork by default; the desktop app passes its utilityProcess adapter. */
  launchTrainer?: TrainerLauncher;
  /** Native dialogs and notifications: only the desktop app has them; without, `app:pickFolder` and the like answer UNAVAILABLE. */
  dialogs?: StudioDialogs;
}

/** What the desktop shell opens for the renderer, which cannot open a native dialog itself. */
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
  close(): Promise<void>;
}

function appHandlers(ctx: StudioContext, dialogs: StudioDialogs | undefined): DomainHandlers<'app'> {
  return {
    'app:info': async () => buildAppInfo(ctx.shell, ctx.home),
    'app:pickFolder': async ({ title }) => {
      if (!dialogs) throw new StudioError('UNAVAILABLE', 'folder dialogs exist only in the desktop app: type the folder’s path instead');
      return { path: await dialogs.pickFolder(title) };
    },
    'app:notify': async ({ title, body }) => {
      if (!dialogs) throw new StudioError('UNAVAILABLE', 'the engine raises notifications only in the desktop app: the page uses the browser’s');
      return { shown: dialogs.notify(title, body) };
    },
    'app:pickFile': async ({ title, filters }) => {
      if (!dialogs) throw new StudioError('UNAVAILABLE', 'file dialogs exist only in the desktop app: type the file’s path instead');
      return { path: await dialogs.pickFile(title, filters ?? []) };
    },
    'app:pickSavePath': async ({ title, defaultName, filters }) => {
      if (!dialogs) throw new StudioError('UNAVAILABLE', 'save dialogs exist only in the desktop app: the browser downloads the file instead');
      return { path: await dialogs.pickSavePath(title, defaultName, filters ?? []) };
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
  const ctx: StudioContext = { home: options.home, shell: options.shell, events, settings, onClose: (c) => cleanups.push(c) };
  // One line per domain.
  const handlers: Handlers = {
    ...appHandlers(ctx, options.dialogs),
    ...datasetHandlers(ctx),
    ...settingsHandlers(settings),
    ...trainingHandlers(ctx, options.launchTrainer),
    ...modelHandlers(ctx, options.launchTrainer),
  };
  return {
    home: options.home,
    events,
    handlers,
    settings,
    async close() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}
