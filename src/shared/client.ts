import { METHOD_NAMES, type StudioClient } from './api';
import { EVENT_NAMES, eventChannel, isEventName } from './events';

/**
 * How a client reaches main: ipcRenderer in the preload, or the WebSocket
 * transport in web mode. Events arrive on `event:<name>` channels.
 */
export interface ClientTransport {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/**
 * Builds the client every screen uses: one function per API method, grouped
 * by domain (`studio.app.info({})`), and `on(event, listener)` returning its
 * unsubscribe. In the desktop app this object is `window.studio`, and the
 * transport (ipcRenderer) itself never reaches the page.
 */
export function buildStudioClient(ipc: ClientTransport): StudioClient {
  const domains: Record<string, Record<string, (input: unknown) => Promise<unknown>>> = {};
  for (const method of METHOD_NAMES) {
    const [domain, verb] = method.split(':') as [string, string];
    (domains[domain] ??= {})[verb] = (input: unknown) => ipc.invoke(method, input);
  }
  const on = (event: unknown, listener: unknown) => {
    if (!isEventName(event)) throw new Error(`unknown event stream: ${String(event)} (known: ${EVENT_NAMES.join(', ')})`);
    if (typeof listener !== 'function') throw new Error('listener must be a function');
    const channel = eventChannel(event);
    const wrapped = (_event: unknown, payload: unknown) => (listener as (payload: unknown) => void)(payload);
    ipc.on(channel, wrapped);
    return () => {
      ipc.removeListener(channel, wrapped);
    };
  };
  return { ...domains, on } as unknown as StudioClient;
}
