/**
 * Dataset import against hostile folders (issue 13): named pipes and links
 * named like IDX files, a 2 GiB sparse file, and the CLI killed in the middle
 * of an import. Each refusal is quick, says which file and why, and leaves
 * the studio home as it was (category 'dataset-import', files changed: 0).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../src/main/datasets/import';
import { sweepHome } from '../../src/main/studio';
import type { StudioError } from '../../src/shared/result';
import { BIN } from '../helpers/faults';
import { compareSnapshots, snapshotTree } from '../helpers/home-snapshot';
import { idxImages, mnistFixtureDir } from '../helpers/mnist-fixture';
import { ROOT } from '../helpers/project';
import { recordMetric } from '../helpers/robustness';
import { tmpDir } from '../helpers/tmp';

const FIXTURE = mnistFixtureDir();
const GZ = fs.readdirSync(FIXTURE).filter((f) => f.endsWith('.gz'));
const TRAIN_IMAGES = 'train-images-idx3-ubyte.gz';

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'out', 'main', 'cli.js'))) throw new Error('the CLI is not built: run `npm run build` (npm test does) before these tests');
});

/** A folder holding the fixture's files but `replaced`, which each test makes itself. */
function folderWithout(...replaced: string[]): string {
  const dir = path.join(tmpDir(), 'digits');
  fs.mkdirSync(dir);
  for (const f of GZ) if (!replaced.includes(f)) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

/**
 * The import's outcome, or a timeout: an import that opens a named pipe
 * blocks forever. Each pipe is then opened for writing and closed, which
 * ends the blocked read, so a failing case does not hang the test file.
 */
async function importWithin(ms: number, home: string, paths: string[], fifos: string[] = []): Promise<StudioError | 'imported' | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  const run = importDataset({ home, paths }).then(
    () => 'imported' as const,
    (err: unknown) => err as StudioError,
  );
  const outcome = await Promise.race([run, timeout]);
  clearTimeout(timer);
  if (outcome === 'timed out') {
    for (const fifo of fifos) {
      try {
        fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // ENXIO: nobody reads it.
      }
    }
    await run;
  }
  return outcome;
}

function mkfifo(file: string): void {
  const made = spawnSync('mkfifo', [file]);
  if (made.status !== 0) throw new Error(`mkfifo ${file}: ${made.stderr.toString()}`);
}

/** Runs `fn` against a fresh home and records how many of its files changed (must be 0). */
async function caseOn(name: string, fn: (home: string) => Promise<void>): Promise<void> {
  const home = tmpDir();
  // A dataset already there, which no refusal may touch.
  await importDataset({ home, paths: [FIXTURE], name: 'kept' });
  const before = snapshotTree(home);
  await fn(home);
  const { changed, added } = compareSnapshots(before, snapshotTree(home));
  recordMetric({ category: 'dataset-import', name, filesChanged: changed.length + added.length });
  expect([...changed, ...added]).toEqual([]);
  // No staging folder either (an empty one holds no file to compare).
  expect(fs.readdirSync(path.join(home, 'datasets'))).toEqual(['kept']);
}

