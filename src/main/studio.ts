import type { AppInfo } from '@shared/app-info';
import { StudioError } from '@shared/result';
import path from 'node:path';
import { buildAppInfo } from './app-info';
import { datasetHandlers } from './datasets/handlers';
import { rawCopiesDir } from './datasets/raw-copies';
import { datasetsRoot, sweepRawCopies } from './datasets/store';
import type { Handlers } from './dispatch';
import { EventHub } from './event-hub';
import { sweepTemporaries, visibleFolders } from './fs-atomic';
import { modelHandlers } from './models/handlers';
import { modelsDir } from './models/store';
import { settingsHandlers } from './settings/handlers';
import { SettingsService } from './settings/service';
import { confSettingsStore, type SettingsStoreFactory } from './settings/store';
import { signal, type DomainHandlers, type StudioContext, type StudioDialogs } from './studio-context';
import { trainingHandlers } from './training/handlers';
import { sessionOf, Uploads } from './uploads';
import { sweepHandlers } from './sweeps/handlers';
import { sweepsDir } from './sweeps/store';
import { runsDir } from './training/runs-store';
import type { TrainerLauncher } from './training/trainer-process';

export type { StudioDialogs } from './studio-context';

export interface StudioOptions {
  home: string;
  shell: AppInfo['shell'];
  /** How settings.json is kept: conf unless the desktop app passes electron-store. */
  settingsStore?: SettingsStoreFactory;
  /** How trainer processes start: child_process.fork by default; the desktop app passes its utilityProcess adapter. */
  launchTrainer?: TrainerLauncher;
  /** Keep a spare trainer process warm, so Start trains sooner (desktop and web mode; tests and one-shot CLI calls leave it off). */
  warmTrainer?: boolean;
  /** Native dialogs and notifications: only the desktop app has them; without, `models:saveAs` and the like answer UNAVAILABLE. */
  dialogs?: StudioDialogs;
  /** Resume the sweeps the last studio on this home was closed on (the app and `serve`; a one-off CLI call does not). */
  resumeSweeps?: boolean;
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
  /** A connection closed (a browser tab): what it left open (uploads) goes. */
  endSession(session: string): Promise<void>;
  close(): Promise<void>;
}

/** The dialogs, or UNAVAILABLE: only the desktop app has them. */
/** The `uploads` domain: open, fill and cancel; the imports that consume an upload are in their own domains. */
function uploadHandlers(uploads: Uploads): DomainHandlers<'uploads'> {
  return {
    'uploads:begin': async ({ kind, files }, caller) => uploads.begin(sessionOf(caller), kind, files),
    'uploads:chunk': async ({ uploadId, file, offset, data }, caller) => uploads.chunk(sessionOf(caller), uploadId, file, offset, data),
    'uploads:cancel': async ({ uploadId }, caller) => uploads.cancel(sessionOf(caller), uploadId),
  };
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
 * sweepTemporaries): in the home itself (settings), in the runs, models,
 * datasets and sweeps folders, in each run, model, dataset and sweep, and
 * in the cache (a data set's decompressed copy cut off by a killed trainer
 * would otherwise keep its tens of MB). Returns the paths.
 */
export async function sweepHome(home: string): Promise<string[]> {
  const removed: string[] = [];
  const sweep = async (dir: string) => removed.push(...(await sweepTemporaries(dir)).map((name) => path.join(dir, name)));
  await sweep(home);
  await sweep(path.join(home, 'cache'));
  await sweep(rawCopiesDir(home));
  for (const area of [runsDir(home), modelsDir(home), datasetsRoot(home), sweepsDir(home)]) {
    await sweep(area);
    for (const name of await visibleFolders(area)) await sweep(path.join(area, name));
  }
  removed.push(...(await sweepRawCopies(home)));
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
  const ctx: StudioContext = {
    home: options.home,
    shell: options.shell,
    events,
    settings,
    dialogs: options.dialogs,
    uploads,
    onClose: (c) => cleanups.push(c),
    datasetInstalled: signal(),
  };
  // One line per domain.
  const handlers: Handlers = {
    ...appHandlers(ctx),
    ...datasetHandlers(ctx),
    ...settingsHandlers(settings),
    ...trainingHandlers(ctx, options.launchTrainer, options.warmTrainer ?? false),
    ...modelHandlers(ctx, options.launchTrainer),
    ...sweepHandlers(ctx, { launch: options.launchTrainer, resumeOnOpen: options.resumeSweeps ?? false }),
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
