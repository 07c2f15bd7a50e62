import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { idxByteLength, IMAGE_SIZE, NUM_CLASSES, PIXELS, type IdxKind } from '@shared/datasets';
import { StudioError } from '@shared/result';

/** What a file is expected to hold. */
export interface IdxExpectation {
  kind: IdxKind;
  /** Exact item count when known (e.g. 60000), else any. */
  count?: number;
  /** Items per class a labels file must hold (a published histogram), else any. */
  classCounts?: readonly number[];
}

export interface IdxReadOptions {
  /** Cap on decompressed bytes: a gzip bomb stops here, and no header may declare more. */
  maxBytes?: number;
  /** Keep the data after the header (loading); verification alone keeps nothing, so its memory stays flat. */
  keepData?: boolean;
}

/** What reading one IDX file found; every field is computed while streaming. */
export interface IdxReport {
  kind: IdxKind;
  count: number;
  /** Decompressed IDX bytes (header included) and their SHA-256. */
  rawBytes: number;
  rawSha256: string;
  /** The bytes as stored: gzip (with their SHA-256) or raw IDX. */
  gzip: boolean;
  fileBytes: number;
  fileSha256: string;
  /** Labels files: items per class. */
  classCounts: number[] | null;
  /** The data after the header, when `keepData`. */
  data: Uint8Array | null;
}

/**
 * Largest decompressed IDX file accepted. MNIST's train images are 47 MB;
 * the cap leaves room for larger MNIST-format sets (EMNIST balanced: 88 MB).
 */
export const MAX_IDX_BYTES = 128 * 1024 * 1024;

const IDX_UNSIGNED_BYTE = 0x08;

