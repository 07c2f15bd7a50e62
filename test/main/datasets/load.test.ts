import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/main/datasets/load';
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
});
