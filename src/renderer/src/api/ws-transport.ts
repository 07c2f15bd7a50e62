import type { ClientTransport } from '@shared/client';
import { fail, type Result } from '@shared/result';
import { TOKEN_PARAM, WS_PATH, type WsServerMessage } from '@shared/web-protocol';
import { decodeWire, encodeWire } from '@shared/wire';

type Listener = (event: unknown, payload: unknown) => void;

export interface WsTransport extends ClientTransport {
  close(): void;
  /** Resolves once the first connection is open (or has failed). */
  ready: Promise<boolean>;
}

/**
 * The web-mode transport: the same calls and events as IPC, over one
 * WebSocket to `mnist-studio serve`. Reconnects with backoff; a call made
 * while disconnected answers UNAVAILABLE instead of hanging.
 */
export function createWsTransport(baseUrl: string, token: string): WsTransport {
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<string, Set<Listener>>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let closed = false;
  let retryMs = 250;
  let markReady: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));
  // Settles when the current connection attempt opens (true) or fails (false).
  let attempt: Promise<boolean> = ready;

  const wsUrl = new URL(WS_PATH, baseUrl);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  wsUrl.searchParams.set(TOKEN_PARAM, token);

  const connect = () => {
    const ws = new WebSocket(wsUrl);
    socket = ws;
    let settle: (ok: boolean) => void = () => {};
    attempt = new Promise<boolean>((resolve) => (settle = resolve));
    ws.onopen = () => {
      retryMs = 250;
      settle(true);
      markReady(true);
    };
    ws.onmessage = (e: MessageEvent<string>) => {
      const msg = decodeWire(e.data) as WsServerMessage;
      if (msg.type === 'result') {
        if (msg.id === null) return;
        pending.get(msg.id)?.(msg.result);
        pending.delete(msg.id);
      } else {
        for (const listener of listeners.get(`event:${msg.event}`) ?? []) listener(null, msg.payload);
      }
    };
    ws.onclose = () => {
      for (const [id, resolve] of pending) {
        resolve(fail('UNAVAILABLE', 'the connection to the studio server closed before it answered'));
        pending.delete(id);
      }
      settle(false);
      markReady(false);
      if (!closed) setTimeout(connect, (retryMs = Math.min(retryMs * 2, 5000)));
    };
  };
  connect();

  return {
    ready,
    async invoke(channel, input) {
      if (socket?.readyState === WebSocket.CONNECTING) await attempt;
      const open = socket;
      if (!open || open.readyState !== WebSocket.OPEN) {
        return fail('UNAVAILABLE', 'not connected to the studio server (is mnist-studio serve still running?)');
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        open.send(encodeWire({ type: 'call', id, method: channel, input }));
      });
    },
    on(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
