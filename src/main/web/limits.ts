/**
 * What web mode holds for its clients, bounded: connections, calls in
 * flight, silent connections and slow HTTP requests. A browser tab keeps
 * within all of them; a stuck or hostile client cannot hold the server.
 */
import type http from 'node:http';
import type { WebSocket } from 'ws';

export interface WebLimits {
  /** WebSocket connections open at once; the next one is closed with WS_CLOSE.tooManyConnections. */
  maxConnections: number;
  /** Calls one connection may have unanswered; more are answered BUSY at once. */
  maxInFlight: number;
  /** A connection that sends nothing and answers no ping for this long is closed. */
  idleTimeoutMs: number;
  /** How often the server pings; a browser answers on its own, so an open tab never goes idle. */
  pingIntervalMs: number;
  /** Time a client has to send a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request. */
  requestTimeoutMs: number;
  /** TCP connections at once, WebSocket or not. */
  maxSockets: number;
}

export const DEFAULT_WEB_LIMITS: WebLimits = {
  maxConnections: 32,
  maxInFlight: 64,
  idleTimeoutMs: 5 * 60_000,
  pingIntervalMs: 30_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxSockets: 256,
};

/** Close codes web mode sends, with a reason a person can read. */
export const WS_CLOSE = {
  /** 1013 "Try Again Later" (RFC 6455 registry). */
  tooManyConnections: 1013,
  /** 1001 "Going Away". */
  idle: 1001,
} as const;

export function webLimits(overrides: Partial<WebLimits> = {}): WebLimits {
  const limits = { ...DEFAULT_WEB_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`web mode limit ${key} must be a positive integer, got ${value}`);
  }
  // Node refuses a headers timeout longer than the request timeout.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new Error('web mode limit headersTimeoutMs must not exceed requestTimeoutMs');
  return limits;
}

/** Applies the HTTP timeouts and the socket cap to the server (before it listens). */
export function limitHttpServer(server: http.Server, limits: WebLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.maxConnections = limits.maxSockets;
}

/** Options for `http.createServer`: how often Node checks the timeouts above (its default, 30 s, would let a slow client overstay them). */
export function httpServerOptions(limits: WebLimits): http.ServerOptions {
  return { connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) };
}

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${ms} ms`;
}

export function tooManyConnectionsReason(limits: WebLimits): string {
  return `too many connections: web mode serves at most ${limits.maxConnections} at once`;
}

export function tooManyCallsMessage(limits: WebLimits): string {
  return `too many calls in flight on this connection: web mode answers at most ${limits.maxInFlight} at once; retry once earlier calls have answered`;
}

/**
 * Pings the client every pingIntervalMs and closes the connection once it
 * has sent no message and no pong for idleTimeoutMs (a dead peer, a
 * suspended laptop); the browser answers pings by itself.
 */
export function keepAlive(ws: WebSocket, limits: WebLimits): void {
  let lastHeard = Date.now();
  const heard = () => (lastHeard = Date.now());
  ws.on('message', heard);
  ws.on('pong', heard);
  const timer = setInterval(
    () => {
      if (Date.now() - lastHeard < limits.idleTimeoutMs) {
        ws.ping();
        return;
      }
      clearInterval(timer);
      ws.close(WS_CLOSE.idle, `idle: nothing heard for ${minutes(limits.idleTimeoutMs)}`);
      // A dead peer never answers the close handshake; do not keep its socket for ws's 30 s.
      setTimeout(() => ws.terminate(), Math.min(1000, limits.idleTimeoutMs)).unref();
    },
    Math.min(limits.pingIntervalMs, limits.idleTimeoutMs),
  );
  timer.unref();
  ws.on('close', () => clearInterval(timer));
}
