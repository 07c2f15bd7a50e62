import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createStudio } from '../../../src/main/studio';
import { isAllowedHost, startWebServer, type WebServer } from '../../../src/main/web/server';
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

  it('allows only IP literals, localhost and the bound name as hosts', () => {
    expect(isAllowedHost('127.0.0.1:80', '127.0.0.1', 80)).toBe(true);
    expect(isAllowedHost('[::1]:80', '127.0.0.1', 80)).toBe(true);
    expect(isAllowedHost('studio.lan:80', 'studio.lan', 80)).toBe(true);
    expect(isAllowedHost('attacker.example:80', '0.0.0.0', 80)).toBe(false);
    expect(isAllowedHost(undefined, '127.0.0.1', 80)).toBe(false);
    expect(isAllowedHost('a@127.0.0.1:80', '127.0.0.1', 80)).toBe(false);
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
          headers: { Host: `127.0.0.1:${s.port}`, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
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
    expect(await raw({ Origin: `http://127.0.0.1:${s.port}` }, s.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBe(401);
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
