import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { addressKind, DownloadManager, downloadDataset, type DownloadOptions } from '../../../src/main/datasets/download';
import { importDataset } from '../../../src/main/datasets/import';
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
    expect(events[0]).toMatchObject({
      kind: 'started',
      totalBytes: total,
      files: [TRAIN_IMAGES, 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
    });
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
    expect(events.find((e) => e.kind === 'retry')).toMatchObject({ file: TRAIN_IMAGES, fromByte: from, reason: `${new URL(m.url).host}: connection dropped` });
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
    expect(events.find((e) => e.kind === 'retry')).toMatchObject({ reason: `${new URL(m.url).host}: no data for 300 ms`, fromByte: 50_000 });
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
      { mirror: missing.url, reason: `${new URL(missing.url).host} has no such file` },
      { mirror: broken.url, reason: `${new URL(broken.url).host} has a server error` },
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
    expect(events.filter((e) => e.kind === 'mirror-failed')).toMatchObject([{ mirror: deadUrl, reason: `${new URL(deadUrl).host}: cannot be reached` }]);
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
    expect(err.message).toBe(
      // In words only: what a "mirror" answered (its bytes, their digest) is not repeated.
      `t10k-images-idx3-ubyte.gz: no mirror gave a good copy: ${new URL(m.url).host} sent something that is not MNIST fixture's t10k-images-idx3-ubyte.gz (it failed verification)`,
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
      `train-labels-idx1-ubyte.gz: no mirror gave a good copy: ${new URL(truncated.url).host} sent something that is not MNIST fixture's train-labels-idx1-ubyte.gz (it failed verification); ${new URL(html.url).host} sent something that is not MNIST fixture's train-labels-idx1-ubyte.gz (it failed verification)`,
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
    expect((result as StudioError).message).toMatch(/127\.0\.0\.1:\d+ sent something that is not MNIST fixture's train-images-idx3-ubyte\.gz \(it failed verification\)$/);
  });
});

