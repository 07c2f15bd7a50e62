import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { dispatch } from '../../../src/main/dispatch';
import { loadDataset } from '../../../src/main/datasets/load';
import { readZipEntries } from '../../../src/main/models/zip';
import { createStudio, type Studio } from '../../../src/main/studio';
import { PIXELS } from '../../../src/shared/datasets';
import { mnistPreprocess, toGrayscale } from '../../../src/shared/preprocess';
import { personalPixels, rasterizeStrokes } from '../../../src/shared/personal';
import { drawnDigit } from '../../helpers/drawn-digits';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { call } from '../../helpers/studio-home';
import { tmpDir } from '../../helpers/tmp';

const open: Studio[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function studio(): Studio {
  const s = createStudio({ home: tmpDir(), shell: 'web' });
  open.push(s);
  return s;
}

const round = (seed: number) => Array.from({ length: 10 }, (_, d) => ({ label: d, strokes: drawnDigit(d, seed) }));

describe('personal sets', () => {
  it('paints strokes as the pad does: a round pen, ink as opacity, the same 28×28 as the pad’s RGBA through prediction’s preprocessing', () => {
    const strokes = drawnDigit(7, 3);
    const gray = rasterizeStrokes(strokes);
    // The same coverage as RGBA with ink in its alpha, as the canvas hands it to a prediction.
    const rgba = new Uint8Array(gray.data.length * 4);
    gray.data.forEach((a, i) => {
      rgba.set([17, 17, 17, a], i * 4);
    });
    const viaPad = mnistPreprocess(toGrayscale(rgba, gray.width, gray.height, 4)).pixels;
    expect(Array.from(personalPixels({ strokes }))).toEqual(Array.from(viaPad));
    // The pen is 20 px wide with round caps: a bar from (50, 100) to (200, 100) inks rows 90–109 and columns 40–209.
    const bar = rasterizeStrokes([[50, 100, 200, 100]]).data;
    expect(Array.from({ length: 280 }, (_, y) => bar[y * 280 + 120]!).filter((v) => v > 127)).toHaveLength(20);
    expect(Array.from({ length: 280 }, (_, x) => bar[100 * 280 + x]!).filter((v) => v > 127)).toHaveLength(170);
  });

  it('saves drawings as a personal set, lists it with its samples, reads like any set, and extends it', async () => {
    const s = studio();
    const saved = await call(s, 'datasets:savePersonal', { id: 'my-hand', name: 'My hand', samples: round(1) });
    expect(saved).toMatchObject({ id: 'my-hand', name: 'My hand', personal: true, builtin: false, status: 'ready', train: { count: 10 }, test: { count: 10 } });
    expect(saved.test?.classCounts).toEqual(Array(10).fill(1));
    const list = await call(s, 'datasets:list', {});
    expect(list.find((d) => d.id === 'my-hand')).toMatchObject({ personal: true, status: 'ready' });
    expect(list.find((d) => d.id === 'mnist')).toMatchObject({ personal: false });

    const info = await call(s, 'datasets:info', { id: 'my-hand', samplesPerClass: 4 });
    expect(Array.from(info.samples.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(info.samples.images.subarray(3 * PIXELS, 4 * PIXELS))).toEqual(Array.from(personalPixels({ strokes: drawnDigit(3, 1) })));

    const loaded = await loadDataset({ home: s.home, id: 'my-hand' });
    expect(loaded.test.count).toBe(10);
    expect(loaded.name).toBe('My hand');
    // Every drawing is a digit in the 20×20 box, centred by mass (MNIST's layout).
    for (let i = 0; i < 10; i++) {
      const img = loaded.test.images.subarray(i * PIXELS, (i + 1) * PIXELS);
      let mass = 0;
      let mx = 0;
      let my = 0;
      img.forEach((v, p) => {
        mass += v;
        mx += v * (p % 28);
        my += v * Math.floor(p / 28);
      });
      expect(mass).toBeGreaterThan(255 * 30);
      expect(Math.abs(mx / mass - 14)).toBeLessThan(1.5);
      expect(Math.abs(my / mass - 14)).toBeLessThan(1.5);
    }

    const more = await call(s, 'datasets:savePersonal', { id: 'my-hand', samples: round(2).slice(0, 4), extend: true });
    expect(more).toMatchObject({ name: 'My hand', test: { count: 14 } });
    const strokes = JSON.parse(fs.readFileSync(path.join(s.home, 'datasets', 'my-hand', 'strokes.json'), 'utf8')) as { samples: unknown[] };
    expect(strokes.samples).toHaveLength(14);
    expect((await loadDataset({ home: s.home, id: 'my-hand' })).test.labels.slice(10)).toEqual(Uint8Array.from([0, 1, 2, 3]));
  });

  it('refuses a taken id for a new set, extending a set that is not personal, and bad drawings, naming the field', async () => {
    const s = studio();
    await call(s, 'datasets:savePersonal', { id: 'my-hand', samples: round(1) });
    const taken = await dispatch(s.handlers, 'datasets:savePersonal', { id: 'my-hand', samples: round(2) }, { shell: 'web' });
    expect(taken).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'id' } });
    expect(taken.ok || taken.error.message).toMatch(/already in the studio home/);

    await call(s, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' });
    const notPersonal = await dispatch(s.handlers, 'datasets:savePersonal', { id: 'digits', samples: round(2), extend: true }, { shell: 'web' });
    expect(notPersonal).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'id' } });
    expect(notPersonal.ok || notPersonal.error.message).toMatch(/not a personal set/);
    const missing = await dispatch(s.handlers, 'datasets:savePersonal', { id: 'nobody', samples: round(2), extend: true }, { shell: 'web' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const badLabel = await dispatch(s.handlers, 'datasets:savePersonal', { id: 'x', samples: [{ label: 10, strokes: drawnDigit(1) }] }, { shell: 'web' });
    expect(badLabel).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'samples.0.label' } });
    const offPad = await dispatch(s.handlers, 'datasets:savePersonal', { id: 'x', samples: [{ label: 1, strokes: [[10, 10, 300, 20]] }] }, { shell: 'web' });
    expect(offPad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'samples.0.strokes.0.2' } });
    const blank = await dispatch(s.handlers, 'datasets:savePersonal', { id: 'x', samples: [{ label: 1, strokes: [] }] }, { shell: 'web' });
    expect(blank).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'samples.0.strokes' } });
    // Nothing of the refused saves is in the home.
    expect(fs.readdirSync(path.join(s.home, 'datasets')).sort()).toEqual(['digits', 'my-hand']);
  });

  it('exports a .zip (personal.json, IDX pair, PNGs) that another home imports as the same personal set', async () => {
    const a = studio();
    await call(a, 'datasets:savePersonal', { id: 'my-hand', name: 'Ann’s digits', samples: [...round(1), ...round(2)] });
    const zip = path.join(tmpDir(), 'my-hand.zip');
    const written = await call(a, 'datasets:exportPersonal', { id: 'my-hand', path: zip });
    expect(written).toMatchObject({ path: zip, count: 20 });
    const again = await dispatch(a.handlers, 'datasets:exportPersonal', { id: 'my-hand', path: zip }, { shell: 'cli' });
    expect(again).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'path' } });

    const entries = await readZipEntries(zip, { maxEntries: 100, maxEntryBytes: 1e7, maxTotalBytes: 1e8 }, () => true);
    expect([...entries.keys()].filter((n) => n.endsWith('.png'))).toHaveLength(20);
    expect(entries.get('images-idx3-ubyte')?.length).toBe(16 + 20 * PIXELS);
    const png = PNG.sync.read(entries.get('png/7/00008.png')!);
    expect([png.width, png.height]).toEqual([28, 28]);
    const original = await loadDataset({ home: a.home, id: 'my-hand' });
    const gray = Array.from({ length: PIXELS }, (_, p) => png.data[p * 4]!);
    expect(gray).toEqual(Array.from(original.test.images.subarray(7 * PIXELS, 8 * PIXELS)));

    const downloaded = await call(a, 'datasets:downloadPersonal', { id: 'my-hand' });
    expect(downloaded).toMatchObject({ fileName: 'my-hand.zip', count: 20 });

    const b = studio();
    const imported = await call(b, 'datasets:import', { paths: [zip] });
    expect(imported).toMatchObject({ id: 'my-hand', name: 'Ann’s digits', personal: true, test: { count: 20 } });
    const copy = await loadDataset({ home: b.home, id: 'my-hand' });
    expect(copy.test.images).toEqual(original.test.images);
    expect(copy.test.labels).toEqual(original.test.labels);
    // A second import of the same .zip takes a free id; a named one that is taken is refused.
    expect(await call(b, 'datasets:import', { paths: [zip] })).toMatchObject({ id: 'my-hand-2' });
    expect(await dispatch(b.handlers, 'datasets:import', { paths: [zip], name: 'my-hand' }, { shell: 'cli' })).toMatchObject({ ok: false, error: { field: 'name' } });
  });
});
