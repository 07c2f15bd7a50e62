/**
 * Decompressed copies of a home data set's gzip IDX files, so that a run
 * reads its images without inflating them first (Fashion-MNIST's training
 * images: ~0.3 s of gunzip on this kind of machine, on the way to the first
 * step). A copy is `cache/idx/<sha256>`: the raw IDX bytes whose SHA-256 the
 * data set's manifest recorded when it was verified. It is used only while
 * its bytes still have that digest (checked as it is read, as the data
 * set's own files are), written atomically once a run has read and
 * verified the gzip (only where the disk keeps 1 GiB free beside it), and
 * removed with the data set. The data set's own
 * files are never written.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { IdxRole } from '@shared/datasets';
import { writeFileAtomic } from '../fs-atomic';
import { IdxChecker, type IdxReport } from './idx';

/** What a copy is checked against: the digests a data set's manifest recorded for its files. */
interface Recorded {
  files: Record<IdxRole, { sha256: string }>;
}

const DIGEST = /^[0-9a-f]{64}$/;

/** The folder of a home's copies. */
export function rawCopiesDir(home: string): string {
  return path.join(home, 'cache', 'idx');
}

/** Where the copy of the raw bytes with this SHA-256 lives. */
export function rawCopyPath(home: string, sha256: string): string {
  if (!DIGEST.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
  return path.join(rawCopiesDir(home), sha256);
}

/**
 * The copy of `sha256`'s bytes, read and checked as `readIdxFile` checks any
 * IDX file; null when there is none or it no longer has that digest (a
 * damaged copy is removed, and the caller reads the data set's own file).
 */
export async function readRawCopy(home: string, sha256: string, label: string, kind: 'images' | 'labels'): Promise<IdxReport | null> {
  const file = rawCopyPath(home, sha256);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    return null;
  }
  // Whole, not streamed: a copy is at most what its data set verified, and one read and one digest is half the time.
  try {
    const checker = new IdxChecker(label, { kind }, { keepData: true });
    checker.push(bytes);
    const found = checker.finish();
    if (found.rawSha256 === sha256) return { ...found, gzip: false, fileBytes: bytes.length, fileSha256: sha256 };
  } catch {
    // Not an IDX file any more: removed below, as a copy with another digest is.
  }
  await fs.rm(file, { force: true }).catch(() => {});
  return null;
}

async function missing(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return false;
  } catch {
    return true;
  }
}

/**
 * Writes the copies a data set lacks, from the raw IDX bytes of each role
 * (`bytes`), each only if its bytes have the digest the manifest recorded:
 * a copy is never something the data set did not verify as.
 */
export async function saveRawCopies(home: string, manifest: Recorded, bytes: Partial<Record<IdxRole, Uint8Array>>): Promise<number> {
  let written = 0;
  for (const [role, data] of Object.entries(bytes) as [IdxRole, Uint8Array][]) {
    const sha256 = manifest.files[role].sha256;
    const file = rawCopyPath(home, sha256);
    if (!(await missing(file))) continue;
    if (crypto.createHash('sha256').update(data).digest('hex') !== sha256) continue;
    // A cache must never take the room a model or a run record needs: only with plenty to spare.
    if ((await freeBytes(home)) < data.length + KEEP_FREE_BYTES) break;
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, data);
    written++;
  }
  return written;
}

/** Room a disk keeps beyond a copy for the copy to be written (1 GiB). */
export const KEEP_FREE_BYTES = 1024 ** 3;

/** Bytes free to this user on the disk of `home` (0 when that cannot be told). */
async function freeBytes(home: string): Promise<number> {
  try {
    const s = await fs.statfs(home);
    return s.bavail * s.bsize;
  } catch {
    return 0;
  }
}

/** Removes the copies of a data set's files (with the data set). */
export async function removeRawCopies(home: string, manifest: Recorded): Promise<void> {
  for (const record of Object.values(manifest.files)) await fs.rm(rawCopyPath(home, record.sha256), { force: true });
}

/** Removes every copy whose digest is not in `inUse`, and returns their paths; files not named by a digest are left alone. */
export async function removeRawCopiesExcept(home: string, inUse: ReadonlySet<string>): Promise<string[]> {
  const dir = rawCopiesDir(home);
  const names = await fs.readdir(dir).catch(() => []);
  const removed: string[] = [];
  for (const name of names) {
    if (!DIGEST.test(name) || inUse.has(name)) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removed.push(path.join(dir, name));
  }
  return removed;
}
