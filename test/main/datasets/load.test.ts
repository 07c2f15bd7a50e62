import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/main/datasets/load';
import { importDataset } from '../../../src/main/datasets/import';
import { rawCopyPath } from '../../../src/main/datasets/raw-copies';
import { deleteDataset, readManifest, datasetDir, sweepRawCopies } from '../../../src/main/datasets/store';
import { FASHION_MNIST_DIR, mnistFixtureDir, realDigits } from '../../helpers/mnist-fixture';
import { tmpDir } from '../../helpers/tmp';

describe('loadDataset', () => {
  it('reads an MNIST-format folder of real digits, byte for byte', async () => {
    const ds = await loadDataset({ dir: mnistFixtureDir() });
    expect(ds.train.count).toBe(8000);
    expect(ds.test.count).toBe(2000);
    const all = realDigits();
    expect(Buffer.from(ds.train.images.subarray(0, 784 * 3)).equals(Buffer.from(all.images.subarray(0, 784 * 3)))).toBe(true);
    expect(Array.from(ds.test.labels.subarray(0, 20))).toEqual(Array.from(all.labels.subarray(8000, 8020)));
    expect(Object.keys(ds.digests).sort()).toHaveLength(4);
  });

  it('reads the official Fashion-MNIST files of the Debian package', async () => {
    const ds = await loadDataset({ dir: FASHION_MNIST_DIR });
    expect([ds.train.count, ds.test.count]).toEqual([60000, 10000]);
    expect(ds.digests['train-images-idx3-ubyte']).toBe('c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888');
  });

  it('names the file when one is missing or the counts disagree', async () => {
    const dir = tmpDir();
    for (const f of fs.readdirSync(mnistFixtureDir())) fs.copyFileSync(path.join(mnistFixtureDir(), f), path.join(dir, f));
    fs.copyFileSync(path.join(mnistFixtureDir(), 't10k-labels-idx1-ubyte.gz'), path.join(dir, 'train-labels-idx1-ubyte.gz'));
    await expect(loadDataset({ dir })).rejects.toThrow(/train-images-idx3-ubyte.gz holds 8000 images but .*train-labels-idx1-ubyte.gz holds 2000 labels/);
    fs.rmSync(path.join(dir, 't10k-images-idx3-ubyte.gz'));
    fs.copyFileSync(path.join(mnistFixtureDir(), 'train-labels-idx1-ubyte.gz'), path.join(dir, 'train-labels-idx1-ubyte.gz'));
    await expect(loadDataset({ dir })).rejects.toThrow(/t10k-images-idx3-ubyte\(\.gz\): missing/);
  });

  describe('decompressed copies of a home data set', () => {
    function touchCopy(home: string, name: string): string {
      const file = path.join(path.dirname(rawCopyPath(home, '0'.repeat(64))), name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'x');
      return file;
    }
    async function imported(): Promise<{ home: string; copies: string[] }> {
      const home = tmpDir();
      await importDataset({ home, paths: [mnistFixtureDir()], name: 'digits' });
      const manifest = (await readManifest(datasetDir(home, 'digits')))!;
      return { home, copies: Object.values(manifest.files).map((f) => rawCopyPath(home, f.sha256)) };
    }
    type Loaded = Awaited<ReturnType<typeof loadDataset>>;
    const arrays = (ds: Loaded) => [ds.train.images, ds.train.labels, ds.test.images, ds.test.labels];
    const same = (a: Loaded, b: Loaded) => arrays(a).every((x, i) => Buffer.from(x).equals(Buffer.from(arrays(b)[i]!)));

    it('are written by the first read of its gzip files and read by the next, with the same bytes', async () => {
      const { home, copies } = await imported();
      const gz = path.join(datasetDir(home, 'digits'), 'train-images-idx3-ubyte.gz');
      const before = fs.readFileSync(gz);
      expect(copies.some((f) => fs.existsSync(f))).toBe(false);
      const first = await loadDataset({ home, id: 'digits' });
      // Each copy is the raw IDX file whose SHA-256 the manifest recorded.
      for (const f of copies) expect(fs.existsSync(f)).toBe(true);
      expect(fs.statSync(copies[0]!).size).toBe(16 + 8000 * 784);
      // The data set's own files are left as they were.
      expect(fs.readFileSync(gz).equals(before)).toBe(true);
      // Read from the copies: the gzip is not read (here it could not be, it is garbage for a moment).
      fs.writeFileSync(gz, 'not gzip at all');
      try {
        const second = await loadDataset({ home, id: 'digits' });
        expect(same(second, first)).toBe(true);
        expect(second.digests).toEqual(first.digests);
      } finally {
        fs.writeFileSync(gz, before);
      }
    });

    it('are not trusted once changed: the gzip is read again, and the copy made anew', async () => {
      const { home, copies } = await imported();
      const first = await loadDataset({ home, id: 'digits' });
      // A valid IDX file with other pixels: only the recorded digest tells it apart.
      const images = copies[0]!;
      const altered = fs.readFileSync(images);
      altered[16 + 300] = (altered[16 + 300]! + 1) % 256;
      fs.writeFileSync(images, altered);
      fs.writeFileSync(copies[1]!, 'not an IDX file');
      const again = await loadDataset({ home, id: 'digits' });
      expect(same(again, first)).toBe(true);
      const manifest = (await readManifest(datasetDir(home, 'digits')))!;
      expect(fs.readFileSync(images).equals(altered)).toBe(false);
      const crypto = await import('node:crypto');
      expect(crypto.createHash('sha256').update(fs.readFileSync(images)).digest('hex')).toBe(manifest.files.trainImages.sha256);
    });

    it('never fail a read when they cannot be written, and go with the data set', async () => {
      const { home, copies } = await imported();
      // The cache folder cannot be made: a file stands where it would be.
      fs.writeFileSync(path.join(home, 'cache'), 'in the way');
      const ds = await loadDataset({ home, id: 'digits' });
      expect(ds.train.count).toBe(8000);
      expect(copies.some((f) => fs.existsSync(f))).toBe(false);
      fs.rmSync(path.join(home, 'cache'));
      await loadDataset({ home, id: 'digits' });
      for (const f of copies) expect(fs.existsSync(f)).toBe(true);
      await deleteDataset(home, 'digits');
      for (const f of copies) expect(fs.existsSync(f)).toBe(false);
    });

    it('that no data set names any more (a set deleted by hand) go with the home’s sweep; the others stay', async () => {
      const { home, copies } = await imported();
      await importDataset({ home, paths: [mnistFixtureDir()], name: 'twin' });
      await loadDataset({ home, id: 'digits' });
      const stray = touchCopy(home, 'ab'.repeat(32));
      const notes = touchCopy(home, 'notes.txt');
      expect(await sweepRawCopies(home)).toEqual([stray]);
      for (const f of [...copies, notes]) expect(fs.existsSync(f)).toBe(true);
      // The same files under another name keep their copies while that set is there.
      fs.rmSync(datasetDir(home, 'digits'), { recursive: true });
      expect(await sweepRawCopies(home)).toEqual([]);
      fs.rmSync(datasetDir(home, 'twin'), { recursive: true });
      expect((await sweepRawCopies(home)).sort()).toEqual([...copies].sort());
      for (const f of copies) expect(fs.existsSync(f)).toBe(false);
      expect(fs.existsSync(notes)).toBe(true);
    });

    it('are not made for a folder outside the home (no recorded digest to check them against)', async () => {
      const home = tmpDir();
      await loadDataset({ dir: mnistFixtureDir() });
      expect(fs.existsSync(path.join(home, 'cache'))).toBe(false);
    });
  });
});
