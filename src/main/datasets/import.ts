import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DATASETS, DIGIT_CLASSES, IDX_FILES, IDX_ROLES, idxKind, isBuiltinDatasetId, type DatasetSpec, type DatasetSummary, type IdxRole } from '@shared/datasets';
import { DatasetName } from '@shared/datasets-api';
import { StudioError } from '@shared/result';
import { tempSibling } from '../fs-atomic';
import { MAX_IDX_BYTES, readIdxFile, type IdxReport } from './idx';
import { buildManifest, datasetDir, datasetsRoot, matchesRegistryFile, readManifest, summarizeDataset, verifyRegistryFile, writeManifest } from './store';

const ROLE_WORDS: Record<IdxRole, string> = {
  trainImages: 'training images',
  trainLabels: 'training labels',
  testImages: 'test images',
  testLabels: 'test labels',
};

/**
 * The role of a file from its name: the official names, and the variants
 * people rename them to (`train-images.idx3-ubyte` on Kaggle, `test-…`).
 */
export function roleOfFileName(fileName: string): IdxRole | null {
  const n = fileName.toLowerCase();
  if (n.endsWith('.part') || n.endsWith('.json')) return null;
  const images = /images|idx3/.test(n);
  const labels = /labels|idx1/.test(n);
  const train = /train/.test(n);
  const test = /t10k|test/.test(n);
  if (images === labels || train === test) return null;
  return train ? (images ? 'trainImages' : 'trainLabels') : images ? 'testImages' : 'testLabels';
}

/** The four files named by the user: a folder holding them, or the files themselves. */
export async function resolveImportFiles(paths: readonly string[]): Promise<{ files: Record<IdxRole, string>; folder: string }> {
  const resolved = paths.map((p) => path.resolve(p));
  let candidates: string[];
  let folder: string;
  const first = resolved[0]!;
  const firstStat = await fsp.stat(first).catch(() => null);
  if (!firstStat) throw new StudioError('NOT_FOUND', `${first}: no such file or folder`, 'paths');
  const firstIsDir = firstStat.isDirectory();
  if (resolved.length === 1 && firstIsDir) {
    folder = first;
    try {
      candidates = (await fsp.readdir(first)).map((name) => path.join(first, name));
    } catch (err) {
      throw new StudioError('NOT_FOUND', `${first}: cannot be read (${(err as Error).message})`, 'paths');
    }
  } else {
    folder = path.dirname(first);
    candidates = resolved;
    for (const file of resolved) {
      const stat = await fsp.lstat(file).catch(() => null);
      if (!stat) throw new StudioError('NOT_FOUND', `${file}: no such file`, 'paths');
    }
  }
  const found: Partial<Record<IdxRole, string>> = {};
  for (const file of candidates) {
    const role = roleOfFileName(path.basename(file));
    if (!role) continue;
    const previous = found[role];
    if (previous) {
      throw new StudioError('INVALID_ARGUMENT', `${file}: both it and ${path.basename(previous)} look like the ${ROLE_WORDS[role]}; keep one`, 'paths');
    }
    found[role] = file;
  }
  const missing = IDX_ROLES.filter((role) => !found[role]);
  if (missing.length > 0) {
    const where = resolved.length === 1 && firstIsDir ? folder : resolved.join(', ');
    const names = missing.map((role) => `${IDX_FILES[role]}(.gz) (${ROLE_WORDS[role]})`).join(', ');
    throw new StudioError('NOT_FOUND', `${where}: missing ${names}`, 'paths');
  }
  return { files: found as Record<IdxRole, string>, folder };
}

/** What a non-regular file is, in words, from its lstat. */
function kindOf(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isDirectory()) return 'a folder';
  return 'not a regular file';
}

function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Checks one source file before anything opens it: a regular file (a named
 * pipe would block the read forever, a device never ends), within the IDX
 * cap, and, when it is a symbolic link, one to a regular file inside its own
 * folder. A link inside the folder (an alias for another file of it) reads
 * nothing the user did not hand over; a link out of it could read any file of
 * the machine. Returns the real path and the checked identity.
 */
export async function checkImportSource(file: string): Promise<{ real: string; stat: fs.Stats }> {
  let stat = await fsp.lstat(file).catch((err: NodeJS.ErrnoException) => {
    throw new StudioError('NOT_FOUND', `${file}: ${err.code === 'ENOENT' ? 'no such file' : `cannot be read (${err.message})`}`, 'paths');
  });
  let real = file;
  if (stat.isSymbolicLink()) {
    const folder = await fsp.realpath(path.dirname(file));
    real = await fsp.realpath(file).catch(() => {
      throw new StudioError('NOT_FOUND', `${file}: a symbolic link to nothing`, 'paths');
    });
    if (!isInside(folder, real)) throw new StudioError('INVALID_ARGUMENT', `${file}: a symbolic link to ${real}, outside ${folder}: copy the file itself into the folder`, 'paths');
    stat = await fsp.lstat(real);
  }
  if (!stat.isFile()) throw new StudioError('INVALID_ARGUMENT', `${file}: ${kindOf(stat)}, not a regular file; nothing was read from it`, 'paths');
  if (stat.size > MAX_IDX_BYTES) {
    throw new StudioError('INTEGRITY', `${file}: ${stat.size} bytes, more than the ${MAX_IDX_BYTES} any MNIST-format file holds; nothing was copied`, 'paths');
  }
  return { real, stat };
}

/**
 * Copies a checked source into `copy`: opened without following a link and
 * without blocking (a file swapped for a pipe after the check), the opened
 * file must be the checked one, and no more than the cap is read even if it
 * grows meanwhile.
 */