describe('downloadDataset: where a mirror may send the studio (issue 13)', () => {
  it('never removes the files of an imported dataset that holds the id: a failed download leaves all of them', async () => {
    // A home from before imports were recognised by digest: a subset of MNIST imported under the registry's id.
    const home = tmpDir();
    await importDataset({ home, paths: [mnistFixtureDir({ train: 300, test: 100 })], name: SPEC.id });
    const dir = path.join(home, 'datasets', SPEC.id);
    const before = Object.fromEntries(listing(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
    const closed = await mirror();
    await closed.close();
    const { result } = await download([closed.url], { home });
    expect(result).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'id' });
    expect((result as StudioError).message).toMatch(
      /holds another dataset \(imported from .*\); delete it first \(mnist-studio datasets delete mnist-fixture, or on the Data screen\)$/,
    );
    expect(listing(dir)).toEqual(Object.keys(before).sort());
    for (const [f, bytes] of Object.entries(before)) expect(fs.readFileSync(path.join(dir, f)).equals(bytes)).toBe(true);
  });

  it('keeps a downloaded file that no longer verifies until a verified copy replaces it', async () => {
    const m = await mirror();
    const first = await download([m.url]);
    fs.writeFileSync(path.join(first.dir, 't10k-labels-idx1-ubyte.gz'), 'scribbled over');
    await m.close();
    const again = await download([m.url], { home: first.home });
    expect((again.result as StudioError).code).toBe('NETWORK');
    expect(listing(first.dir)).toEqual(ALL_FOUR);
  });

  it('classifies addresses: loopback, private, link-local, reserved, public', () => {
    expect(
      [
        '127.0.0.1',
        '0.0.0.0',
        '::1',
        '::ffff:127.0.0.1',
        '10.1.2.3',
        '172.20.0.1',
        '192.168.1.1',
        'fd00::1',
        '169.254.169.254',
        'fe80::1',
        '224.0.0.1',
        '93.184.216.34',
        '2606:4700::1111',
      ].map(addressKind),
    ).toEqual(['loopback', 'loopback', 'loopback', 'loopback', 'private', 'private', 'private', 'private', 'link-local', 'link-local', 'reserved', 'public', 'public']);
  });

  it('refuses a redirect from a loopback mirror to a link-local or private address, or off http(s), and tries the next mirror', async () => {
    const targets = ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.7:6379/', 'file:///etc/passwd', 'ftp://127.0.0.1/x'];
    const bad = [];
    for (const location of targets) bad.push(await mirror({ fault: () => ({ kind: 'redirect', location }) }));
    const good = await mirror();
    const { events, result } = await download([...bad.map((b) => b.url), good.url], { stallTimeoutMs: 2000 });
    expect(ok(result).files.every((f) => f.mirror === good.url)).toBe(true);
    const reasons = events.flatMap((e) => (e.kind === 'mirror-failed' && e.file === TRAIN_IMAGES ? [e.reason] : []));
    expect(reasons).toEqual([
      '169.254.169.254 is a link-local address: refused',
      '10.0.0.7:6379 is a private network: refused',
      'redirected to a file: URL, not http or https: refused',
      'redirected to a ftp: URL, not http or https: refused',
    ]);
    expect(events.filter((e) => e.kind === 'retry')).toEqual([]);
  });

  it('follows a redirect from a loopback mirror to another loopback mirror (a mirror on this machine may send the studio within it)', async () => {
    const good = await mirror();
    const hop = await mirror({ fault: (file) => ({ kind: 'redirect', location: `${good.url.replace('127.0.0.1', 'localhost')}${file}` }) });
    const { result } = await download([hop.url], { resolve: async (host) => (host === 'localhost' ? [{ address: '127.0.0.1', family: 4 }] : []) });
    expect(ok(result).files.every((f) => f.mirror === hop.url)).toBe(true);
    expect(good.requests).toHaveLength(4);
  });

  it('connects only to addresses it checked: a host that resolves to a public address, then to 127.0.0.1, reaches nothing', async () => {
    const m = await mirror();
    const port = new URL(m.url).port;
    let calls = 0;
    // DNS rebinding: the first answer (when the mirror is judged) is public, the next ones (when connecting) are this machine.
    const resolve = async () => (calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const { result, events } = await download([`http://files.example:${port}/`], { resolve });
    expect(result).toMatchObject({ code: 'NETWORK' });
    expect(m.requests).toEqual([]);
    expect(events.find((e) => e.kind === 'mirror-failed')).toMatchObject({ reason: `files.example:${port} is this machine: refused` });
  });

  it('tries the next mirror after a TLS failure behind a redirect, and says so in words', async () => {
    const good = await mirror();
    // An https URL on a plain-http port: the handshake fails (EPROTO), a network failure, not the studio's disk.
    const tls = await mirror({ fault: (file) => ({ kind: 'redirect', location: `${good.url.replace('http:', 'https:')}${file}` }) });
    const { result, events } = await download([tls.url, good.url]);
    expect(ok(result).files.every((f) => f.mirror === good.url)).toBe(true);
    expect(events.find((e) => e.kind === 'mirror-failed')).toMatchObject({
      mirror: tls.url,
      reason: `${new URL(good.url).host}: the secure connection failed (TLS or certificate)`,
    });
  });

  it('leaves a mirror sending under the minimum throughput for the next one', async () => {
    const slow = await mirror({ fault: (file) => (file === TRAIN_IMAGES ? { kind: 'slow', chunkBytes: 64, intervalMs: 100 } : null) });
    const good = await mirror();
    const started = performance.now();
    const { result, events } = await download([slow.url, good.url], { minBytesPerSecond: 1024, slowWindowMs: 600 });
    expect(ok(result).files.find((f) => f.name === TRAIN_IMAGES)?.mirror).toBe(good.url);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(events.find((e) => e.kind === 'mirror-failed')).toMatchObject({
      mirror: slow.url,
      reason: expect.stringMatching(/^127\.0\.0\.1:\d+: too slow \(\d+ bytes\/s over 600 ms, under 1024\)$/),
    });
  }, 20_000);
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
