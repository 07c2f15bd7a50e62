import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createStudio } from '../../../src/main/studio';
import { isAllowedHost, isLoopback, startWebServer, type WebServer } from '../../../src/main/web/server';
import { WS_MAX_PAYLOAD, type WsServerMessage } from '../../../src/shared/web-protocol';
import { decodeWire, encodeWire } from '../../../src/shared/wire';
import { tmpDir } from '../../helpers/tmp';

let server: WebServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

/** A stand-in renderer build: an index page and a secret file beside the folder. */
function rendererDir() {
  const dir = tmpDir();
  fs.mkdirSync(path.join(dir, 'renderer', 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>studio</title>');
  fs.writeFileSync(path.join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'do not serve');
  return path.join(dir, 'renderer');
}

async function start() {
  server = await startWebServer({ studio: createStudio({ home: '/tmp/h', shell: 'web' }), rendererDir: rendererDir() });
  return server;
}

function get(port: number, pathname: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, headers: { Host: host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(s: WebServer, opts: { token?: string; origin?: string; host?: string } = {}): Promise<WebSocket> {
  const host = opts.host ?? `127.0.0.1:${s.port}`;
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${opts.token ?? s.token}`, {
    headers: { Host: host },
    origin: opts.origin ?? `http://${host}`,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<WsServerMessage> {
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(decodeWire(data.toString()) as WsServerMessage)));
}

describe('web mode static files', () => {
  it('serves the renderer with a CSP and refuses paths outside it', async () => {
    const s = await start();
    const index = await get(s.port, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect((await get(s.port, '/assets/app.js')).headers['content-type']).toMatch(/^text\/javascript/);
    for (const evil of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await get(s.port, evil);
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('do not serve');
    }
  });

  it('refuses a Host header that is not its own address (DNS rebinding)', async () => {
    const s = await start();
    expect((await get(s.port, '/', `evil.example:${s.port}`)).status).toBe(421);
    expect((await get(s.port, '/', `127.0.0.1:${s.port + 1}`)).status).toBe(421);
    expect((await get(s.port, '/', `localhost:${s.port}`)).status).toBe(200);
  });

  it('sends Cross-Origin-Opener-Policy only where the browser honours it: loopback, not a network address over plain HTTP', async () => {
    const s = await start();
    for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, `[::1]:${s.port}`]) {
      expect((await get(s.port, '/', host)).headers['cross-origin-opener-policy'], host).toBe('same-origin');
    }
    const lan = await get(s.port, '/', `192.0.2.7:${s.port}`);
    expect(lan.status).toBe(200);
    expect(lan.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(lan.headers['content-security-policy']).toContain("default-src 'self'");
    expect(lan.headers['x-content-type-options']).toBe('nosniff');
  });

  it('allows only IP literals, localhost and the bound name as hosts', () => {
    expect(isAllowedHost('127.0.0.1:80', '127.0.0.1', 80)).toBe(true);
    expect(isAllowedHost('[::1]:80', '127.0.0.1', 80)).toBe(true);
    expect(isAllowedHost('studio.lan:80', 'studio.lan', 80)).toBe(true);
    expect(isAllowedHost('attacker.example:80', '0.0.0.0', 80)).toBe(false);
    expect(isAllowedHost(undefined, '127.0.0.1', 80)).toBe(false);
    expect(isAllowedHost('a@127.0.0.1:80', '127.0.0.1', 80)).toBe(false);
  });

  it('counts only addresses of this machine alone as loopback (what serve allows without --expose)', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', '::ffff:10.0.0.1', '127.example.com', 'studio.lan', '1.127.0.0']) expect(isLoopback(host), host).toBe(false);
  });
});

describe('web mode API over WebSocket', () => {
  it('answers calls with the same results as IPC', async () => {
    const s = await start();
    const ws = await connect(s);
    ws.send(encodeWire({ type: 'call', id: 7, method: 'app:info', input: {} }));
    const msg = await nextMessage(ws);
    expect(msg).toMatchObject({ type: 'result', id: 7, result: { ok: true, value: { shell: 'web', home: '/tmp/h' } } });
    ws.send(encodeWire({ type: 'call', id: 8, method: 'app:info', input: { extra: true } }));
    expect(await nextMessage(ws)).toMatchObject({ id: 8, result: { ok: false, error: { code: 'INVALID_ARGUMENT' } } });
    ws.close();
  });

  it('answers malformed messages with INVALID_ARGUMENT and stays up', async () => {
    const s = await start();
    const ws = await connect(s);
    for (const bad of ['not json', '{"type":"call"}', JSON.stringify({ type: 'call', id: 1, method: 'app:info', input: {}, extra: 1 })]) {
      ws.send(bad);
      expect(await nextMessage(ws)).toMatchObject({ type: 'result', result: { ok: false, error: { code: 'INVALID_ARGUMENT' } } });
    }
    ws.send(encodeWire({ type: 'call', id: 2, method: 'app:info', input: {} }));
    expect(await nextMessage(ws)).toMatchObject({ id: 2, result: { ok: true } });
    ws.close();
  });

  it('refuses a missing or wrong token, a foreign Origin and a foreign Host', async () => {
    const s = await start();
    await expect(connect(s, { token: '' })).rejects.toThrow('HTTP 401');
    await expect(connect(s, { token: `${s.token}x` })).rejects.toThrow('HTTP 401');
    await expect(connect(s, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(connect(s, { host: `evil.example:${s.port}` })).rejects.toThrow('HTTP 421');
  });

  it('refuses an Origin that is missing, "null", another port or another scheme, and a token of the right length but wrong', async () => {
    const s = await start();
    const raw = (headers: Record<string, string>, token = s.token) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port: s.port,
          path: `/api?token=${encodeURIComponent(token)}`,
          headers: {
            Host: `127.0.0.1:${s.port}`,
            Connection: 'Upgrade',
            Upgrade: 'websocket',
            'Sec-WebSocket-Version': '13',
            'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
            ...headers,
          },
        });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve(res.statusCode ?? 0);
        });
        req.on('response', (res) => resolve(res.statusCode ?? 0));
        req.on('error', reject);
        req.end();
      });
    expect(await raw({})).toBe(403);
    expect(await raw({ Origin: 'null' })).toBe(403);
    expect(await raw({ Origin: `http://127.0.0.1:${s.port + 1}` })).toBe(403);
    expect(await raw({ Origin: `https://127.0.0.1:${s.port}` })).toBe(403);
    expect(
      await raw(
        { Origin: `http://127.0.0.1:${s.port}` },
        s.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    ).toBe(401);
    expect(await raw({ Origin: `http://127.0.0.1:${s.port}` }, s.token.toUpperCase() === s.token ? s.token.toLowerCase() : s.token.toUpperCase())).toBe(401);
    expect(await raw({ Origin: `http://127.0.0.1:${s.port}` })).toBe(101);
  });

  it('closes a socket that sends more than the largest message, and keeps serving others', async () => {
    const s = await start();
    const big = await connect(s);
    const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
    big.send('x'.repeat(WS_MAX_PAYLOAD + 1));
    expect(await closed).toBe(1009);
    const ws = await connect(s);
    ws.send(encodeWire({ type: 'call', id: 3, method: 'app:info', input: {} }));
    expect(await nextMessage(ws)).toMatchObject({ id: 3, result: { ok: true } });
    ws.close();
  });

  it('pushes events to connected clients', async () => {
    const studio = createStudio({ home: '/tmp/h', shell: 'web' });
    server = await startWebServer({ studio, rendererDir: rendererDir() });
    const ws = await connect(server);
    const next = nextMessage(ws);
    studio.events.emit('notice', { kind: 'notice', level: 'warning', message: 'settings were reset' });
    expect(await next).toEqual({ type: 'event', event: 'notice', payload: { kind: 'notice', level: 'warning', message: 'settings were reset' } });
    ws.close();
  });
});

