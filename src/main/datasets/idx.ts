import zlib from 'node:zlib';
import { StudioError } from '@shared/result';

/** What a file is expected to hold. */
export interface IdxExpectation {
  kind: 'images' | 'labels';
  /** Exact item count when known (e.g. 60000), else any. */
  count?: number;
}

export interface IdxData {
  count: number;
  /** Raw unsigned bytes after the header: count×28×28 pixels, or count labels. */
  data: Uint8Array;
}

/** Largest decompressed IDX file accepted: MNIST's train images are 47 MB. */
export const MAX_IDX_BYTES = 64 * 1024 * 1024;

const IMAGE_MAGIC = 0x00000803;
const LABEL_MAGIC = 0x00000801;

function bad(file: string, what: string): StudioError {
  return new StudioError('INTEGRITY', `${file}: ${what}`);
}

/** Decompresses when the bytes are gzip, capped at MAX_IDX_BYTES; raw IDX passes through. */
export function maybeGunzip(bytes: Uint8Array, file: string, cap = MAX_IDX_BYTES): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return zlib.gunzipSync(bytes, { maxOutputLength: cap });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw bad(file, `decompresses to more than ${cap} bytes`);
      throw bad(file, `not a valid gzip file (${(err as Error).message})`);
    }
  }
  return bytes;
}

/** Parses and checks one IDX file (already decompressed). Every failure names the file and the defect. */
export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpectation): IdxData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = expect.kind === 'images' ? 16 : 8;
  if (bytes.length < headerLength) throw bad(file, `too short for an IDX ${expect.kind} header (${bytes.length} bytes)`);
  const magic = view.getUint32(0);
  const wantMagic = expect.kind === 'images' ? IMAGE_MAGIC : LABEL_MAGIC;
  if (magic !== wantMagic) {
    throw bad(file, `magic number 0x${magic.toString(16).padStart(8, '0')} is not IDX ${expect.kind} (0x${wantMagic.toString(16).padStart(8, '0')})`);
  }
  const count = view.getUint32(4);
  if (expect.count !== undefined && count !== expect.count) throw bad(file, `holds ${count} ${expect.kind}, expected ${expect.count}`);
  if (expect.kind === 'images') {
    const rows = view.getUint32(8);
    const cols = view.getUint32(12);
    if (rows !== 28 || cols !== 28) throw bad(file, `images are ${rows}×${cols}, expected 28×28`);
  }
  const itemBytes = expect.kind === 'images' ? 784 : 1;
  const want = headerLength + count * itemBytes;
  if (bytes.length !== want) throw bad(file, `is ${bytes.length} bytes, its header says ${want}`);
  const data = bytes.subarray(headerLength);
  if (expect.kind === 'labels') {
    for (let i = 0; i < data.length; i++) {
      if (data[i]! > 9) throw bad(file, `label ${data[i]} at index ${i} is not a class from 0 to 9`);
    }
  }
  return { count, data };
}
