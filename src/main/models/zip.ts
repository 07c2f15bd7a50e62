/**
 * Reading and writing .zip files for the model library, with yauzl and
 * yazl. Reading is for files from anywhere: entry count and sizes are
 * capped before a byte is inflated, names that climb out (`..`, absolute)
 * and symbolic links are refused, and yauzl checks that each entry
 * inflates to exactly its declared size.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';

/** A .zip the studio will not read; the message names the archive and the entry. */
export class ZipError extends Error {
  override readonly name = 'ZipError';
}

export interface ZipLimits {
  /** Entries, folders included. */
  maxEntries: number;
  /** Bytes of all entries once inflated. */
  maxTotalBytes: number;
  /** Bytes of one entry once inflated. */
  maxEntryBytes: number;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // strictFileNames: a backslash in a name is refused rather than read as a folder separator.
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true }, (err, zip) =>
      err ? reject(new ZipError(`${file}: not a readable .zip (${err.message})`)) : resolve(zip),
    );
  });
}

/** Every entry's header, read without inflating anything; the limits are checked as they come. */
async function entries(zip: yauzl.ZipFile, file: string, limits: ZipLimits): Promise<yauzl.Entry[]> {
  if (zip.entryCount > limits.maxEntries) throw new ZipError(`${file}: ${zip.entryCount} entries; an archive here has at most ${limits.maxEntries}`);
  const list: yauzl.Entry[] = [];
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (mode === S_IFLNK) return reject(new ZipError(`${file}: entry ${name} is a symbolic link; links are not allowed`));
      if (name.split('/').some((part) => part === '..') || name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
        return reject(new ZipError(`${file}: entry ${name} points outside the archive's folder`));
      }
      if (entry.uncompressedSize > limits.maxEntryBytes)
        return reject(new ZipError(`${file}: entry ${name} inflates to ${entry.uncompressedSize} bytes; at most ${limits.maxEntryBytes} are allowed`));
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) return reject(new ZipError(`${file}: its entries inflate to more than ${limits.maxTotalBytes} bytes`));
      list.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (err: Error) => reject(new ZipError(`${file}: ${err.message}`)));
    zip.readEntry();
  });
  return list;
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))));
}

/**
 * Extracts the files of an archive holding one flat folder (at its root or
 * inside a single top folder) into `dest`, which must exist and be empty.
 * Returns the plain names written.
 */
export async function extractFlatZip(file: string, dest: string, limits: ZipLimits): Promise<string[]> {
  const zip = await openZip(file);
  try {
    const files = (await entries(zip, file, limits)).filter((e) => !e.fileName.endsWith('/'));
    const folders = new Set(files.map((e) => path.posix.dirname(e.fileName)));
    if (folders.size > 1) throw new ZipError(`${file}: files in several folders (${[...folders].slice(0, 3).join(', ')}); an archive here holds one folder`);
    const written: string[] = [];
    for (const entry of files) {
      const base = path.posix.basename(entry.fileName);
      if (written.includes(base)) throw new ZipError(`${file}: entry ${entry.fileName} appears twice`);
      // 'wx': never follow or replace anything already at the name.
      await pipeline(await entryStream(zip, entry), fs.createWriteStream(path.join(dest, base), { flags: 'wx' }));
      written.push(base);
    }
    return written;
  } catch (err) {
    if (err instanceof ZipError) throw err;
    throw new ZipError(`${file}: ${(err as Error).message}`);
  } finally {
    zip.close();
  }
}

/** Reads one entry of an archive into memory (a manifest), within the limits. Null when the archive has no such entry. */
export async function readZipEntries(file: string, limits: ZipLimits, wanted: (name: string) => boolean): Promise<Map<string, Buffer>> {
  const zip = await openZip(file);
  try {
    const out = new Map<string, Buffer>();
    for (const entry of await entries(zip, file, limits)) {
      if (entry.fileName.endsWith('/') || !wanted(entry.fileName)) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of (await entryStream(zip, entry)) as AsyncIterable<Buffer>) chunks.push(chunk);
      out.set(entry.fileName, Buffer.concat(chunks));
    }
    return out;
  } catch (err) {
    if (err instanceof ZipError) throw err;
    throw new ZipError(`${file}: ${(err as Error).message}`);
  } finally {
    zip.close();
  }
}

/** Writes `files` (archive name → bytes or a file on disk) as a .zip at `dest`, flushed. */
export async function writeZip(dest: string, files: { name: string; data?: Uint8Array | string; file?: string }[]): Promise<void> {
  const zip = new yazl.ZipFile();
  // A fixed date: the same model exports to the same bytes.
  const mtime = new Date(Date.UTC(2020, 0, 1));
  for (const f of files) {
    if (f.file !== undefined) zip.addFile(f.file, f.name, { mtime, mode: 0o100644 });
    else zip.addBuffer(Buffer.from(f.data ?? ''), f.name, { mtime, mode: 0o100644 });
  }
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(dest, { flags: 'wx' }));
  // A write stream cannot fsync: flush through a second handle (a FileHandle's own stream never settles a sync here).
  const handle = await fsp.open(dest, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
