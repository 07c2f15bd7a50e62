import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../../src/main/dispatch';
import { loadDataset } from '../../../src/main/datasets/load';
import { createStudio, type Studio } from '../../../src/main/studio';
import { DATASETS, FASHION_CLASSES, type DownloadResult } from '../../../src/shared/datasets';
import type { DownloadEvent } from '../../../src/shared/events';
import { filesOf, startMirror, type Mirror } from '../../helpers/mirror-server';
import { snapshotTree } from '../../helpers/home-snapshot';
import { FASHION_MNIST_DIR, mnistFixtureDir } from '../../helpers/mnist-fixture';
import { tmpDir } from '../../helpers/tmp';

const FASHION = filesOf(FASHION_MNIST_DIR);
const open: (Mirror | Studio)[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function setup(options: Parameters<typeof startMirror>[0] = { files: FASHION }) {
  const mirror = await startMirror(options);
  const studio = createStudio({ home: tmpDir(), shell: 'web' });
  open.push(mirror, studio);
  const events: DownloadEvent[] = [];
  studio.events.on('download', (e) => events.push(e));
  return { mirror, studio, events };
}

describe('datasets handlers (through the dispatcher)', () => {
  it('downloads the official Fashion-MNIST files with the built-in registry entry, once', async () => {
    const { mirror, studio, events } = await setup();
    const input = { id: 'fashion-mnist', mirrors: [mirror.url], defaultMirrors: false };
    const first = await dispatch(studio.handlers, 'datasets:download', input, { shell: 'cli' });
    expect(first.ok, JSON.stringify(first)).toBe(true);
    const value = (first as { value: DownloadResult }).value;
    expect(value.downloadedBytes).toBe(Object.values(FASHION).reduce((a, b) => a + b.length, 0));
    expect(events.map((e) => e.kind).filter((k) => k !== 'progress')).toEqual(['started', 'file-verified', 'file-verified', 'file-verified', 'file-verified', 'done']);

    const again = await dispatch(studio.handlers, 'datasets:download', input, { shell: 'cli' });
    expect(again).toMatchObject({ ok: true, value: { downloadedBytes: 0 } });
    expect(mirror.requests).toHaveLength(4);

    const list = await dispatch(studio.handlers, 'datasets:list', {}, { shell: 'cli' });
    expect(list).toMatchObject({
      ok: true,
      value: [
        { id: 'mnist', status: 'missing' },
        { id: 'fashion-mnist', status: 'ready', origin: { kind: 'download', mirrors: [mirror.url] } },
      ],
    });
    const ds = await loadDataset({ home: studio.home, id: 'fashion-mnist' });
    expect(ds.classNames).toEqual(FASHION_CLASSES);
    expect(ds.digests['t10k-labels-idx1-ubyte']).toBe(DATASETS['fashion-mnist'].files.testLabels.rawSha256[0]);
    const info = await dispatch(studio.handlers, 'datasets:info', { id: 'fashion-mnist', samplesPerClass: 2 }, { shell: 'cli' });
    expect(info).toMatchObject({ ok: true, value: { train: { count: 60000 }, samples: { perClass: 2 } } });
  });

  it('uses the mirrors the user keeps in settings when the call names none', async () => {
    const { mirror, studio } = await setup();
    expect(await dispatch(studio.handlers, 'settings:update', { mirrors: [mirror.url] }, { shell: 'cli' })).toMatchObject({ ok: true });
    const res = await dispatch(studio.handlers, 'datasets:download', { id: 'fashion-mnist', defaultMirrors: false }, { shell: 'cli' });
    expect(res).toMatchObject({ ok: true, value: { files: [{ mirror: mirror.url }, { mirror: mirror.url }, { mirror: mirror.url }, { mirror: mirror.url }] } });
    expect(mirror.requests).toHaveLength(4);
  });

  it('joins two concurrent calls for the same dataset into one download', async () => {
    const { mirror, studio } = await setup({ files: FASHION, fault: () => ({ kind: 'slow', chunkBytes: 4 * 1024 * 1024, intervalMs: 1 }) });
    const input = { id: 'fashion-mnist', mirrors: [mirror.url], defaultMirrors: false };
    const [a, b] = await Promise.all([
      dispatch(studio.handlers, 'datasets:download', input, { shell: 'cli' }),
      dispatch(studio.handlers, 'datasets:download', input, { shell: 'cli' }),
    ]);
    expect(a).toEqual(b);
    expect(mirror.requests.map((r) => r.file).sort()).toEqual(Object.keys(FASHION).sort());
  });

  it('stops a running download when the studio closes', async () => {
    const { mirror, studio } = await setup({ files: FASHION, fault: () => ({ kind: 'slow', chunkBytes: 8 * 1024, intervalMs: 20 }) });
    const call = dispatch(studio.handlers, 'datasets:download', { id: 'fashion-mnist', mirrors: [mirror.url], defaultMirrors: false }, { shell: 'cli' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await studio.close();
    expect(await call).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(fs.readdirSync(`${studio.home}/datasets/fashion-mnist`)).toEqual([]);
  });

  it('rejects bad input naming the field: unknown dataset, non-http mirror, a path as an id', async () => {
    const { studio } = await setup();
    expect(await dispatch(studio.handlers, 'datasets:download', { id: 'cifar-10' }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'id' },
    });
    expect(await dispatch(studio.handlers, 'datasets:download', { id: 'mnist', mirrors: ['file:///etc/'] }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'mirrors.0', message: 'datasets:download: mirrors.0: not an http(s) URL' },
    });
    expect(await dispatch(studio.handlers, 'datasets:download', { id: 'mnist', mirrors: ['https://me:secret@mirror.example/'] }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { field: 'mirrors.0', message: 'datasets:download: mirrors.0: must not hold a user name or password' },
    });
    expect(await dispatch(studio.handlers, 'datasets:info', { id: '../../etc' }, { shell: 'cli' })).toMatchObject({ ok: false, error: { field: 'id' } });
    expect(await dispatch(studio.handlers, 'datasets:import', { paths: [] }, { shell: 'cli' })).toMatchObject({ ok: false, error: { field: 'paths' } });
    expect(await dispatch(studio.handlers, 'datasets:download', { id: 'mnist', mirrors: [], defaultMirrors: false }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'mirrors' },
    });
    expect(await dispatch(studio.handlers, 'datasets:cancel', { id: 'mnist' }, { shell: 'cli' })).toEqual({ ok: true, value: { cancelled: false } });
  });

  it('issue 13: a folder called mnist imports as mnist-import; a failed MNIST download leaves it whole; a broken entry can be deleted and the set imported again', async () => {
    const { mirror, studio } = await setup({ files: {} });
    const home = studio.home;
    // A subset of MNIST in a folder named like the registry's dataset: not MNIST, so not its id.
    const folder = path.join(tmpDir(), 'mnist');
    fs.cpSync(mnistFixtureDir(), folder, { recursive: true });
    const imported = await dispatch(studio.handlers, 'datasets:import', { paths: [folder] }, { shell: 'cli' });
    expect(imported).toMatchObject({ ok: true, value: { id: 'mnist-import', status: 'ready', builtin: false } });
    const again = await dispatch(studio.handlers, 'datasets:import', { paths: [folder] }, { shell: 'cli' });
    expect(again).toMatchObject({ ok: true, value: { id: 'mnist-import-2' } });
    const kept = snapshotTree(path.join(home, 'datasets'));

    // No network (the mirror has no files): the download fails and removes nothing of the imported sets.
    const download = await dispatch(studio.handlers, 'datasets:download', { id: 'mnist', mirrors: [mirror.url], defaultMirrors: false }, { shell: 'cli' });
    expect(download).toMatchObject({ ok: false, error: { code: 'NETWORK' } });
    expect(snapshotTree(path.join(home, 'datasets'))).toEqual(kept);

    // A broken entry (dataset.json left, its files gone) is deleted whole; nothing outside its folder changes.
    for (const f of fs.readdirSync(path.join(home, 'datasets', 'mnist-import'))) if (f !== 'dataset.json') fs.rmSync(path.join(home, 'datasets', 'mnist-import', f));
    const outside = path.join(tmpDir(), 'outside.txt');
    fs.writeFileSync(outside, 'not the studio’s');
    fs.symlinkSync(outside, path.join(home, 'datasets', 'mnist-import', 'link'));
    const deleted = await dispatch(studio.handlers, 'datasets:delete', { id: 'mnist-import' }, { shell: 'cli' });
    expect(deleted).toEqual({ ok: true, value: { id: 'mnist-import', dir: path.join(home, 'datasets', 'mnist-import') } });
    expect(fs.readFileSync(outside, 'utf8')).toBe('not the studio’s');
    expect(fs.readdirSync(path.join(home, 'datasets')).sort()).toEqual(['mnist', 'mnist-import-2']);
    expect(await dispatch(studio.handlers, 'datasets:import', { paths: [folder], name: 'mnist-import' }, { shell: 'cli' })).toMatchObject({ ok: true, value: { status: 'ready' } });
    expect(await dispatch(studio.handlers, 'datasets:delete', { id: 'nothing-here' }, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', field: 'id' } });
    expect(await dispatch(studio.handlers, 'datasets:delete', { id: '../runs' }, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('refuses to delete a dataset while its download runs', async () => {
    const { mirror, studio } = await setup({ files: FASHION, fault: () => ({ kind: 'slow', chunkBytes: 1024, intervalMs: 50 }) });
    const running = dispatch(studio.handlers, 'datasets:download', { id: 'fashion-mnist', mirrors: [mirror.url], defaultMirrors: false }, { shell: 'cli' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await dispatch(studio.handlers, 'datasets:delete', { id: 'fashion-mnist' }, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'BUSY', field: 'id' } });
    await dispatch(studio.handlers, 'datasets:cancel', { id: 'fashion-mnist' }, { shell: 'cli' });
    expect(await running).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(await dispatch(studio.handlers, 'datasets:delete', { id: 'fashion-mnist' }, { shell: 'cli' })).toMatchObject({ ok: true });
  });
});
