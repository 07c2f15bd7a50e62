/**
 * The IDX reader against hostile files: fast-check mutations (fixed seed,
 * 1,000 runs each) of valid IDX files, raw and gzip — header bytes, counts
 * and sizes up to 2³²−1, truncation, trailing bytes, flipped bytes, gzip
 * damage, decompression bombs. Each read ends (no hang) in a report that
 * adds up or in an INTEGRITY StudioError naming the file, and memory stays
 * within the decompression cap.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_IDX_BYTES, readIdxFile, readIdxHead, type IdxReport } from '../../src/main/datasets/idx';
import { idxByteLength, PIXELS, type IdxKind } from '../../src/shared/datasets';
import { StudioError } from '../../src/shared/result';
import { idxImages, idxLabels, realDigits } from '../helpers/mnist-fixture';
import { recordMetric, tmpdirInMemory } from '../helpers/robustness';
import { tmpDir } from '../helpers/tmp';

const RUNS = 1000;
/** Decompression cap of the property runs: small, so a run that allocated past it would show. */
const CAP = 256 * 1024;
/** Longest a read of these small files may take before it counts as a hang. */
const HANG_MS = 15_000;
const MiB = 1024 * 1024;

const digits = realDigits();

// Thousands of small files and the library's fsyncs: kept in memory, so the disk's speed does not set the run time.
tmpdirInMemory();
const peakRss = () => process.resourceUsage().maxRSS * 1024;

type Mutation =
  | { kind: 'u32'; offset: number; value: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'zeros'; length: number };

function mutate(bytes: Buffer, m: Mutation): Buffer {
  switch (m.kind) {
    case 'u32': {
      if (bytes.length < m.offset + 4) return bytes;
      const copy = Buffer.from(bytes);
      copy.writeUInt32BE(m.value >>> 0, m.offset);
      return copy;
    }
    case 'byte': {
      if (bytes.length === 0) return bytes;
      const copy = Buffer.from(bytes);
      copy[m.at % copy.length] = m.value;
      return copy;
    }
    case 'truncate':
      return bytes.subarray(0, m.at % (bytes.length + 1));
    case 'append':
      return Buffer.concat([bytes, m.bytes]);
    case 'zeros':
      return Buffer.concat([bytes, Buffer.alloc(m.length)]);
    default:
      throw new Error(`unknown mutation ${JSON.stringify(m satisfies never)}`);
  }
}

const u32 = fc.oneof(fc.constantFrom(0, 1, 27, 28, 29, 0x7fffffff, 0xffffffff, 0x80000000, Math.floor(CAP / PIXELS), CAP, MAX_IDX_BYTES), fc.nat());
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('u32' as const), offset: fc.constantFrom(0, 4, 8, 12), value: u32 }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('byte' as const), at: fc.oneof(fc.nat(15), fc.nat()), value: fc.nat(255) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 64 }) }) },
  // Past the cap: only gzip keeps such a file small on disk, and the cap must stop it.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('zeros' as const), length: fc.integer({ min: 1, max: 2 * CAP }) }) },
);

const hostileFile = fc.record({
  kind: fc.constantFrom<IdxKind>('images', 'labels'),
  count: fc.integer({ min: 1, max: 6 }),
  mutations: fc.array(mutation, { minLength: 0, maxLength: 3 }),
  gzip: fc.boolean(),
  // Damage to the gzip stream itself: a flipped byte or a cut.
  gzipDamage: fc.option(
    fc.oneof(fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.nat(255) }), fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() })),
    { freq: 3 },
  ),
  expectCount: fc.option(fc.integer({ min: 1, max: 6 }), { freq: 4 }),
});