describe('web mode limits', () => {
  /** The next close of a socket, with its code and reason. */
  function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
    return new Promise((resolve) => ws.once('close', (code, reason: Buffer) => resolve({ code, reason: reason.toString() })));
  }

  it('refuses the 33rd connection with a close reason naming the limit, and takes one again once a place frees', async () => {
    const s = await start();
    const open: WebSocket[] = [];
    for (let i = 0; i < 32; i++) open.push(await connect(s));
    const extra = await connect(s);
    expect(await closed(extra)).toEqual({ code: 1013, reason: 'too many connections: web mode serves at most 32 at once' });
    // The 32 still answer.
    const last = open.at(-1)!;
    last.send(encodeWire({ type: 'call', id: 1, method: 'app:info', input: {} }));
    expect(await nextMessage(last)).toMatchObject({ id: 1, result: { ok: true } });
    const gone = closed(open[0]!);
    open[0]!.close();
    await gone;
    // The server hears the close a moment after the client does.
    await expect
      .poll(async () => {
        const again = await connect(s);
        const answer = Promise.race([closed(again).then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 100))]);
        const result = await answer;
        if (result === 'open') open[0] = again;
        return result;
      })
      .toBe('open');
    for (const ws of open) ws.close();
  });

  it('answers calls past the in-flight limit BUSY at once, naming the limit, and the connection stays usable', async () => {
    const studio = createStudio({ home: '/tmp/h', shell: 'web' });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    // app:info held until the gate opens, so the calls really are in flight at once.
    const held = {
      ...studio,
      handlers: { ...studio.handlers, 'app:info': async (...args: Parameters<(typeof studio.handlers)['app:info']>) => (await gate, studio.handlers['app:info'](...args)) },
    };
    server = await startWebServer({ studio: held, rendererDir: rendererDir(), limits: { maxInFlight: 3 } });
    const ws = await connect(server);
    const answers: WsServerMessage[] = [];
    ws.on('message', (data: Buffer) => answers.push(decodeWire(data.toString()) as WsServerMessage));
    for (let id = 1; id <= 5; id++) ws.send(encodeWire({ type: 'call', id, method: 'app:info', input: {} }));
    await expect.poll(() => answers.length).toBe(2);
    expect(answers).toEqual(
      [4, 5].map((id) => ({
        type: 'result',
        id,
        result: {
          ok: false,
          error: { code: 'BUSY', message: 'too many calls in flight on this connection: web mode answers at most 3 at once; retry once earlier calls have answered' },
        },
      })),
    );
    release();
    await expect.poll(() => answers.length).toBe(5);
    expect(answers.slice(2).map((m) => m.type === 'result' && m.id)).toEqual([1, 2, 3]);
    expect(answers.slice(2).every((m) => m.type === 'result' && m.result.ok)).toBe(true);
    // Room again: a new call is answered.
    ws.send(encodeWire({ type: 'call', id: 6, method: 'app:info', input: {} }));
    await expect.poll(() => answers.length).toBe(6);
    expect(answers[5]).toMatchObject({ id: 6, result: { ok: true } });
    ws.close();
    await studio.close();
  });

  it('closes a connection that answers no ping within the idle time, and keeps one that pongs', async () => {
    server = await startWebServer({
      studio: createStudio({ home: '/tmp/h', shell: 'web' }),
      rendererDir: rendererDir(),
      // Pings far more often than the idle time, so a busy machine's pauses do not close the ponging client.
      limits: { idleTimeoutMs: 1000, pingIntervalMs: 100 },
    });
    const s = server;
    const live = await connect(s);
    const pings = { n: 0 };
    live.on('ping', () => pings.n++);
    // A client whose pongs never come: a dead peer, a suspended laptop.
    const silent = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${s.token}`, { origin: `http://127.0.0.1:${s.port}`, autoPong: false });
    await new Promise((resolve) => silent.once('open', resolve));
    const started = Date.now();
    const silentClosed = closed(silent);
    let liveClosed = false;
    live.once('close', () => (liveClosed = true));
    expect(await silentClosed).toEqual({ code: 1001, reason: 'idle: nothing heard for 1000 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(4000);
    // The ponging one stays well past the idle time and still answers.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(liveClosed).toBe(false);
    expect(pings.n).toBeGreaterThanOrEqual(10);
    live.send(encodeWire({ type: 'call', id: 1, method: 'app:info', input: {} }));
    expect(await nextMessage(live)).toMatchObject({ id: 1, result: { ok: true } });
    live.close();
  });

  it('drops a client that sends its request headers too slowly (slowloris)', async () => {
    server = await startWebServer({
      studio: createStudio({ home: '/tmp/h', shell: 'web' }),
      rendererDir: rendererDir(),
      limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 },
    });
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = Date.now();
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    // One header line, then a trickle that never finishes the head.
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`);
    const trickle = setInterval(() => socket.writable && socket.write('X-a: b\r\n'), 100);
    await new Promise((resolve) => socket.once('close', resolve));
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
  });

  it('says clearly that a port is busy, instead of a bare EADDRINUSE', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(startWebServer({ studio: createStudio({ home: '/tmp/h', shell: 'web' }), rendererDir: rendererDir(), port })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use (another mnist-studio serve?): stop that program, or pick another port with --port (--port 0 picks a free one)`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses limits that are not positive integers', async () => {
    await expect(startWebServer({ studio: createStudio({ home: '/tmp/h', shell: 'web' }), rendererDir: rendererDir(), limits: { maxConnections: 0 } })).rejects.toThrow(
      'web mode limit maxConnections must be a positive integer, got 0',
    );
  });
});
