/**
 * What each domain's handlers are given by the studio. Its own module so
 * `studio.ts` imports the handlers and the handlers import only this: no
 * import circle between the studio and its domains.
 */
import type { MethodName } from '@shared/api';
import type { AppInfo } from '@shared/app-info';
import type { FileFilter } from '@shared/app-api';
import { StudioError } from '@shared/result';
import type { Handlers } from './dispatch';
import type { EventHub } from './event-hub';
import type { SettingsService } from './settings/service';
import type { Uploads } from './uploads';

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
  /** Told when a data set was installed in the home (downloaded or imported): the training host readies its spare trainer for it. */
  readonly datasetInstalled: Signal;
}

/** A notification inside main, with no payload: whoever listens looks at the home again. */
export interface Signal {
  emit(): void;
  on(listener: () => void): () => void;
}

export function signal(): Signal {
  const listeners = new Set<() => void>();
  return {
    emit: () => {
      for (const listener of listeners) listener();
    },
    on: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The handlers of one domain (`app`, `datasets`, …). */
export type DomainHandlers<D extends string> = Pick<Handlers, Extract<MethodName, `${D}:${string}`>>;

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

export function needDialogs(ctx: StudioContext): StudioDialogs {
  if (!ctx.dialogs) throw new StudioError('UNAVAILABLE', 'file dialogs exist only in the desktop app');
  return ctx.dialogs;
}
