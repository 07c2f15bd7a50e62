import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importDataset, roleOfFileName } from '../../../src/main/datasets/import';
import { datasetInfo } from '../../../src/main/datasets/info';
import { loadDataset } from '../../../src/main/datasets/load';
import { listDatasets } from '../../../src/main/datasets/store';
import { FASHION_CLASSES } from '../../../src/shared/datasets';
import type { StudioError } from '../../../src/shared/result';
import { FASHION_MNIST_DIR, mnistFixtureDir, realDigits } from '../../helpers/mnist-fixture';
import { tmpDir } from '../../helpers/tmp';

const FIXTURE = mnistFixtureDir();

/** A copy of the fixture folder under `name`, to break one file of. */
function copyFixture(name = 'my-digits'): string {
  const dir = path.join(tmpDir(), name);
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync(FIXTURE)) if (f.endsWith('.gz')) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

const fail = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as StudioError,
  );

/** Everything under datasets/ of a home, staging folders included. */
const homeListing = (home: string) => (fs.existsSync(path.join(home, 'datasets')) ? fs.readdirSync(path.join(home, 'datasets')).sort() : []);

describe('importDataset', () => {
  it('imports a folder of real digits under its folder name, ready to load', async () => {
    const home = tmpDir();
    const summary = await importDataset({ home, paths: [copyFixture('My Digits!')] });
    expect(summary).toMatchObject({ id: 'my-digits', status: 'ready', builtin: false, files: 4, train: { count: 8000 }, test: { count: 2000 } });
    expect(summary.origin).toMatchObject({ kind: 'import' });
    const ds = await loadDataset({ home, id: summary.id });
    expect(Array.from(ds.test.labels.subarray(0, 50))).toEqual(Array.from(realDigits().labels.subarray(8000, 8050)));
    expect((await listDatasets(home)).map((d) => [d.id, d.status])).toEqual([
      ['mnist', 'missing'],
      ['fashion-mnist', 'missing'],
      ['my-digits', 'ready'],
    ]);
  });

  it('treats a dataset.json beyond its caps as damaged: not listed (no 100 kB name on the screens), and importing again replaces it', async () => {
    const home = tmpDir();
    const summary = await importDataset({ home, paths: [copyFixture()] });
    const file = path.join(summary.dir, 'dataset.json');
    const good = fs.readFileSync(file, 'utf8');
    const listed = async () => (await listDatasets(home)).find((d) => d.id === summary.id);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(good), name: 'x'.repeat(100_000) }));
    expect(await listed()).toBeUndefined();
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(good), classNames: Array(10).fill('y'.repeat(5000)) }));
    expect(await listed()).toBeUndefined();
    // Escapes a terminal would obey (issue 13): the rule a model's name follows.
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(good), name: 'digits\u001b]0;pwned\u0007' }));
    expect(await listed()).toBeUndefined();
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(good), classNames: ['0\u001b[31m', '1', '2', '3', '4', '5', '6', '7', '8', '9'] }));
    expect(await listed()).toBeUndefined();
    fs.writeFileSync(file, good);
    expect(await listed()).toMatchObject({ status: 'ready', name: 'my-digits' });
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(good), origin: { kind: 'import', from: 'z'.repeat(20_000) } }));
    expect(await importDataset({ home, paths: [copyFixture('again')], name: 'my-digits' })).toMatchObject({ id: 'my-digits', status: 'ready' });
    expect(await listed()).toMatchObject({ status: 'ready', origin: { kind: 'import' } });
  });

  it('recognises the official Fashion-MNIST files by digest and names them so', async () => {
    const home = tmpDir();
    const summary = await importDataset({ home, paths: [FASHION_MNIST_DIR] });
    expect(summary).toMatchObject({ id: 'fashion-mnist', name: 'Fashion-MNIST', builtin: true, status: 'ready', train: { count: 60000, classCounts: Array(10).fill(6000) } });
    expect(summary.classNames).toEqual(FASHION_CLASSES);
  });

  it('takes the four files themselves, raw, with the names Kaggle gives them', async () => {
    const src = tmpDir();
    const kaggle = {
      'train-images-idx3-ubyte.gz': 'train-images.idx3-ubyte',
      'train-labels-idx1-ubyte.gz': 'train-labels.idx1-ubyte',
      't10k-images-idx3-ubyte.gz': 't10k-images.idx3-ubyte',
      't10k-labels-idx1-ubyte.gz': 't10k-labels.idx1-ubyte',
    };
    const paths = Object.entries(kaggle).map(([from, to]) => {
      fs.writeFileSync(path.join(src, to), zlib.gunzipSync(fs.readFileSync(path.join(FIXTURE, from))));
      return path.join(src, to);
    });
    const home = tmpDir();
    const summary = await importDataset({ home, paths, name: 'kaggle' });
    expect(summary).toMatchObject({ id: 'kaggle', status: 'ready' });
    expect(fs.readdirSync(summary.dir).sort()).toEqual(['dataset.json', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
  });

  it('refuses a folder with one bad file, naming it, and leaves nothing in the home', async () => {
    const dir = copyFixture();
    const labels = zlib.gunzipSync(fs.readFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz')));
    labels[8 + 1234] = 11;
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labels));
    const home = tmpDir();
    const err = await fail(importDataset({ home, paths: [dir] }));
    expect(err).toMatchObject({ code: 'INTEGRITY', message: `${path.join(dir, 't10k-labels-idx1-ubyte.gz')}: label 11 at index 1234 is not a class from 0 to 9` });
    expect(homeListing(home)).toEqual([]);
  });

  it('refuses files that claim to be MNIST but are not, and counts that disagree', async () => {
    const home = tmpDir();
    const claimed = await fail(importDataset({ home, paths: [copyFixture()], name: 'mnist' }));
    expect(claimed?.code).toBe('INTEGRITY');
    expect(claimed?.message).toMatch(/train-images-idx3-ubyte\.gz: holds 8000 images, expected 60000$/);
    const dir = copyFixture();
    fs.copyFileSync(path.join(FIXTURE, 't10k-labels-idx1-ubyte.gz'), path.join(dir, 'train-labels-idx1-ubyte.gz'));
    const mixed = await fail(importDataset({ home, paths: [dir] }));
    expect(mixed?.message).toMatch(/train-images-idx3-ubyte\.gz holds 8000 images but .*train-labels-idx1-ubyte\.gz holds 2000 labels$/);
    expect(homeListing(home)).toEqual([]);
  });

  it('says which files are missing, which are ambiguous, and refuses to overwrite a dataset', async () => {
    const home = tmpDir();
    const dir = copyFixture();
    fs.rmSync(path.join(dir, 't10k-images-idx3-ubyte.gz'));
    expect(await fail(importDataset({ home, paths: [dir] }))).toMatchObject({
      code: 'NOT_FOUND',
      message: `${dir}: missing t10k-images-idx3-ubyte(.gz) (test images)`,
    });
    fs.copyFileSync(path.join(FIXTURE, 't10k-images-idx3-ubyte.gz'), path.join(dir, 't10k-images-idx3-ubyte.gz'));
    fs.copyFileSync(path.join(FIXTURE, 't10k-images-idx3-ubyte.gz'), path.join(dir, 'test-images.idx3-ubyte.gz'));
    expect((await fail(importDataset({ home, paths: [dir] })))?.message).toMatch(/both it and .* look like the test images; keep one$/);
    fs.rmSync(path.join(dir, 'test-images.idx3-ubyte.gz'));
    await importDataset({ home, paths: [dir], name: 'digits' });
    expect(await fail(importDataset({ home, paths: [dir], name: 'digits' }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'name' });
    expect(homeListing(home)).toEqual(['digits']);
  });

  it('never takes a registry id for files that are not that dataset: a folder named mnist becomes mnist-import, then mnist-import-2 (issue 13)', async () => {
    const home = tmpDir();
    const first = await importDataset({ home, paths: [copyFixture('MNIST')] });
    expect(first).toMatchObject({ id: 'mnist-import', name: 'mnist-import', builtin: false, status: 'ready' });
    expect(await importDataset({ home, paths: [copyFixture('mnist')] })).toMatchObject({ id: 'mnist-import-2' });
    expect(await importDataset({ home, paths: [copyFixture('fashion-mnist')] })).toMatchObject({ id: 'fashion-mnist-import' });
    // Claiming the id is still allowed, and checked: the files must be that dataset's.
    expect(await fail(importDataset({ home, paths: [copyFixture()], name: 'mnist' }))).toMatchObject({ code: 'INTEGRITY' });
    expect(homeListing(home)).toEqual(['fashion-mnist-import', 'mnist-import', 'mnist-import-2']);
  });

  it('tells roles from file names', () => {
    expect(['train-images-idx3-ubyte.gz', 't10k-labels.idx1-ubyte', 'emnist-test-labels-idx1-ubyte', 'README', 'x.json'].map(roleOfFileName)).toEqual([
      'trainImages',
      'testLabels',
      'testLabels',
      null,
      null,
    ]);
  });
});

describe('datasetInfo', () => {
  it('gives counts, class histograms and the first images of each class from the training split', async () => {
    const home = tmpDir();
    await importDataset({ home, paths: [FIXTURE], name: 'digits' });
    const info = await datasetInfo(home, 'digits', 3);
    const all = realDigits();
    const train = Array.from(all.labels.subarray(0, 8000));
    expect(info.train.classCounts).toEqual(Array.from({ length: 10 }, (_, c) => train.filter((l) => l === c).length));
    expect(info.test.count).toBe(2000);
    expect(Array.from(info.samples.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9]);
    // The third sample of class 7 is the third 7 in the file, pixel for pixel.
    const index = train.reduce<number[]>((acc, l, i) => (l === 7 ? [...acc, i] : acc), [])[2]!;
    const k = 7 * 3 + 2;
    expect(Buffer.from(info.samples.images.subarray(k * 784, (k + 1) * 784)).equals(Buffer.from(all.images.subarray(index * 784, (index + 1) * 784)))).toBe(true);
  });

  it('answers NOT_FOUND for a dataset not in the home', async () => {
    await expect(datasetInfo(tmpDir(), 'mnist', 2)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'mnist: is not in the studio home' });
  });
});
