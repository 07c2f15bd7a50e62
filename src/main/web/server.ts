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
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENT_NAMES } from '@shared/events';
import { fail } from '@shared/result';
import { TOKEN_PARAM, WS_MAX_PAYLOAD, WS_PATH, WsClientMessage, type WsServerMessage } from '@shared/web-protocol';
import { decodeWire, encodeWire } from '@shared/wire';
import { dispatch } from '../dispatch';
import { CONTENT_SECURITY_POLICY } from '../security-policy';
import type { Studio } from '../studio';

export interface WebServerOptions {
  studio: Studio;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); random otherwise. */
  token?: string;
}

export interface WebServer {
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
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
  let port = 0;

  const server = http.createServer((req, res) => {
    if (!isAllowedHost(req.headers.host, host, port)) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong Host header\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = path.resolve(root, `.${rel === '/' ? '/index.html' : rel}`);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });

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

  wss.on('connection', (ws: WebSocket) => {
    const unsubscribe = options.studio.events.onAny((event, payload) => {
      send(ws, { type: 'event', event, payload } as WsServerMessage);
    }, EVENT_NAMES);
    ws.on('close', unsubscribe);
    // A message past the cap or a broken frame: ws closes that socket and reports it here; unheard, it would end the process.
    ws.on('error', (err) => console.error(`web mode: a browser connection was closed: ${err.message}`));
    ws.on('message', (data, isBinary) => {
      void (async () => {
        let raw: unknown;
        try {
          // ws's default binaryType gives each message as one Buffer; anything else is not a text frame of ours.
          raw = isBinary || !Buffer.isBuffer(data) ? undefined : decodeWire(data.toString('utf8'));
        } catch {
          raw = undefined;
        }
        const msg = WsClientMessage.safeParse(raw);
        if (!msg.success) {
          const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : null;
          send(ws, { type: 'result', id, result: fail('INVALID_ARGUMENT', 'malformed message: expected {type:"call", id, method, input}') });
          return;
        }
        const result = await dispatch(options.studio.handlers, msg.data.method, msg.data.input);
        send(ws, { type: 'result', id: msg.data.id, result });
      })();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
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
