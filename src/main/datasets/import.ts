import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DATASETS, DIGIT_CLASSES, IDX_FILES, IDX_ROLES, idxKind, isBuiltinDatasetId, type DatasetSpec, type DatasetSummary, type IdxRole } from '@shared/datasets';
import { DatasetName } from '@shared/datasets-api';
import { StudioError } from '@shared/result';
import { readIdxFile, type IdxReport } from './idx';
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
      const stat = await fsp.stat(file).catch(() => null);
      if (!stat?.isFile()) throw new StudioError('NOT_FOUND', `${file}: no such file`, 'paths');
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

/** A write that failed (a full disk, a folder without permission): where, why, and that nothing changed. */
function writeError(target: string, err: unknown): StudioError {
  if (err instanceof StudioError) return err;
  return new StudioError('IO', `${target}: could not be written (${err instanceof Error ? err.message : String(err)}); nothing was changed`);
}

/** A dataset id from a folder name: lower case, other characters as '-'. */
export function nameFromFolder(folder: string): string {
  const slug = path
    .basename(folder)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 64);
  return DatasetName.safeParse(slug).success ? slug : 'imported';
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
  const staging = path.join(root, `.import-${crypto.randomBytes(6).toString('hex')}`);
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
        await fsp.copyFile(source, copy);
      } catch (err) {
        // The user's file cannot be read, or the copy cannot be written (a full disk, a folder without permission).
        const readable = await fsp.access(source, fsp.constants.R_OK).then(
          () => true,
          () => false,
        );
        if (!readable) throw new StudioError('NOT_FOUND', `${source}: cannot be read (${(err as Error).message})`, 'paths');
        throw writeError(target, err);
      }
      const report = claimed
        ? await verifyRegistryFile(copy, source, claimed, role)
        : await readIdxFile(copy, source, { kind: idxKind(role) });
      const base = IDX_FILES[role];
      const file = path.join(staging, report.gzip ? `${base}.gz` : base);
      await fsp.rename(copy, file);
      reports[role] = { report, file, label: source };
    }
    const recognised =
      claimed ?? Object.values(DATASETS).find((spec: DatasetSpec) => IDX_ROLES.every((role) => matchesRegistryFile(reports[role].report, spec, role))) ?? null;
    const from = options.source ?? folder;
    const id = options.name ?? recognised?.id ?? nameFromFolder(from);
    const manifest = buildManifest(id, recognised?.name ?? id, recognised?.classNames ?? DIGIT_CLASSES, { kind: 'import', from }, reports);
    await writeManifest(staging, manifest);

    const dir = datasetDir(options.home, id);
    if (await readManifest(dir)) {
      throw new StudioError('INVALID_ARGUMENT', `${id}: a dataset of that name is already in the studio home (${dir}); choose another name`, 'name');
    }
    // An unfinished download of the same dataset is replaced whole.
    const old = `${staging}-old`;
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
