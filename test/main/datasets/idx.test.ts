import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readIdxFile, readIdxHead } from '../../../src/main/datasets/idx';
import { idxImages, idxLabels, realDigits } from '../../helpers/mnist-fixture';
import { tmpDir } from '../../helpers/tmp';

function write(name: string, bytes: Buffer): string {
  const file = path.join(tmpDir(), name);
  fs.writeFileSync(file, bytes);
  return file;
}

const digits = realDigits();
const images = (n: number) => idxImages(digits.images.subarray(0, n * 784), n);
const labels = (n: number) => idxLabels(digits.labels.subarray(0, n));

/** Expects reading `bytes` as `kind` to fail with the file's name followed by `defect`. */
async function expectDefect(bytes: Buffer, kind: 'images' | 'labels', defect: RegExp, expect_: { count?: number; classCounts?: number[] } = {}) {
  const file = write('the-file', bytes);
  const err = await readIdxFile(file, 'the-file', { kind, ...expect_ }).then(
    () => null,
    (e: unknown) => e as Error & { code: string },
  );
  expect(err, `expected ${defect}`).not.toBeNull();
  expect(err!.code).toBe('INTEGRITY');
  expect(err!.message).toMatch(/^the-file: /);
  expect(err!.message.slice('the-file: '.length)).toMatch(defect);
}

