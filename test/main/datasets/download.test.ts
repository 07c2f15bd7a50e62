import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DownloadManager, downloadDataset, type DownloadOptions } from '../../../src/main/datasets/download';
import { loadDataset } from '../../../src/main/datasets/load';
import type { DownloadEvent } from '../../../src/shared/events';
import { StudioError } from '../../../src/shared/result';
import { filesOf, mirrorsOf } from '../../helpers/mirror-server';
import { fixtureSpec, idxImages, mnistFixtureDir, realDigits } from '../../helpers/mnist-fixture';
import { tmpDir } from '../../helpers/tmp';

const FIXTURE = mnistFixtureDir();
const SPEC = fixtureSpec(FIXTURE);
const FILES = filesOf(FIXTURE);
const TRAIN_IMAGES = 'train-images-idx3-ubyte.gz';

const mirror = mirrorsOf(FILES);

/** Downloads the fixture into a fresh home with fast retries, collecting the events. */
async function download(urls: string[], extra: Partial<DownloadOptions> = {}) {
  const home = extra.home ?? tmpDir();
  const events: DownloadEvent[] = [];
  const run = downloadDataset({ home, spec: SPEC, mirrors: urls, backoffMs: 10, progressIntervalMs: 0, onEvent: (e) => events.push(e), ...extra });
  const result = await run.catch((err: unknown) => err as StudioError);
  return { home, events, result, dir: path.join(home, 'datasets', SPEC.id) };
}

function ok<T>(value: T | StudioError): T {
  if (value instanceof StudioError) throw value;
  return value;
}

