import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { afterEach } from 'vitest';

/** What the server does with one request instead of answering it well. */
export type Fault =
  /** Answer with this status and a short body. */
  | { kind: 'status'; status: number }
  /** Announce the whole file (or range), send this many bytes, then cut the connection. */
  | { kind: 'drop'; afterBytes: number }
  /** Send these bytes as the file. */
  | { kind: 'body'; bytes: Buffer }
  /** Send the file in small pieces with pauses. */
  | { kind: 'slow'; chunkBytes: number; intervalMs: number }
  /** Send this many bytes, then nothing, keeping the connection open. */
  | { kind: 'stall'; afterBytes: number }
  /** Answer 302 with this Location. */
  | { kind: 'redirect'; location: string };

/** One request as the server saw it. */
export interface SeenRequest {
  file: string;
  range: string | null;
  status: number;
  /** Bytes of body the server wrote. */
  sent: number;
}

export interface MirrorOptions {
  /** File name → bytes served at `/<name>`. */
  files: Record<string, Buffer>;
  /** Decides a fault for the n-th request (0-based) of a file; null serves it well. */
  fault?: (file: string, nth: number, range: string | null) => Fault | null;
  /** Answer every request with the whole file, as servers without Range support do. */
  ignoreRange?: boolean;
}

/** A real HTTP mirror on 127.0.0.1 whose misbehaviour each test chooses. */
export interface Mirror {
  /** Base URL with a trailing slash. */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** The files of a folder, read into memory, by name. */
export function filesOf(dir: string): Record<string, Buffer> {
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.gz'))
      .map((f) => [f, fs.readFileSync(path.join(dir, f))]),
  );
}

export async function startMirror(options: MirrorOptions): Promise<Mirror> {
  const requests: SeenRequest[] = [];
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const file = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    const range = req.headers.range ?? null;
    const nth = counts.get(file) ?? 0;
    counts.set(file, nth + 1);
    const seen: SeenRequest = { file, range, status: 0, sent: 0 };
    requests.push(seen);
    const fault = options.fault?.(file, nth, range) ?? null;
    const data = options.files[file];
    if (fault?.kind === 'redirect') {
      seen.status = 302;
      res.writeHead(302, { Location: fault.location }).end();
      return;
    }
    if (fault?.kind === 'status' || !data) {
      seen.status = fault?.kind === 'status' ? fault.status : 404;
      res.writeHead(seen.status, { 'Content-Type': 'text/plain' }).end(`status ${seen.status}\n`);
      return;
    }
    const body = fault?.kind === 'body' ? fault.bytes : data;
    const etag = `"${crypto.createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    let start = 0;
    const match = /^bytes=(\d+)-$/.exec(range ?? '');
    const ifRange = req.headers['if-range'];
    if (match && !options.ignoreRange && (!ifRange || ifRange === etag) && Number(match[1]) < body.length) {
      start = Number(match[1]);
      seen.status = 206;
      res.writeHead(206, {
        'Content-Length': body.length - start,
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
        ETag: etag,
        'Accept-Ranges': 'bytes',
      });
    } else {
      seen.status = 200;
      res.writeHead(200, { 'Content-Length': body.length, ETag: etag, ...(options.ignoreRange ? {} : { 'Accept-Ranges': 'bytes' }) });
    }
    const rest = body.subarray(start);
    const write = (bytes: Buffer) => {
      seen.sent += bytes.length;
      return res.write(bytes);
    };
    if (fault?.kind === 'drop') {
      // Cut only once the bytes are handed to the kernel, so the client gets exactly them.
      seen.sent += Math.min(fault.afterBytes, rest.length);
      res.write(rest.subarray(0, fault.afterBytes), () => res.socket?.destroy());
      return;
    }
    if (fault?.kind === 'stall') {
      write(rest.subarray(0, fault.afterBytes));
      return;
    }
    if (fault?.kind === 'slow') {
      let offset = 0;
      const tick = () => {
        if (res.destroyed) return;
        write(rest.subarray(offset, offset + fault.chunkBytes));
        offset += fault.chunkBytes;
        if (offset >= rest.length) res.end();
        else {
          const t = setTimeout(tick, fault.intervalMs);
          timers.add(t);
        }
      };
      tick();
      return;
    }
    seen.sent += rest.length;
    res.end(rest);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** For a test file: starts mirrors of `files` (options per test), each closed after its test. */
export function mirrorsOf(files: Record<string, Buffer>): (options?: Partial<MirrorOptions>) => Promise<Mirror> {
  const open: Mirror[] = [];
  afterEach(async () => {
    for (const m of open.splice(0)) await m.close();
  });
  return async (options = {}) => {
    const m = await startMirror({ files, ...options });
    open.push(m);
    return m;
  };
}
