import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../../src/main/dispatch';
import { createStudio, type Studio } from '../../../src/main/studio';
import { PIXELS, type DatasetImages } from '../../../src/shared/datasets';
import { MAX_IMAGES_PER_CALL } from '../../../src/shared/datasets-api';
import { MNIST_FILES, mnistFixtureDir } from '../../helpers/mnist-fixture';
import { tmpDir } from '../../helpers/tmp';

const open: Studio[] = [];
afterEach(async () => {
  for (const studio of open.splice(0)) await studio.close();
});

/** A studio whose home holds the small real-digit fixture, imported as `digits`; and the fixture's test bytes. */
async function withDigits() {
  const dir = mnistFixtureDir({ train: 300, test: 120 });
  const studio = createStudio({ home: tmpDir(), shell: 'web' });
  open.push(studio);
  expect(await dispatch(studio.handlers, 'datasets:import', { paths: [dir], name: 'digits' }, { shell: 'cli' })).toMatchObject({ ok: true });
  const gunzip = (name: string) => zlib.gunzipSync(fs.readFileSync(path.join(dir, `${name}.gz`)));
  const images = gunzip(MNIST_FILES.testImages);
  return {
    studio,
    dir,
    images: images.subarray(16),
    labels: gunzip(MNIST_FILES.testLabels).subarray(8),
    sha256: crypto.createHash('sha256').update(images).digest('hex'),
  };
}

describe('datasets:images', () => {
  it('answers the chosen test images and labels in the order asked, last index included', async () => {
    const { studio, images, labels, sha256 } = await withDigits();
    const res = await dispatch(studio.handlers, 'datasets:images', { id: 'digits', split: 'test', indices: [7, 0, 119, 7], sha256 }, { shell: 'cli' });
    expect(res.ok, JSON.stringify(res)).toBe(true);
    const value = (res as { value: DatasetImages }).value;
    expect(value.split).toBe('test');
    expect(value.indices).toEqual([7, 0, 119, 7]);
    expect([...value.labels]).toEqual([labels[7], labels[0], labels[119], labels[7]]);
    expect(value.images.length).toBe(4 * PIXELS);
    [7, 0, 119, 7].forEach((index, k) => {
      expect(Buffer.from(value.images.subarray(k * PIXELS, (k + 1) * PIXELS)).equals(images.subarray(index * PIXELS, (index + 1) * PIXELS))).toBe(true);
    });
    // Real digits: every image has ink.
    expect(value.images.subarray(0, PIXELS).some((p) => p > 0)).toBe(true);
  });

  it('reads the training split too', async () => {
    const { studio, dir } = await withDigits();
    const train = zlib.gunzipSync(fs.readFileSync(path.join(dir, `${MNIST_FILES.trainImages}.gz`))).subarray(16);
    const res = await dispatch(studio.handlers, 'datasets:images', { id: 'digits', split: 'train', indices: [299] }, { shell: 'cli' });
    expect(res.ok).toBe(true);
    expect(Buffer.from((res as { value: DatasetImages }).value.images).equals(train.subarray(299 * PIXELS))).toBe(true);
  });

  it('refuses an index past the split, too many or no indices, a path as an id, a dataset not there, naming the field', async () => {
    const { studio } = await withDigits();
    expect(await dispatch(studio.handlers, 'datasets:images', { id: 'digits', split: 'test', indices: [3, 120] }, { shell: 'cli' })).toEqual({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'indices.1', message: 'indices.1: digits has 120 test images, so 120 is past the last (119)' },
    });
    expect(await dispatch(studio.handlers, 'datasets:images', { id: 'digits', split: 'test', indices: [-1] }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'indices.0' },
    });
    const many = Array.from({ length: MAX_IMAGES_PER_CALL + 1 }, (_, i) => i % 100);
    expect(await dispatch(studio.handlers, 'datasets:images', { id: 'digits', split: 'test', indices: many }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'indices', message: `datasets:images: indices: must hold 1 to ${MAX_IMAGES_PER_CALL} indices` },
    });
    expect(await dispatch(studio.handlers, 'datasets:images', { id: 'digits', split: 'test', indices: [] }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { field: 'indices' },
    });
    expect(await dispatch(studio.handlers, 'datasets:images', { id: 'digits', split: 'validation', indices: [0] }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { field: 'split' },
    });
    expect(await dispatch(studio.handlers, 'datasets:images', { id: '../digits', split: 'test', indices: [0] }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { field: 'id' },
    });
    expect(await dispatch(studio.handlers, 'datasets:images', { id: 'mnist', split: 'test', indices: [0] }, { shell: 'cli' })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', field: 'id', message: 'mnist: is not in the studio home' },
    });
  });

  it('refuses when the dataset is no longer the one a run was tested on', async () => {
    const { studio } = await withDigits();
    const other = 'ab'.repeat(32);
    const res = await dispatch(studio.handlers, 'datasets:images', { id: 'digits', split: 'test', indices: [0], sha256: other }, { shell: 'cli' });
    expect(res).toMatchObject({ ok: false, error: { code: 'INTEGRITY', field: 'sha256' } });
    expect((res as { error: { message: string } }).error.message).toMatch(
      /^digits: its test images \(SHA-256 [0-9a-f]{12}…\) are not the ones asked for \(abababababab…\): the dataset was replaced since$/,
    );
  });
});
