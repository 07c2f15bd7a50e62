import type { AppInfo } from '@shared/app-info';
import type { MethodName } from '@shared/api';
import { buildAppInfo } from './app-info';
import type { Handlers } from './dispatch';
import { EventHub } from './event-hub';
import { trainingHandlers } from './training/handlers';
import type { TrainerLauncher } from './training/trainer-process';

export interface StudioOptions {
  home: string;
  shell: AppInfo['shell'];
  /** How trainer processes start: child_process.fork by default; the desktop app passes its utilityProcess adapter. */
  launchTrainer?: TrainerLauncher;
}

/** What every domain's handlers get: where the studio lives and how to tell the UI. */
export interface StudioContext {
  readonly home: string;
  readonly shell: AppInfo['shell'];
  readonly events: EventHub;
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
  close(): Promise<void>;
}

function appHandlers(ctx: StudioContext): DomainHandlers<'app'> {
  return {
    'app:info': async () => buildAppInfo(ctx.shell, ctx.home),
  };
}

export function createStudio(options: StudioOptions): Studio {
  const events = new EventHub();
  const cleanups: (() => Promise<void> | void)[] = [];
  const ctx: StudioContext = { home: options.home, shell: options.shell, events, onClose: (c) => cleanups.push(c) };
  // One line per domain.
  const handlers: Handlers = {
    ...appHandlers(ctx),
    ...trainingHandlers(ctx, options.launchTrainer),
  };
  return {
    home: options.home,
    events,
    handlers,
    async close() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}
