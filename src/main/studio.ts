import type { AppInfo } from '@shared/app-info';
import { buildAppInfo } from './app-info';
import type { Handlers } from './dispatch';
import { EventHub } from './event-hub';

export interface StudioOptions {
  home: string;
  shell: AppInfo['shell'];
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
  close(): Promise<void>;
}

export function createStudio(options: StudioOptions): Studio {
  const events = new EventHub();
  const handlers: Handlers = {
    'app:info': async () => buildAppInfo(options.shell, options.home),
  };
  return {
    home: options.home,
    events,
    handlers,
    async close() {},
  };
}
