import crypto from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** A temporary name beside `target`, unique to this process and call. */
export function tempSibling(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
}

/** A `tempSibling` name; its first group is the writer's process id. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** Whether a process `pid` runs on this machine (EPERM: it does, as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temporary this old is a crash's even if its process id is in use again (by another program). */
const STALE_MS = 24 * 3600_000;

/**
 * Removes the temporaries in `dir` whose writer is no longer running (or
 * that are a day old): what a crash or a kill in the middle of an atomic
 * write leaves behind. They are never read, dot names being skipped
 * everywhere, but they take space; a half-built model folder can be large.
 * A writer still running keeps its temporary. Returns the names removed; a
 * missing `dir` has none.
 */
export async function sweepTemporaries(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1] ?? NaN);
    if (Number.isNaN(pid) || pid === process.pid) continue;
    const full = path.join(dir, name);
    const stat = await fs.lstat(full).catch(() => null);
    if (!stat || (running(pid) && now - stat.mtimeMs < STALE_MS)) continue;
    await fs.rm(full, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Writes a file so that readers see the old content or the new, never a
 * part: a temporary file, flushed to disk, then renamed over the target.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    // A write cut short (a full disk) must not leave its temporary file behind either.
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * `writeFileAtomic` for callers that cannot wait (the settings document's
 * setter). `fs.writeFileSync` on the descriptor loops until every byte is
 * written, so a short write (a disk filling up, a file-size limit) ends in
 * an error and never in a shorter file renamed over the good one.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  fsSync.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  try {
    const fd = fsSync.openSync(tmp, 'w');
    try {
      fsSync.writeFileSync(fd, data);
      fsSync.fsyncSync(fd);
    } finally {
      fsSync.closeSync(fd);
    }
    fsSync.renameSync(tmp, file);
  } catch (err) {
    fsSync.rmSync(tmp, { force: true });
    throw err;
  }
}

/** JSON, indented for people unless `compact` (large series nobody reads by eye). */
export function writeJsonAtomic(file: string, value: unknown, options: { compact?: boolean } = {}): Promise<void> {
  return writeFileAtomic(file, `${options.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
}

/** Flushes a folder's own entries to disk, so a rename into it survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a new file and flushes it: for files inside a temporary folder that is renamed into place afterwards. */
export async function writeFileSynced(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Whether anything (a file, a folder, a dangling link) is at `target`. */
async function exists(target: string): Promise<boolean> {
  try {
    await fs.lstat(target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** `target` is taken and may not be replaced: the caller says what to tell the user. */
export class TargetExistsError extends Error {
  override readonly name = 'TargetExistsError';
}

/**
 * Builds a file or folder at `target` so that it appears whole or not at
 * all: `fill` writes a temporary sibling (a folder when `kind` is 'dir'),
 * which is flushed and renamed into place. On any failure the temporary
 * goes and whatever was at `target` is as it was. With `overwrite`, an
 * existing target is moved aside first and removed only once the new one
 * is in place.
 */
export async function buildAtomic(target: string, kind: 'file' | 'dir', fill: (tmp: string) => Promise<void>, options: { overwrite?: boolean } = {}): Promise<void> {
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  if (!options.overwrite && (await exists(target))) throw new TargetExistsError(`${target} already exists`);
  const tmp = tempSibling(target);
  let aside: string | null = null;
  try {
    if (kind === 'dir') await fs.mkdir(tmp);
    await fill(tmp);
    if (kind === 'dir') await syncDir(tmp);
    if (await exists(target)) {
      if (!options.overwrite) throw new TargetExistsError(`${target} already exists`);
      aside = tempSibling(target);
      await fs.rename(target, aside);
    }
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      if (aside) await fs.rename(aside, target);
      aside = null;
      throw err;
    }
    await syncDir(parent);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  if (aside) await fs.rm(aside, { recursive: true, force: true });
}

/** The folders in `dir` (none when it does not exist), without dot names: those are temporaries of writes in progress or cut off by a crash. */
export async function visibleFolders(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
