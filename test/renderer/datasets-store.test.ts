import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatBytes, formatCount, formatDuration, hostOf } from '../../src/renderer/src/format';
import { RETRY_NOTE_MS, useDatasetsStore } from '../../src/renderer/src/stores/datasets';

describe('the datasets store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('mentions a retry while it waits and a few seconds after, then lets it go; a newer retry starts the clock again', () => {
    const store = useDatasetsStore();
    const retry = {
      kind: 'retry',
      dataset: 'mnist',
      file: 'train-images-idx3-ubyte.gz',
      mirror: 'http://m/',
      attempt: 1,
      delayMs: 1000,
      fromByte: 5,
      reason: 'connection dropped',
    } as const;
    store.onDownloadEvent(retry);
    expect(store.downloads.mnist?.retry).toMatchObject({ attempt: 1, fromByte: 5 });
    vi.advanceTimersByTime(1000 + RETRY_NOTE_MS - 1);
    store.onDownloadEvent({ ...retry, attempt: 2, fromByte: 9 });
    vi.advanceTimersByTime(1000 + RETRY_NOTE_MS - 1);
    expect(store.downloads.mnist?.retry).toMatchObject({ attempt: 2, fromByte: 9 });
    vi.advanceTimersByTime(1);
    expect(store.downloads.mnist?.retry).toBeNull();
  });

  it('keeps the four files of a registry dataset in order, with the registry sizes until the server says', () => {
    const store = useDatasetsStore();
    store.onDownloadEvent({ kind: 'file-verified', dataset: 'mnist', file: 't10k-labels-idx1-ubyte.gz', status: 'cached', mirror: null, bytes: 4542 });
    expect(store.downloads.mnist?.files.map((f) => [f.name, f.state, f.total])).toEqual([
      ['train-images-idx3-ubyte.gz', 'pending', 9912422],
      ['train-labels-idx1-ubyte.gz', 'pending', 28881],
      ['t10k-images-idx3-ubyte.gz', 'pending', 1648877],
      ['t10k-labels-idx1-ubyte.gz', 'cached', 4542],
    ]);
    // Two failures of mirrors are plenty; only the latest few are kept.
    for (let i = 0; i < 6; i++) store.onDownloadEvent({ kind: 'mirror-failed', dataset: 'mnist', file: 'f', mirror: `http://m${i}/`, reason: 'HTTP 500' });
    expect(store.downloads.mnist?.mirrorFailures.map((f) => f.mirror)).toEqual(['http://m2/', 'http://m3/', 'http://m4/', 'http://m5/']);
  });

  it('a cancellation is an ending of its own, not a failure', () => {
    const store = useDatasetsStore();
    store.onDownloadEvent({ kind: 'started', dataset: 'fashion-mnist', files: [], totalBytes: 10 });
    store.onDownloadEvent({ kind: 'failed', dataset: 'fashion-mnist', error: { code: 'CANCELLED', message: 'Fashion-MNIST download cancelled' } });
    expect(store.downloads['fashion-mnist']).toMatchObject({ phase: 'cancelled', error: { code: 'CANCELLED' } });
  });
});

describe('formatting in the UI language', () => {
  it('sizes and speeds in decimal units, durations, counts', () => {
    expect([formatBytes(999, 'en'), formatBytes(29_515, 'en'), formatBytes(30_878_645, 'en'), formatBytes(2.5e9, 'en')]).toEqual(['999 byte', '29.5 kB', '30.9 MB', '2.5 GB']);
    expect(formatBytes(3_200_000, 'en', true)).toBe('3.2 MB/s');
    expect(formatBytes(3_200_000, 'zh-CN', true)).toBe('3.2 MB/秒');
    expect([formatDuration(9.4, 'en'), formatDuration(75, 'en'), formatDuration(120, 'en'), formatDuration(3700, 'en')]).toEqual(['9 sec', '1 min 15 sec', '2 min', '1 hr 2 min']);
    expect(formatDuration(75, 'zh-CN')).toBe('1分钟15秒');
    expect(formatCount(60000, 'en')).toBe('60,000');
    expect(hostOf('http://127.0.0.1:8080/mnist/')).toBe('127.0.0.1:8080');
    expect(hostOf('not a url')).toBe('not a url');
  });
});