function bad(file: string, what: string): StudioError {
  return new StudioError('INTEGRITY', `${file}: ${what}`);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MiB`;
}

/**
 * Checks decompressed IDX bytes as they stream past: the header as soon as
 * it is complete, then each label, then the exact length. Nothing is kept
 * unless asked, so a huge or hostile file costs no memory.
 */
export class IdxChecker {
  private readonly headerLength: number;
  private readonly header: Buffer;
  private headerSeen = 0;
  private dataLength = 0;
  private dataSeen = 0;
  private total = 0;
  private count = 0;
  private data: Uint8Array | null = null;
  private readonly hash = crypto.createHash('sha256');
  private readonly histogram: number[] | null;
  private readonly cap: number;

  constructor(
    private readonly file: string,
    private readonly expect: IdxExpectation,
    private readonly options: IdxReadOptions = {},
  ) {
    this.headerLength = expect.kind === 'images' ? 16 : 8;
    this.header = Buffer.alloc(this.headerLength);
    this.histogram = expect.kind === 'labels' ? new Array<number>(NUM_CLASSES).fill(0) : null;
    this.cap = options.maxBytes ?? MAX_IDX_BYTES;
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.total > this.cap) throw bad(this.file, `decompresses to more than ${mib(this.cap)} (the cap); stopped there`);
    this.hash.update(chunk);
    let offset = 0;
    if (this.headerSeen < this.headerLength) {
      const n = Math.min(this.headerLength - this.headerSeen, chunk.length);
      this.header.set(chunk.subarray(0, n), this.headerSeen);
      this.headerSeen += n;
      offset = n;
      if (this.headerSeen === this.headerLength) this.checkHeader();
    }
    if (offset < chunk.length) this.pushData(chunk.subarray(offset));
  }

  private checkHeader(): void {
    const { file, expect } = this;
    const h = this.header;
    const dims = expect.kind === 'images' ? 3 : 1;
    if (h[0] !== 0 || h[1] !== 0) throw bad(file, `not an IDX file: it starts with ${hex(h.subarray(0, 4))}, not 00 00 08 0${dims}`);
    if (h[2] !== IDX_UNSIGNED_BYTE) throw bad(file, `IDX type byte is 0x${h[2]!.toString(16).padStart(2, '0')}, expected 0x08 (unsigned byte)`);
    if (h[3] !== dims) {
      const other = h[3] === 1 ? ' (a labels file?)' : h[3] === 3 ? ' (an images file?)' : '';
      throw bad(file, `has ${h[3]} IDX dimensions, IDX ${expect.kind} have ${dims}${other}`);
    }
    this.count = h.readUInt32BE(4);
    if (this.count === 0) throw bad(file, `holds no ${expect.kind} (count 0 in its header)`);
    if (expect.count !== undefined && this.count !== expect.count) throw bad(file, `holds ${this.count} ${expect.kind}, expected ${expect.count}`);
    if (expect.kind === 'images') {
      const rows = h.readUInt32BE(8);
      const cols = h.readUInt32BE(12);
      if (rows !== IMAGE_SIZE || cols !== IMAGE_SIZE) throw bad(file, `images are ${rows}×${cols}, expected ${IMAGE_SIZE}×${IMAGE_SIZE}`);
    }
    const declared = idxByteLength(expect.kind, this.count);
    if (declared > this.cap) throw bad(file, `its header declares ${this.count} ${expect.kind} (${mib(declared)}), more than the ${mib(this.cap)} cap`);
    this.dataLength = declared - this.headerLength;
    if (this.options.keepData) this.data = new Uint8Array(this.dataLength);
  }

  private pushData(bytes: Uint8Array): void {
    if (this.dataSeen + bytes.length > this.dataLength) {
      throw bad(this.file, `is longer than its header says: more than ${this.headerLength + this.dataLength} bytes for ${this.count} ${this.expect.kind}`);
    }
    if (this.histogram) {
      for (let i = 0; i < bytes.length; i++) {
        const label = bytes[i]!;
        if (label >= NUM_CLASSES) throw bad(this.file, `label ${label} at index ${this.dataSeen + i} is not a class from 0 to ${NUM_CLASSES - 1}`);
        this.histogram[label]!++;
      }
    }
    this.data?.set(bytes, this.dataSeen);
    this.dataSeen += bytes.length;
  }

  /** Call after the last byte: checks the length and the histogram, and returns what was found. */
  finish(): Omit<IdxReport, 'gzip' | 'fileBytes' | 'fileSha256'> {
    const { file, expect } = this;
    if (this.headerSeen < this.headerLength) {
      throw bad(file, `ends after ${this.total} bytes, inside the ${this.headerLength}-byte IDX ${expect.kind} header`);
    }
    if (this.dataSeen < this.dataLength) {
      throw bad(file, `is truncated: ${this.total} bytes, its header says ${this.headerLength + this.dataLength} for ${this.count} ${expect.kind}`);
    }
    if (this.histogram && expect.classCounts && this.histogram.some((n, i) => n !== expect.classCounts![i])) {
      throw bad(file, `class counts [${this.histogram.join(', ')}] differ from the published [${expect.classCounts.join(', ')}]`);
    }
    return {
      kind: expect.kind,
      count: this.count,
      rawBytes: this.total,
      rawSha256: this.hash.digest('hex'),
      classCounts: this.histogram,
      data: this.data,
    };
  }
}

function gzipError(file: string, err: NodeJS.ErrnoException): StudioError {
  if (err.code === 'Z_BUF_ERROR') return bad(file, 'the gzip data is truncated (it ends before its end marker)');
  return bad(file, `not valid gzip data (${err.message})`);
}

/** Whether the first bytes are the gzip magic number. */
async function startsWithGzip(path: string): Promise<boolean> {
  const handle = await fs.promises.open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Reads and checks one IDX file, gzip or raw, in one streaming pass:
 * decompression is capped, the header is checked before any data is
 * trusted, and digests of both the stored and the decompressed bytes come
 * out. `label` names the file in errors. Every failure is an INTEGRITY
 * StudioError naming the file and the defect.
 */
export async function readIdxFile(path: string, label: string, expect: IdxExpectation, options: IdxReadOptions = {}): Promise<IdxReport> {
  const gzip = await startsWithGzip(path);
  const checker = new IdxChecker(label, expect, options);
  const fileHash = crypto.createHash('sha256');
  let fileBytes = 0;
  const tap = async function* (input: AsyncIterable<Buffer>) {
    for await (const chunk of input) {
      fileHash.update(chunk);
      fileBytes += chunk.length;
      yield chunk;
    }
  };
  const sink = async (input: AsyncIterable<Buffer>) => {
    for await (const chunk of input) checker.push(chunk);
  };
  try {
    if (gzip) {
      // A modest output chunk keeps the inflater's buffers small under a bomb.
      await pipeline(fs.createReadStream(path, { highWaterMark: 256 * 1024 }), tap, zlib.createGunzip({ chunkSize: 64 * 1024 }), sink);
    } else {
      await pipeline(fs.createReadStream(path, { highWaterMark: 256 * 1024 }), tap, sink);
    }
  } catch (err) {
    if (err instanceof StudioError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw gzipError(label, err as NodeJS.ErrnoException);
    throw new StudioError('IO', `${label}: cannot read (${(err as Error).message})`);
  }
  return { ...checker.finish(), gzip, fileBytes, fileSha256: fileHash.digest('hex') };
}

/**
 * The first `items` items of an IDX file (the header is checked), reading no
 * further: a sample grid needs a few hundred images, not the whole file.
 */
export async function readIdxHead(path: string, label: string, expect: IdxExpectation, items: number): Promise<Uint8Array> {
  const gzip = await startsWithGzip(path);
  const headerLength = expect.kind === 'images' ? 16 : 8;
  const itemBytes = expect.kind === 'images' ? PIXELS : 1;
  const want = headerLength + items * itemBytes;
  const out = Buffer.alloc(want);
  let have = 0;
  const source = fs.createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream = gzip ? source.pipe(zlib.createGunzip({ chunkSize: 64 * 1024 })) : source;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const n = Math.min(chunk.length, want - have);
      chunk.copy(out, have, 0, n);
      have += n;
      if (have === want) break;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw gzipError(label, err as NodeJS.ErrnoException);
    throw new StudioError('IO', `${label}: cannot read (${(err as Error).message})`);
  } finally {
    source.destroy();
  }
  const checker = new IdxChecker(label, expect);
  checker.push(out.subarray(0, Math.min(have, headerLength)));
  if (have < want) throw bad(label, `is truncated: ${have} bytes, fewer than the ${want} needed for ${items} ${expect.kind}`);
  return out.subarray(headerLength);
}
