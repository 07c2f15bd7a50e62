/** Binds the studio's API to ipcMain and forwards its event streams to the app's windows. */
import { METHOD_NAMES } from '@shared/api';
import { EVENT_NAMES, eventChannel } from '@shared/events';
import { fail, type Result } from '@shared/result';
import { dispatch } from '../dispatch';
import type { Studio } from '../studio';
import type { IpcSender } from './security';

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSender, input: unknown) => Promise<Result<unknown>>): void;
  removeHandler(channel: string): void;
}

export interface EventTarget {
  send(channel: string, payload: unknown): void;
}

export function bindIpc(ipcMain: IpcMainLike, studio: Studio, isTrusted: (event: IpcSender) => boolean, targets: () => Iterable<EventTarget>): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(method, async (event, input) => {
      if (!isTrusted(event)) return fail('FORBIDDEN', `${method}: refused: the call did not come from the studio's own window`);
      // The window is a sandboxed page: it may call only what the contract grants the desktop shell.
      return dispatch(studio.handlers, method, input, { shell: 'desktop', session: `window-${event.sender.id}` });
    });
  }
  const unsubscribe = studio.events.onAny((event, payload) => {
    for (const target of targets()) target.send(eventChannel(event), payload);
  }, EVENT_NAMES);
  return () => {
    unsubscribe();
    for (const method of METHOD_NAMES) ipcMain.removeHandler(method);
  };
}