const listing = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const ALL_FOUR = ['dataset.json', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', TRAIN_IMAGES, 'train-labels-idx1-ubyte.gz'];

describe('downloadDataset', () => {
  it('downloads the four files, verifies them and reports progress up to the total', async () => {
    const m = await mirror();
    const { home, events, result, dir } = await download([m.url]);
    const value = ok(result);
    expect(listing(dir)).toEqual(ALL_FOUR);
    const total = Object.values(FILES).reduce((a, b) => a + b.length, 0);
    expect(value.downloadedBytes).toBe(total);
    expect(value.files.map((f) => f.status)).toEqual(['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    expect(events[0]).toMatchObject({ kind: 'started', totalBytes: total, files: [TRAIN_IMAGES, 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] });
    const progress = events.filter((e) => e.kind === 'progress');
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.doneBytes).toBeGreaterThanOrEqual(progress[i - 1]!.doneBytes);
    expect(progress.at(-1)).toMatchObject({ doneBytes: total, totalBytes: total });
    expect(events.filter((e) => e.kind === 'file-verified')).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ kind: 'done', downloadedBytes: total });
    // What landed is the real digits, byte for byte.
    const ds = await loadDataset({ home, id: SPEC.id });
    expect(ds.name).toBe('MNIST fixture');
    expect(Buffer.from(ds.train.images.subarray(0, 784 * 5)).equals(Buffer.from(realDigits().images.subarray(0, 784 * 5)))).toBe(true);
  });

  it('downloads nothing the second time, and re-fetches only a file altered on disk', async () => {
    const m = await mirror();
    const first = await download([m.url]);
    const before = m.requests.length;
    const again = await download([m.url], { home: first.home });
    expect(ok(again.result).downloadedBytes).toBe(0);
    expect(ok(again.result).files.every((f) => f.status === 'cached')).toBe(true);
    expect(m.requests.length).toBe(before);
    expect(again.events.some((e) => e.kind === 'started')).toBe(false);

    fs.writeFileSync(path.join(first.dir, 't10k-labels-idx1-ubyte.gz'), 'scribbled over');
    const repaired = await download([m.url], { home: first.home });
    expect(ok(repaired.result).files.map((f) => f.status)).toEqual(['cached', 'cached', 'cached', 'downloaded']);
    expect(m.requests.slice(before).map((r) => r.file)).toEqual(['t10k-labels-idx1-ubyte.gz']);
  });

  it('resumes with Range after a connection drops mid-file', async () => {
    const cut = Math.floor(FILES[TRAIN_IMAGES]!.length * 0.4);
    const m = await mirror({ fault: (file, nth) => (file === TRAIN_IMAGES && nth === 0 ? { kind: 'drop', afterBytes: cut } : null) });
    const { events, result, dir } = await download([m.url]);
    ok(result);
    expect(listing(dir)).toEqual(ALL_FOUR);
    const tries = m.requests.filter((r) => r.file === TRAIN_IMAGES);
    expect(tries.map((r) => r.status)).toEqual([200, 206]);
    // It resumes from the bytes that reached the disk: the cut, less what was still in flight.
    const from = Number(/^bytes=(\d+)-$/.exec(tries[1]!.range ?? '')?.[1]);
    expect(from).toBeGreaterThan(cut - 256 * 1024);
    expect(from).toBeLessThanOrEqual(cut);
    expect(tries[1]!.sent).toBe(FILES[TRAIN_IMAGES]!.length - from);
    expect(events.find((e) => e.kind === 'retry')).toMatchObject({ file: TRAIN_IMAGES, fromByte: from, reason: 'connection dropped' });
  });

  it('starts the file over when the server ignores Range', async () => {
    const size = FILES[TRAIN_IMAGES]!.length;
    const m = await mirror({ ignoreRange: true, fault: (file, nth) => (file === TRAIN_IMAGES && nth === 0 ? { kind: 'drop', afterBytes: 400_000 } : null) });
    const { result, dir } = await download([m.url]);
    ok(result);
    expect(listing(dir)).toEqual(ALL_FOUR);
    const tries = m.requests.filter((r) => r.file === TRAIN_IMAGES);
    expect(tries.map((r) => [r.status, r.sent])).toEqual([
      [200, 400_000],
      [200, size],
    ]);
    expect(tries[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('retries a stalled connection after the silence timeout and resumes it', async () => {
    const m = await mirror({ fault: (file, nth) => (file === TRAIN_IMAGES && nth === 0 ? { kind: 'stall', afterBytes: 50_000 } : null) });
    const { events, result } = await download([m.url], { stallTimeoutMs: 300 });
    ok(result);
    expect(events.find((e) => e.kind === 'retry')).toMatchObject({ reason: 'no data for 300 ms', fromByte: 50_000 });
    expect(m.requests.filter((r) => r.file === TRAIN_IMAGES).map((r) => r.range)).toEqual([null, 'bytes=50000-']);
  });

  it('moves to the next mirror after a 404 or a 500', async () => {
    const missing = await mirror({ files: {} });
    const broken = await mirror({ fault: () => ({ kind: 'status', status: 500 }) });
    const good = await mirror();
    const { events, result } = await download([missing.url, broken.url, good.url]);
    expect(ok(result).files.every((f) => f.mirror === good.url)).toBe(true);
    const failed = events.filter((e) => e.kind === 'mirror-failed');
    expect(failed.slice(0, 2)).toMatchObject([
      { mirror: missing.url, reason: 'HTTP 404 Not Found' },
      { mirror: broken.url, reason: 'HTTP 500 Internal Server Error' },
    ]);
    expect(failed).toHaveLength(8);
    // Progress names the mirror the bytes come from: only the good one sent any.
    expect([...new Set(events.flatMap((e) => (e.kind === 'progress' ? [e.mirror] : [])))]).toEqual([good.url]);
  });

  it('skips a mirror nobody listens on, for every file, without retrying it', async () => {
    const closed = await mirror();
    const deadUrl = closed.url;
    await closed.close();
    const good = await mirror();
    const { events, result } = await download([deadUrl, good.url]);
    ok(result);
    expect(events.filter((e) => e.kind === 'retry')).toEqual([]);
    expect(events.filter((e) => e.kind === 'mirror-failed')).toMatchObject([{ mirror: deadUrl, reason: expect.stringMatching(/ECONNREFUSED/) }]);
  });

  it('rejects wrong bytes from every mirror with the file and the defect, leaving nothing of that file', async () => {
    // Real gzip of a real IDX file, one pixel changed: structure passes, the digest does not.
    const raw = zlib.gunzipSync(FILES['t10k-images-idx3-ubyte.gz']!);
    raw[16 + 300] = raw[16 + 300]! ^ 0xff;
    const altered = zlib.gzipSync(raw);
    const m = await mirror({ fault: (file) => (file === 't10k-images-idx3-ubyte.gz' ? { kind: 'body', bytes: altered } : null) });
    const { result, dir, events } = await download([m.url]);
    expect(result).toBeInstanceOf(StudioError);
    const err = result as StudioError;
    expect(err.code).toBe('INTEGRITY');
    expect(err.message).toMatch(
      new RegExp(`^t10k-images-idx3-ubyte\\.gz: no mirror gave a good copy: ${m.url.replace(/[./]/g, '\\$&')} SHA-256 \\(decompressed [0-9a-f]{12}…, gzip [0-9a-f]{12}…\\) matches no known MNIST fixture t10k-images-idx3-ubyte`),
    );
    expect(listing(dir)).toEqual([TRAIN_IMAGES, 'train-labels-idx1-ubyte.gz']);
    expect(events.at(-1)).toMatchObject({ kind: 'failed', error: { code: 'INTEGRITY' } });
  });

  it('rejects a truncated gzip and a non-IDX answer (an HTML error page with status 200)', async () => {
    const gz = FILES['train-labels-idx1-ubyte.gz']!;
    const truncated = await mirror({ fault: (file) => (file === 'train-labels-idx1-ubyte.gz' ? { kind: 'body', bytes: gz.subarray(0, gz.length - 200) } : null) });
    const html = await mirror({ fault: (file) => (file === 'train-labels-idx1-ubyte.gz' ? { kind: 'body', bytes: Buffer.from('<html>Service unavailable</html>') } : null) });
    const { result, dir } = await download([truncated.url, html.url]);
    expect((result as StudioError).message).toBe(
      `train-labels-idx1-ubyte.gz: no mirror gave a good copy: ${truncated.url} the gzip data is truncated (it ends before its end marker); ${html.url} not an IDX file: it starts with 3c 68 74 6d, not 00 00 08 01`,
    );
    expect(listing(dir)).toEqual([TRAIN_IMAGES]);
  });

  it('gives up on a mirror whose connections keep dropping without progress', async () => {
    const m = await mirror({ fault: (file) => (file === TRAIN_IMAGES ? { kind: 'drop', afterBytes: 0 } : null) });
    const { result, events, dir } = await download([m.url], { retries: 2 });
    expect((result as StudioError).code).toBe('NETWORK');
    expect((result as StudioError).message).toMatch(/^train-images-idx3-ubyte\.gz: no mirror gave a good copy: .* gave up after 2 retries without progress$/);
    expect(events.filter((e) => e.kind === 'retry').map((e) => (e.kind === 'retry' ? e.delayMs : 0))).toEqual([10, 20]);
    expect(listing(dir)).toEqual([]);
  });

  it('refuses a header announcing more than any MNIST-format file', async () => {
    const huge = idxImages(new Uint8Array(0), 60000);
    huge.writeUInt32BE(0x7fffffff, 4);
    const m = await mirror({ fault: (file) => (file === TRAIN_IMAGES ? { kind: 'body', bytes: huge } : null) });
    const { result } = await download([m.url]);
    expect((result as StudioError).message).toMatch(/holds 2147483647 images, expected 8000/);
  });
});

describe('DownloadManager', () => {
  it('joins a second request for the same dataset to the first', async () => {
    const m = await mirror({ fault: () => ({ kind: 'slow', chunkBytes: 256 * 1024, intervalMs: 5 }) });
    const home = tmpDir();
    const manager = new DownloadManager(home, () => {});
    const a = manager.download(SPEC, [m.url]);
    const b = manager.download(SPEC, ['http://127.0.0.1:1/never-used/']);
    expect(b).toBe(a);
    expect(manager.isRunning(SPEC.id)).toBe(true);
    await a;
    expect(m.requests.map((r) => r.file).sort()).toEqual(Object.keys(FILES).sort());
    expect(manager.isRunning(SPEC.id)).toBe(false);
  });

  it('cancels a slow download: the call answers CANCELLED and no .part stays', async () => {
    const m = await mirror({ fault: () => ({ kind: 'slow', chunkBytes: 16 * 1024, intervalMs: 20 }) });
    const home = tmpDir();
    const events: DownloadEvent[] = [];
    let manager: DownloadManager | null = null;
    manager = new DownloadManager(home, (e) => {
      events.push(e);
      if (e.kind === 'progress' && e.fileBytes > 64 * 1024) manager?.cancel(SPEC.id);
    });
    const err = await manager.download(SPEC, [m.url]).catch((e: unknown) => e as StudioError);
    expect(err).toMatchObject({ code: 'CANCELLED', message: 'MNIST fixture download cancelled' });
    expect(listing(path.join(home, 'datasets', SPEC.id))).toEqual([]);
    expect(events.at(-1)).toMatchObject({ kind: 'failed', error: { code: 'CANCELLED' } });
    expect(manager.cancel(SPEC.id)).toBe(false);
  });
});