async function copySource(source: string, copy: string): Promise<void> {
  const { real, stat } = await checkImportSource(source);
  const handle = await fsp.open(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== stat.ino || opened.dev !== stat.dev) {
      throw new StudioError('INVALID_ARGUMENT', `${source}: changed while it was being imported; nothing was read from it`, 'paths');
    }
    let read = 0;
    const input = handle.createReadStream({ start: 0, end: MAX_IDX_BYTES, autoClose: false });
    input.on('data', (chunk) => {
      read += chunk.length;
    });
    await pipeline(input, fs.createWriteStream(copy, { flags: 'wx' }));
    if (read > MAX_IDX_BYTES) throw new StudioError('INTEGRITY', `${source}: grew past the ${MAX_IDX_BYTES} bytes any MNIST-format file holds`, 'paths');
  } finally {
    await handle.close();
  }
}

/** A write that failed (a full disk, a folder without permission): where, why, and that nothing changed. */
function writeError(target: string, err: unknown): StudioError {
  if (err instanceof StudioError) return err;
  return new StudioError('IO', `${target}: could not be written (${err instanceof Error ? err.message : String(err)}); nothing was changed`);
}

/**
 * A dataset id from a folder name: lower case, other characters as '-'.
 * Never a registry id: a folder called `mnist` may hold any MNIST-format
 * files, and only files recognised by digest take the registry's id.
 */
export function nameFromFolder(folder: string): string {
  const slug = path
    .basename(folder)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 57);
  if (!DatasetName.safeParse(slug).success) return 'imported';
  return isBuiltinDatasetId(slug) ? `${slug}-import` : slug;
}

/** `id`, or `id-2`, `id-3`, … : the first with no folder in the home (a derived id never replaces anything). */
export async function freeId(home: string, id: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? id : `${id}-${n}`;
    const taken = await fsp.lstat(datasetDir(home, candidate)).then(
      () => true,
      () => false,
    );
    if (!taken) return candidate;
  }
}

export interface ImportOptions {
  home: string;
  /** A folder, or the four files. */
  paths: readonly string[];
  /** The new dataset's id; a registry id means "these must be that dataset's files". */
  name?: string | undefined;
  /** Where the files came from, for the manifest and the default name, when not the folder (an upload). */
  source?: string | undefined;
}

/**
 * Imports the four IDX files into `datasets/<name>/`: they are copied into
 * a staging folder, the copies are checked (structure, counts agreeing;
 * the registry's digests when they claim to be a registry dataset), and the
 * folder is renamed into place only when all four pass. A registry
 * dataset's files are recognised by digest and named after it.
 */
export async function importDataset(options: ImportOptions): Promise<DatasetSummary> {
  const { files, folder } = await resolveImportFiles(options.paths);
  const root = datasetsRoot(options.home);
  // Where the new dataset goes, as far as it is known before its files are read.
  const target = options.name ? datasetDir(options.home, options.name) : root;
  // A temporary name the home's sweep recognises: a crash mid-import leaves nothing for good.
  const staging = tempSibling(path.join(root, 'import'));
  try {
    await fsp.mkdir(root, { recursive: true });
    await fsp.mkdir(staging);
  } catch (err) {
    throw writeError(target, err);
  }
  try {
    const claimed: DatasetSpec | null = options.name && isBuiltinDatasetId(options.name) ? DATASETS[options.name] : null;
    const reports = {} as Record<IdxRole, { report: IdxReport; file: string; label: string }>;
    for (const role of IDX_ROLES) {
      const source = files[role];
      const copy = path.join(staging, `${role}.tmp`);
      try {
        await copySource(source, copy);
      } catch (err) {
        if (err instanceof StudioError) throw err;
        // The user's file cannot be read, or the copy cannot be written (a full disk, a folder without permission).
        const readable = await fsp.access(source, fsp.constants.R_OK).then(
          () => true,
          () => false,
        );
        if (!readable) throw new StudioError('NOT_FOUND', `${source}: cannot be read (${(err as Error).message})`, 'paths');
        throw writeError(target, err);
      }
      const report = claimed ? await verifyRegistryFile(copy, source, claimed, role) : await readIdxFile(copy, source, { kind: idxKind(role) });
      const base = IDX_FILES[role];
      const file = path.join(staging, report.gzip ? `${base}.gz` : base);
      await fsp.rename(copy, file);
      reports[role] = { report, file, label: source };
    }
    const recognised = claimed ?? Object.values(DATASETS).find((spec: DatasetSpec) => IDX_ROLES.every((role) => matchesRegistryFile(reports[role].report, spec, role))) ?? null;
    const from = options.source ?? folder;
    const id = options.name ?? recognised?.id ?? (await freeId(options.home, nameFromFolder(from)));
    const manifest = buildManifest(id, recognised?.name ?? id, recognised?.classNames ?? DIGIT_CLASSES, { kind: 'import', from }, reports);
    await writeManifest(staging, manifest);

    const dir = datasetDir(options.home, id);
    if (await readManifest(dir)) {
      throw new StudioError('INVALID_ARGUMENT', `${id}: a dataset of that name is already in the studio home (${dir}); choose another name`, 'name');
    }
    // An unfinished download of the same dataset is replaced whole.
    const old = tempSibling(dir);
    const hadOld = await fsp.rename(dir, old).then(
      () => true,
      () => false,
    );
    try {
      await fsp.rename(staging, dir);
    } catch (err) {
      if (hadOld) await fsp.rename(old, dir).catch(() => undefined);
      throw err;
    }
    if (hadOld) await fsp.rm(old, { recursive: true, force: true });
    return await summarizeDataset(options.home, id);
  } catch (err) {
    throw writeError(target, err);
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}
