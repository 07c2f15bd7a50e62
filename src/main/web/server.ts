/**
 * Web mode: serves the built renderer and binds the studio's API to a
 * WebSocket, so a browser gets the same UI as the desktop app. Loopback by
 * default; the API needs the random token printed in the URL, and both
 * Origin and Host are checked (no DNS rebinding, no cross-site calls).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type { WebSocket } from 'ws';
import { EVENT_NAMES } from '@shared/events';
import { fail } from '@shared/result';
import { TOKEN_PARAM, WS_MAX_PAYLOAD, WS_PATH, WsClientMessage, type WsServerMessage } from '@shared/web-protocol';
import { decodeWire, encodeWire } from '@shared/wire';
import { dispatch } from '../dispatch';
import { mimeType, resolveStaticFile, SECURITY_HEADERS } from '../static-files';
import type { Studio } from '../studio';
import { httpServerOptions, keepAlive, limitHttpServer, tooManyCallsMessage, tooManyConnectionsReason, webLimits, WS_CLOSE, type WebLimits } from './limits';

export interface WebServerOptions {
  studio: Studio;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); random otherwise. */
  token?: string;
  /** Caps and timeouts (tests shorten them); DEFAULT_WEB_LIMITS otherwise. */
  limits?: Partial<WebLimits>;
}

export interface WebServer {
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** An address only this machine can reach: 127.0.0.0/8 (also as IPv4-mapped IPv6), ::1 or localhost. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  const v4 = name.replace(/^::ffff:/, '');
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/**
 * Host headers this server answers to: an IP address, localhost or the name
 * it was bound to, with its port. Any other name could be a DNS rebinding
 * of an attacker's domain onto this address.
 */
export function isAllowedHost(header: string | undefined, bindHost: string, port: number): boolean {
  if (!header) return false;
  let parsed: URL;
  try {
    parsed = new URL(`http://${header}`);
  } catch {
    return false;
  }
  if ((parsed.port || '80') !== String(port) || parsed.username || parsed.password || parsed.pathname !== '/') return false;
  const name = parsed.hostname.replace(/^\[|\]$/g, '');
  return net.isIP(name) !== 0 || name === 'localhost' || name === bindHost;
}

/** Why `listen` failed, in words that say what to do: a busy port is the usual case (another `serve` still running). */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new Error(`port ${port} on ${host} is already in use (another mnist-studio serve?): stop that program, or pick another port with --port (--port 0 picks a free one)`);
    case 'EACCES':
      return new Error(`not allowed to listen on ${where}: ports below 1024 need special rights; pick another port with --port`);
    case 'EADDRNOTAVAIL':
      return new Error(`cannot listen on ${where}: ${host} is not an address of this machine; check --host`);
    default:
      return new Error(`cannot listen on ${where}: ${err.message}`);
  }
}

/**
 * The security headers for a page asked for under this Host: without
 * Cross-Origin-Opener-Policy on a network address (--expose), where plain
 * HTTP is no trustworthy origin and the browser ignores it with a console error.
 */
function pageHeaders(hostHeader: string | undefined): Record<string, string> {
  let hostname = '';
  try {
    hostname = new URL(`http://${hostHeader ?? ''}`).hostname;
  } catch {
    // isAllowedHost has refused such a header already.
  }
  if (isLoopback(hostname)) return { ...SECURITY_HEADERS };
  const { 'Cross-Origin-Opener-Policy': _ignored, ...rest } = SECURITY_HEADERS;
  return rest;
}

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function send(socket: WebSocket, message: WsServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(encodeWire(message));
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? crypto.randomBytes(24).toString('base64url');
  const root = path.resolve(options.rendererDir);
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`${path.join(root, 'index.html')} is missing: build the studio first (npm run build)`);
  }
  const limits = webLimits(options.limits);
  let port = 0;

  const server = http.createServer(httpServerOptions(limits), (req, res) => {
    if (!isAllowedHost(req.headers.host, host, port)) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong Host header\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const headers = pageHeaders(req.headers.host);
    const file = resolveStaticFile(root, new URL(req.url ?? '/', 'http://x').pathname);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...headers }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': mimeType(file),
      'Cache-Control': 'no-cache',
      ...headers,
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  limitHttpServer(server, limits);

  // Loaded here, not at start: only `serve` and the desktop app's web mode need it.
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const given = url.searchParams.get(TOKEN_PARAM) ?? '';
    const refuse = (status: number, why: string) => {
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== WS_PATH) return refuse(404, 'Not Found');
    if (!isAllowedHost(req.headers.host, host, port)) return refuse(421, 'Misdirected Request');
    // Same origin only: the page this server served under that Host.
    if (req.headers.origin !== `http://${req.headers.host}`) return refuse(403, 'Forbidden');
    if (!tokensEqual(given, token)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  let connections = 0;
  wss.on('connection', (ws: WebSocket) => {
    if (connections >= limits.maxConnections) {
      // Refused: what its socket reports until the close completes matters to no one, but unheard it would end the process.
      ws.on('error', () => {});
      ws.close(WS_CLOSE.tooManyConnections, tooManyConnectionsReason(limits));
      return;
    }
    connections++;
    ws.on('close', () => connections--);
    keepAlive(ws, limits);
    let inFlight = 0;
    const unsubscribe = options.studio.events.onAny((event, payload) => {
      send(ws, { type: 'event', event, payload } as WsServerMessage);
    }, EVENT_NAMES);
    // Every call of this connection is a web client's; what it leaves open (an upload) goes with it.
    const caller = { shell: 'web', session: `web-${crypto.randomBytes(8).toString('hex')}` } as const;
    ws.on('close', () => {
      unsubscribe();
      void options.studio.endSession(caller.session);
    });
    // A message past the cap or a broken frame: ws closes that socket and reports it here; unheard, it would end the process.
    ws.on('error', (err) => console.error(`web mode: a browser connection was closed: ${err.message}`));
    ws.on('message', (data, isBinary) => {
      inFlight++;
      void (async () => {
        let raw: unknown;
        try {
          // ws's default binaryType gives each message as one Buffer; anything else is not a text frame of ours.
          raw = isBinary || !Buffer.isBuffer(data) ? undefined : decodeWire(data.toString('utf8'));
        } catch {
          raw = undefined;
        }
        const msg = WsClientMessage.safeParse(raw);
        // This message counts itself among those in flight.
        if (msg.success && inFlight > limits.maxInFlight) return send(ws, { type: 'result', id: msg.data.id, result: fail('BUSY', tooManyCallsMessage(limits)) });
        if (!msg.success) {
          const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : null;
          send(ws, { type: 'result', id, result: fail('INVALID_ARGUMENT', 'malformed message: expected {type:"call", id, method, input}') });
          return;
        }
        const result = await dispatch(options.studio.handlers, msg.data.method, msg.data.input, caller);
        send(ws, { type: 'result', id: msg.data.id, result });
      })().finally(() => inFlight--);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, options.port ?? 0)));
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${port}/?${TOKEN_PARAM}=${token}`,
    host,
    port,
    token,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