describe('dataset-import', () => {
  it('refuses four named pipes named like the IDX files at once, without opening one', async () => {
    await caseOn('four FIFOs', async (home) => {
      const dir = folderWithout(...GZ);
      const fifos = GZ.map((f) => path.join(dir, f));
      for (const f of fifos) mkfifo(f);
      const started = performance.now();
      const outcome = await importWithin(3000, home, [dir], fifos);
      expect(outcome).toMatchObject({ code: 'INVALID_ARGUMENT', message: `${fifos[2]}: a named pipe, not a regular file; nothing was read from it` });
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });

  it('refuses a named pipe given as one of the four files', async () => {
    await caseOn('a FIFO among the files', async (home) => {
      const dir = folderWithout('t10k-labels-idx1-ubyte.gz');
      const fifo = path.join(dir, 't10k-labels-idx1-ubyte.gz');
      mkfifo(fifo);
      const outcome = await importWithin(
        3000,
        home,
        GZ.map((f) => path.join(dir, f)),
        [fifo],
      );
      expect(outcome).toMatchObject({ code: 'INVALID_ARGUMENT', message: `${fifo}: a named pipe, not a regular file; nothing was read from it` });
    });
  });

  it('refuses a link out of the folder, even to a good IDX file', async () => {
    await caseOn('a link out of the folder', async (home) => {
      const dir = folderWithout(TRAIN_IMAGES);
      const outside = path.join(FIXTURE, TRAIN_IMAGES);
      fs.symlinkSync(outside, path.join(dir, TRAIN_IMAGES));
      const outcome = await importWithin(5000, home, [dir]);
      expect(outcome).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: `${path.join(dir, TRAIN_IMAGES)}: a symbolic link to ${fs.realpathSync(outside)}, outside ${fs.realpathSync(dir)}: copy the file itself into the folder`,
      });
    });
  });

  it('refuses a link to a device, and a link inside the folder to a named pipe', async () => {
    await caseOn('links to a device and a FIFO', async (home) => {
      const dir = folderWithout(TRAIN_IMAGES);
      fs.symlinkSync('/dev/zero', path.join(dir, TRAIN_IMAGES));
      expect(await importWithin(3000, home, [dir])).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/a symbolic link to \/dev\/zero, outside /) });
      fs.rmSync(path.join(dir, TRAIN_IMAGES));
      fs.mkdirSync(path.join(dir, 'store'));
      const fifo = path.join(dir, 'store', 'pipe');
      mkfifo(fifo);
      fs.symlinkSync(fifo, path.join(dir, TRAIN_IMAGES));
      expect(await importWithin(3000, home, [dir], [fifo])).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: `${path.join(dir, TRAIN_IMAGES)}: a named pipe, not a regular file; nothing was read from it`,
      });
    });
  });

  it('takes a link inside the folder to a file inside it (an alias the user made), as that file', async () => {
    const home = tmpDir();
    const dir = folderWithout(TRAIN_IMAGES);
    fs.mkdirSync(path.join(dir, 'store'));
    fs.copyFileSync(path.join(FIXTURE, TRAIN_IMAGES), path.join(dir, 'store', 'train.gz'));
    fs.symlinkSync(path.join('store', 'train.gz'), path.join(dir, TRAIN_IMAGES));
    expect(await importWithin(5000, home, [dir])).toBe('imported');
    const stored = path.join(home, 'datasets', 'digits', TRAIN_IMAGES);
    expect(fs.lstatSync(stored).isFile()).toBe(true);
    expect(fs.readFileSync(stored).equals(fs.readFileSync(path.join(FIXTURE, TRAIN_IMAGES)))).toBe(true);
  });

  it('refuses a 2 GiB file by its size before copying a byte', async () => {
    await caseOn('a 2 GiB sparse file', async (home) => {
      const dir = folderWithout('train-images-idx3-ubyte.gz');
      const big = path.join(dir, 'train-images-idx3-ubyte');
      fs.writeFileSync(big, idxImages(new Uint8Array(0), 0).subarray(0, 16));
      fs.truncateSync(big, 2 * 1024 ** 3);
      const started = performance.now();
      const outcome = await importWithin(20_000, home, [dir]);
      const ms = performance.now() - started;
      recordMetric({ category: 'dataset-import', name: 'a 2 GiB sparse file: ms to refuse', extra: { ms: Math.round(ms) } });
      expect(outcome).toMatchObject({ code: 'INTEGRITY', message: `${big}: 2147483648 bytes, more than the 134217728 any MNIST-format file holds; nothing was copied` });
      expect(ms).toBeLessThan(1000);
    });
  });

  it('a CLI killed mid-import leaves a staging folder that the next start sweeps', async () => {
    // Files large enough that the copy and the check take a while: 150,000 blank images (sparse) and their labels.
    const dir = folderWithout('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
    const count = 150_000;
    const images = path.join(dir, 'train-images-idx3-ubyte');
    fs.writeFileSync(images, Buffer.from([0, 0, 8, 3, (count >>> 24) & 255, (count >>> 16) & 255, (count >>> 8) & 255, count & 255, 0, 0, 0, 28, 0, 0, 0, 28]));
    fs.truncateSync(images, 16 + count * 784);
    const labels = Buffer.alloc(8 + count);
    labels.writeUInt32BE(0x801, 0);
    labels.writeUInt32BE(count, 4);
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labels);
    const home = tmpDir();
    const root = path.join(home, 'datasets');
    const child = spawn(process.execPath, [BIN, 'import', dir, '--home', home], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let staging: string[] = [];
    for (let i = 0; i < 2000 && staging.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      staging = fs.existsSync(root) ? fs.readdirSync(root).filter((f) => f.startsWith('.')) : [];
    }
    child.kill('SIGKILL');
    await exited;
    expect(staging).toHaveLength(1);
    expect(fs.readdirSync(root)).toEqual(staging);
    const removed = await sweepHome(home);
    expect(removed).toEqual([path.join(root, staging[0]!)]);
    expect(fs.readdirSync(root)).toEqual([]);
    recordMetric({ category: 'dataset-import', name: 'CLI killed mid-import: staging folders left after the sweep', filesChanged: fs.readdirSync(root).length });
  }, 30_000);
});
