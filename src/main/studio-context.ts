/**
 * What each domain's handlers are given by the studio. Its own module so
 * `studio.ts` imports the handlers and the handlers import only this: no
 * import circle between the studio and its domains.
 */
import type { MethodName } from '@shared/api';
import type { AppInfo } from '@shared/app-info';
import type { Handlers } from './dispatch';
import type { EventHub } from './event-hub';
import type { SettingsService } from './settings/service';

/** What every domain's handlers get: where the studio lives and how to tell the UI. */
export interface StudioContext {
  readonly home: string;
  readonly shell: AppInfo['shell'];
  readonly events: EventHub;
  /** The user's settings (mirrors, last choices), read fresh from disk on every `read()`. */
  readonly settings: SettingsService;
  /** Registers cleanup to run when the studio closes (stop runs, close files). */
  onClose(cleanup: () => Promise<void> | void): void;
}

/** The handlers of one domain (`app`, `datasets`, …). */
export type DomainHandlers<D extends string> = Pick<Handlers, Extract<MethodName, `${D}:${string}`>>;