function validBytes(kind: IdxKind, count: number): Buffer {
  return kind === 'images' ? idxImages(digits.images.subarray(0, count * PIXELS), count) : idxLabels(digits.labels.subarray(0, count * 40));
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${HANG_MS} ms (a hang)`)), HANG_MS);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/** A read either adds up or is a typed refusal naming the file. */
function checkOutcome(outcome: { report: IdxReport } | { error: unknown }, kind: IdxKind, label: string, cap: number): 'read' | 'refused' {
  if ('report' in outcome) {
    const { report } = outcome;
    expect(report.count).toBeGreaterThan(0);
    expect(report.rawBytes).toBe(idxByteLength(kind, report.count));
    expect(report.rawBytes).toBeLessThanOrEqual(cap);
    expect(report.data!.length).toBe(report.rawBytes - (kind === 'images' ? 16 : 8));
    if (kind === 'labels') expect(report.classCounts!.reduce((a, b) => a + b, 0)).toBe(report.count);
    return 'read';
  }
  const err = outcome.error;
  if (!(err instanceof StudioError)) throw new Error(`${label}: an untyped error: ${String(err)}`, { cause: err });
  expect(err.code).toBe('INTEGRITY');
  expect(err.message.startsWith(`${label}: `), err.message).toBe(true);
  expect(err.message.length).toBeLessThan(400);
  return 'refused';
}

describe('fast-check: the IDX reader on mutated files', () => {
  it('reads or refuses (INTEGRITY, naming the file) every mutated file, raw or gzip, within the cap', async () => {
    const dir = tmpDir();
    const before = peakRss();
    const tally = { read: 0, refused: 0 };
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostileFile, async (f) => {
        let bytes = f.mutations.reduce(mutate, validBytes(f.kind, f.count));
        if (f.gzip) {
          bytes = zlib.gzipSync(bytes, { level: 1 });
          if (f.gzipDamage) bytes = mutate(bytes, f.gzipDamage.kind === 'byte' ? { ...f.gzipDamage, at: 10 + (f.gzipDamage.at % Math.max(1, bytes.length - 10)) } : f.gzipDamage);
        } else if (bytes.length > CAP + 64) {
          bytes = bytes.subarray(0, CAP + 64);
        }
        const file = path.join(dir, `hostile-${n++ % 8}.idx${f.gzip ? '.gz' : ''}`);
        fs.writeFileSync(file, bytes);
        const expect_ = { kind: f.kind, ...(f.expectCount !== null ? { count: f.expectCount } : {}) };
        const outcome = await withTimeout(
          readIdxFile(file, file, expect_, { keepData: true, maxBytes: CAP }).then(
            (report) => ({ report }),
            (error: unknown) => ({ error }),
          ),
          file,
        );
        tally[checkOutcome(outcome, f.kind, file, CAP)]++;
        if ('report' in outcome && f.expectCount !== null) expect(outcome.report.count).toBe(f.expectCount);
      }),
      { seed: 4242, numRuns: RUNS },
    );
    const grewMb = (peakRss() - before) / MiB;
    recordMetric({
      category: 'idx-reader',
      name: 'mutated IDX files (raw and gzip), 256 KiB cap',
      runs: RUNS,
      peakRssMb: peakRss() / MiB,
      extra: { ...tally, peakGrowthMb: grewMb },
    });
    // Some mutations leave a valid file, most do not: both paths ran.
    expect(tally.read).toBeGreaterThan(20);
    expect(tally.refused).toBeGreaterThan(RUNS / 2);
    expect(grewMb).toBeLessThan(64);
  });

  it('reads the head of a mutated file or refuses it, reading no further than asked', async () => {
    const dir = tmpDir();
    const tally = { read: 0, refused: 0 };
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostileFile, fc.integer({ min: 1, max: 8 }), async (f, items) => {
        let bytes = f.mutations.reduce(mutate, validBytes(f.kind, f.count));
        if (f.gzip) bytes = zlib.gzipSync(bytes, { level: 1 });
        const file = path.join(dir, `head-${n++ % 8}.idx`);
        fs.writeFileSync(file, bytes);
        const outcome = await withTimeout(
          readIdxHead(file, file, { kind: f.kind }, items).then(
            (data) => ({ data }),
            (error: unknown) => ({ error }),
          ),
          file,
        );
        if ('data' in outcome) {
          expect(outcome.data.length).toBe(items * (f.kind === 'images' ? PIXELS : 1));
          tally.read++;
        } else {
          const err = outcome.error;
          if (!(err instanceof StudioError)) throw new Error(`${file}: an untyped error: ${String(err)}`, { cause: err });
          expect(err.code).toBe('INTEGRITY');
          expect(err.message.startsWith(`${file}: `)).toBe(true);
          tally.refused++;
        }
      }),
      { seed: 4243, numRuns: RUNS },
    );
    recordMetric({ category: 'idx-reader', name: 'head of mutated IDX files', runs: RUNS, extra: tally });
    expect(tally.read).toBeGreaterThan(20);
    expect(tally.refused).toBeGreaterThan(20);
  });
});

/** A gzip file of a 16-byte images header followed by `zeros` zero bytes, written without holding them in memory. */
async function gzipBomb(file: string, count: number, zeros: number): Promise<void> {
  const header = idxImages(new Uint8Array(0), 0);
  header.writeUInt32BE(count, 4);
  const chunk = Buffer.alloc(MiB);
  async function* source() {
    yield header;
    for (let left = zeros; left > 0; left -= chunk.length) yield chunk.subarray(0, Math.min(chunk.length, left));
  }
  await pipeline(source, zlib.createGzip({ level: 9 }), fs.createWriteStream(file));
}

describe('the IDX reader at its real cap (128 MiB)', () => {
  it('refuses huge claims before allocating, and stops a decompression bomb at the cap', async () => {
    const dir = tmpDir();
    const before = peakRss();
    const label = (name: string) => path.join(dir, name);
    const claims: { name: string; bytes?: Buffer; bomb?: { count: number; zeros: number }; error: RegExp }[] = [];
    for (const count of [0xffffffff, 0x80000000, 171_197, 10_000_000]) {
      const header = idxImages(new Uint8Array(0), 0);
      header.writeUInt32BE(count, 4);
      claims.push({ name: `claims-${count}.idx`, bytes: header, error: /more than the 128 MiB cap/ });
    }
    const labels = idxLabels(new Uint8Array(0));
    labels.writeUInt32BE(0xffffffff, 4);
    claims.push({ name: 'labels-claim.idx', bytes: labels, error: /more than the 128 MiB cap/ });
    // Just within the cap by its header, then nothing: refused as truncated.
    const within = Math.floor((MAX_IDX_BYTES - 16) / PIXELS);
    const header = idxImages(new Uint8Array(0), 0);
    header.writeUInt32BE(within, 4);
    claims.push({ name: 'within-cap-but-empty.idx', bytes: header, error: /is truncated: 16 bytes/ });
    // A bomb: a small gzip that inflates past the cap, its header claiming what fits.
    claims.push({
      name: 'bomb.idx.gz',
      bomb: { count: within, zeros: MAX_IDX_BYTES + 8 * MiB },
      error: /decompresses to more than 128 MiB \(the cap\); stopped there|is longer than its header says/,
    });
    for (const c of claims) {
      const file = label(c.name);
      if (c.bomb) await gzipBomb(file, c.bomb.count, c.bomb.zeros);
      else fs.writeFileSync(file, c.bytes!);
      const start = peakRss();
      const err = await withTimeout(
        readIdxFile(file, file, { kind: c.name.startsWith('labels') ? 'labels' : 'images' }, { keepData: true }).then(
          () => null,
          (e: unknown) => e,
        ),
        file,
      );
      expect(err, c.name).toBeInstanceOf(StudioError);
      expect((err as StudioError).code).toBe('INTEGRITY');
      expect((err as StudioError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      expect((err as StudioError).message).toMatch(c.error);
      recordMetric({
        category: 'idx-reader',
        name: c.name,
        runs: 1,
        peakRssMb: peakRss() / MiB,
        extra: { fileBytes: fs.statSync(file).size, peakGrowthMb: (peakRss() - start) / MiB },
      });
    }
    // The bomb may fill a cap's worth of memory, no more.
    expect((peakRss() - before) / MiB).toBeLessThan(MAX_IDX_BYTES / MiB + 64);
  });
});
