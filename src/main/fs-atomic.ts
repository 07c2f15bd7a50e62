import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** A temporary name beside `target`, unique to this process and call. */
export function tempSibling(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes a file so that readers see the old content or the new, never a
 * part: a temporary file, flushed to disk, then renamed over the target.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** JSON, indented for people unless `compact` (large series nobody reads by eye). */
export function writeJsonAtomic(file: string, value: unknown, options: { compact?: boolean } = {}): Promise<void> {
  return writeFileAtomic(file, `${options.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
}