describe('readIdxFile', () => {
  it('reads gzip and raw IDX to the same bytes and digest, keeping the data only when asked', async () => {
    const raw = images(50);
    const fromRaw = await readIdxFile(write('raw', raw), 'raw', { kind: 'images', count: 50 }, { keepData: true });
    const fromGz = await readIdxFile(write('gz', zlib.gzipSync(raw)), 'gz', { kind: 'images' }, { keepData: true });
    expect([fromRaw.gzip, fromGz.gzip]).toEqual([false, true]);
    expect(fromGz.rawSha256).toBe(crypto.createHash('sha256').update(raw).digest('hex'));
    expect(fromRaw.rawSha256).toBe(fromGz.rawSha256);
    expect(fromGz.fileSha256).not.toBe(fromGz.rawSha256);
    expect(Buffer.from(fromGz.data!).equals(Buffer.from(digits.images.subarray(0, 50 * 784)))).toBe(true);
    const lab = await readIdxFile(write('l', labels(300)), 'l', { kind: 'labels' });
    expect(lab.data).toBeNull();
    expect(lab.classCounts!.reduce((a, b) => a + b)).toBe(300);
    expect(lab.classCounts![3]).toBe(Array.from(digits.labels.subarray(0, 300)).filter((l) => l === 3).length);
  });

  it('names the file and the defect: magic, type byte, dimensions, sizes, counts', async () => {
    await expectDefect(Buffer.from('PK\x03\x04 this is a zip, not IDX'), 'images', /^not an IDX file: it starts with 50 4b 03 04/);
    const typed = images(2);
    typed[2] = 0x0d;
    await expectDefect(typed, 'images', /^IDX type byte is 0x0d, expected 0x08 \(unsigned byte\)$/);
    await expectDefect(labels(20), 'images', /^has 1 IDX dimensions, IDX images have 3 \(a labels file\?\)$/);
    await expectDefect(images(2), 'labels', /^has 3 IDX dimensions, IDX labels have 1 \(an images file\?\)$/);
    await expectDefect(idxImages(new Uint8Array(27 * 28 * 2), 2, 27, 28), 'images', /^images are 27×28, expected 28×28$/);
    await expectDefect(images(3), 'images', /^holds 3 images, expected 60000$/, { count: 60000 });
    await expectDefect(idxImages(new Uint8Array(0), 0), 'images', /^holds no images/);
    await expectDefect(images(1).subarray(0, 11), 'images', /^ends after 11 bytes, inside the 16-byte IDX images header$/);
    await expectDefect(images(3).subarray(0, 16 + 784 * 2 + 5), 'images', /^is truncated: 1589 bytes, its header says 2368 for 3 images$/);
    await expectDefect(Buffer.concat([labels(5), Buffer.from([1])]), 'labels', /^is longer than its header says: more than 13 bytes for 5 labels$/);
  });

  it('rejects labels out of range and a histogram that differs from the published one', async () => {
    const bad = labels(100);
    bad[8 + 42] = 10;
    await expectDefect(bad, 'labels', /^label 10 at index 42 is not a class from 0 to 9$/);
    const counts = Array.from({ length: 10 }, (_, c) => Array.from(digits.labels.subarray(0, 100)).filter((l) => l === c).length);
    const shifted = [...counts];
    shifted[0]! += 1;
    shifted[1]! -= 1;
    await expectDefect(labels(100), 'labels', /^class counts \[.*\] differ from the published \[.*\]$/, { classCounts: shifted });
    await expect(readIdxFile(write('ok', labels(100)), 'ok', { kind: 'labels', classCounts: counts })).resolves.toMatchObject({ count: 100 });
  });

  it('rejects truncated and corrupt gzip', async () => {
    const gz = zlib.gzipSync(images(40));
    await expectDefect(gz.subarray(0, gz.length - 100), 'images', /^the gzip data is truncated/);
    const corrupt = Buffer.from(gz);
    for (let i = 200; i < 260; i++) corrupt[i] = corrupt[i]! ^ 0x5a;
    await expectDefect(corrupt, 'images', /^not valid gzip data \(.+\)$/);
  });

  it('refuses a header declaring more than the cap before reading the data', async () => {
    const file = write('big', zlib.gzipSync(images(200)));
    await expect(readIdxFile(file, 'big', { kind: 'images' }, { maxBytes: 100_000 })).rejects.toThrow(
      /^big: its header declares 200 images \(0\.15 MiB\), more than the 0\.10 MiB cap$/,
    );
    const huge = images(1);
    huge.writeUInt32BE(0xffffffff, 4);
    await expectDefect(huge, 'images', /^its header declares 4294967295 images \(\d+ MiB\), more than the 128 MiB cap$/);
  });

  it('stops a gzip bomb where its header says the data ends, without holding what it inflates', async () => {
    // 1 GiB of zeros behind a valid 60000-image header, as 64 gzip members of 16 MiB each (about 1 MB on disk).
    const zeros = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat([zlib.gzipSync(idxImages(new Uint8Array(0), 60000)), ...Array<Buffer>(64).fill(zeros)]);
    expect(bomb.length).toBeLessThan(2_000_000);
    const file = write('bomb.gz', bomb);
    // Collected before each reading, so what is counted is what the reader still holds, not garbage not yet swept.
    const gc = collector();
    gc();
    const before = process.memoryUsage();
    const err = await readIdxFile(file, 'bomb.gz', { kind: 'images' }).catch((e: Error) => e);
    gc();
    const after = process.memoryUsage();
    expect((err as Error).message).toBe('bomb.gz: is longer than its header says: more than 47040016 bytes for 60000 images');
    // Nothing of the 47 MB it inflated before stopping is kept.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('readIdxHead', () => {
  it('reads only the first items, checking the header', async () => {
    const file = write('imgs.gz', zlib.gzipSync(images(500)));
    const head = await readIdxHead(file, 'imgs.gz', { kind: 'images' }, 7);
    expect(Buffer.from(head).equals(Buffer.from(digits.images.subarray(0, 7 * 784)))).toBe(true);
    await expect(readIdxHead(write('l', labels(2000)), 'l', { kind: 'images' }, 1)).rejects.toThrow(/^l: has 1 IDX dimensions/);
    await expect(readIdxHead(file, 'imgs.gz', { kind: 'images' }, 501)).rejects.toThrow(/^imgs.gz: is truncated/);
  });
});

/** V8's garbage collector as a function (what --expose-gc gives), switched on from inside the test process. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
