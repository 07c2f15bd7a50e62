import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  DATASETS,
  DIGIT_CLASSES,
  IDX_FILES,
  IDX_ROLES,
  isBuiltinDatasetId,
  type DatasetOrigin,
  type DatasetSpec,
  type DatasetSummary,
  type IdxRole,
  type SplitInfo,
} from '@shared/datasets';
import { hasControlCharacters } from '@shared/models';
import { StudioError } from '@shared/result';
import { tempSibling, visibleFolders, writeFileAtomic } from '../fs-atomic';
import { readIdxFile, type IdxReport } from './idx';
import { removeRawCopies, removeRawCopiesExcept } from './raw-copies';

/** `datasets/` in the studio home. */
export function datasetsRoot(home: string): string {
  return path.join(home, 'datasets');
}

export function datasetDir(home: string, id: string): string {
  return path.join(datasetsRoot(home), id);
}

/** Written last, once all four files are verified: a folder with a manifest is a ready dataset. */
export const MANIFEST = 'dataset.json';

const SplitInfoSchema = z.object({ count: z.number().int().positive(), classCounts: z.array(z.number().int().nonnegative()).length(10) });
// Caps as at every other boundary: the file is the studio's own, but a damaged or hand-edited one must not reach the screens.
const OriginSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('download'), mirrors: z.array(z.string().max(4096)).max(16) }),
  z.object({ kind: z.literal('import'), from: z.string().max(4096 * 4) }),
]);
const FileRecordSchema = z.object({
  /** Stored name: `<base>.gz` or `<base>`. */
  file: z.string().max(64),
  fileBytes: z.number().int().nonnegative(),
  /** SHA-256 of the decompressed IDX bytes (what a reproduction bundle records). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** What `dataset.json` holds: identity, provenance and what verification found, so listing needs no decompression. */
export const ManifestSchema = z.object({
  version: z.literal(1),
  id: z.string().max(64),
  // Shown on the screens and in a terminal: the same rule as a model's name (a hand-edited file with escapes is damaged).
  name: z
    .string()
    .max(200)
    .refine((text) => !hasControlCharacters(text)),
  classNames: z
    .array(
      z
        .string()
        .max(200)
        .refine((text) => !hasControlCharacters(text)),
    )
    .length(10),
  origin: OriginSchema,
  files: z.object({ trainImages: FileRecordSchema, trainLabels: FileRecordSchema, testImages: FileRecordSchema, testLabels: FileRecordSchema }),
  train: SplitInfoSchema,
  test: SplitInfoSchema,
  createdAt: z.string().max(64),
  /** Drawn by the user (a personal set): its strokes are in `strokes.json` beside the IDX files. */
  personal: z.boolean().default(false),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export async function readManifest(dir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MANIFEST), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = ManifestSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The stored file of one role, gzip first; null when neither form is there. */
export async function findIdxFile(dir: string, role: IdxRole): Promise<string | null> {
  for (const name of [`${IDX_FILES[role]}.gz`, IDX_FILES[role]]) {
    const file = path.join(dir, name);
    try {
      if ((await fs.stat(file)).isFile()) return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return null;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/**
 * Verifies one file against a registry dataset: the IDX structure (count
 * and published histogram included) and a known SHA-256, of the
 * decompressed bytes or of the gzip itself. `label` names it in errors.
 */
export async function verifyRegistryFile(file: string, label: string, spec: DatasetSpec, role: IdxRole): Promise<IdxReport> {
  const f = spec.files[role];
  const report = await readIdxFile(file, label, { kind: f.kind, count: f.count, ...(f.classCounts ? { classCounts: f.classCounts } : {}) });
  if (!matchesRegistryFile(report, spec, role)) {
    const seen = report.gzip ? `decompressed ${short(report.rawSha256)}, gzip ${short(report.fileSha256)}` : short(report.rawSha256);
    throw new StudioError('INTEGRITY', `${label}: SHA-256 (${seen}) matches no known ${spec.name} ${f.name}: the file is altered or another one`);
  }
  return report;
}

export function matchesRegistryFile(report: IdxReport, spec: DatasetSpec, role: IdxRole): boolean {
  const f = spec.files[role];
  return f.rawSha256.includes(report.rawSha256) || (report.gzip && f.gzipSha256.includes(report.fileSha256));
}

/** Split info from the two reports of a split, checking the counts agree. */
export function splitInfo(images: IdxReport, labels: IdxReport, imagesLabel: string, labelsLabel: string): { count: number; classCounts: number[] } {
  if (images.count !== labels.count) {
    throw new StudioError('INTEGRITY', `${imagesLabel} holds ${images.count} images but ${labelsLabel} holds ${labels.count} labels`);
  }
  return { count: images.count, classCounts: labels.classCounts ?? [] };
}

/** The manifest for four verified reports. */
export function buildManifest(
  id: string,
  name: string,
  classNames: readonly string[],
  origin: DatasetOrigin,
  reports: Record<IdxRole, { report: IdxReport; file: string; label: string }>,
): Manifest {
  const files = Object.fromEntries(
    IDX_ROLES.map((role) => {
      const r = reports[role];
      return [role, { file: path.basename(r.file), fileBytes: r.report.fileBytes, sha256: r.report.rawSha256 }];
    }),
  ) as Manifest['files'];
  return {
    version: 1,
    id,
    name,
    classNames: [...classNames],
    origin,
    files,
    train: splitInfo(reports.trainImages.report, reports.trainLabels.report, reports.trainImages.label, reports.trainLabels.label),
    test: splitInfo(reports.testImages.report, reports.testLabels.report, reports.testImages.label, reports.testLabels.label),
    createdAt: new Date().toISOString(),
    personal: false,
  };
}

/** How the studio home's copy of a dataset stands, from its manifest and files, without decompressing anything. */
export async function summarizeDataset(home: string, id: string): Promise<DatasetSummary> {
  const dir = datasetDir(home, id);
  const spec = isBuiltinDatasetId(id) ? DATASETS[id] : null;
  const manifest = await readManifest(dir);
  let files = 0;
  let bytes = 0;
  for (const role of IDX_ROLES) {
    const recorded = manifest?.files[role].file;
    const found = recorded ? path.join(dir, recorded) : await findIdxFile(dir, role);
    if (!found) continue;
    try {
      const stat = await fs.stat(found);
      if (manifest && stat.size !== manifest.files[role].fileBytes) continue;
      files++;
      bytes += stat.size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const ready = manifest !== null && files === IDX_ROLES.length;
  return {
    id,
    name: manifest?.name ?? spec?.name ?? id,
    builtin: spec !== null,
    personal: manifest?.personal ?? false,
    status: ready ? 'ready' : files > 0 ? 'partial' : 'missing',
    classNames: manifest?.classNames ?? spec?.classNames ?? DIGIT_CLASSES,
    train: ready ? manifest.train : null,
    test: ready ? manifest.test : null,
    files,
    bytes,
    origin: manifest?.origin ?? null,
    dir,
  };
}

/** A dataset that is ready to read, with its manifest; NOT_FOUND (field `id`) saying why when it is not. */
export async function readyDataset(home: string, id: string): Promise<{ summary: DatasetSummary & { train: SplitInfo; test: SplitInfo }; manifest: Manifest }> {
  const summary = await summarizeDataset(home, id);
  const manifest = await readManifest(summary.dir);
  const { train, test } = summary;
  if (summary.status !== 'ready' || !manifest || !train || !test) {
    const why = summary.status === 'partial' ? `has ${summary.files} of its 4 files: finish the download or import it again` : 'is not in the studio home';
    throw new StudioError('NOT_FOUND', `${id}: ${why}`, 'id');
  }
  return { summary: { ...summary, train, test }, manifest };
}

/** The registry's datasets (present or not), then every imported one, by id. */
export async function listDatasets(home: string): Promise<DatasetSummary[]> {
  const ids = new Set<string>(Object.keys(DATASETS));
  let entries: string[] = [];
  try {
    entries = await fs.readdir(datasetsRoot(home));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const imported = [];
  for (const entry of entries.sort()) {
    if (ids.has(entry) || entry.startsWith('.')) continue;
    if (await readManifest(datasetDir(home, entry))) imported.push(entry);
  }
  return Promise.all([...ids, ...imported].map((id) => summarizeDataset(home, id)));
}

/**
 * Removes `datasets/<id>/` whole, in whatever state it is (a manifest whose
 * files are gone included). The folder is first renamed to a temporary name,
 * so a crash midway leaves something the home's sweep removes, never half a
 * dataset that lists. Only that folder goes: a link in its place is removed,
 * not followed, and removal never follows links inside it.
 */
export async function deleteDataset(home: string, id: string): Promise<{ id: string; dir: string }> {
  const dir = datasetDir(home, id);
  const stat = await fs.lstat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new StudioError('NOT_FOUND', `${id}: no such dataset in the studio home (${dir})`, 'id');
    throw err;
  });
  if (!stat.isDirectory()) {
    await fs.unlink(dir);
    return { id, dir };
  }
  const manifest = await readManifest(dir).catch(() => null);
  const doomed = tempSibling(dir);
  await fs.rename(dir, doomed);
  await fs.rm(doomed, { recursive: true, force: true });
  // Its decompressed copies go with it (another data set with the same files makes them again).
  if (manifest) await removeRawCopies(home, manifest).catch(() => {});
  return { id, dir };
}

/**
 * Removes the decompressed copies no data set in the home names (raw-copies.ts):
 * a set deleted by hand, or one whose manifest no longer reads, leaves its
 * copies behind (~55 MB for Fashion-MNIST), and nothing would read them again.
 * Another data set with the same files keeps them; a removed copy is made
 * again by the next read that needs it.
 */
export async function sweepRawCopies(home: string): Promise<string[]> {
  const inUse = new Set<string>();
  for (const id of await visibleFolders(datasetsRoot(home))) {
    const manifest = await readManifest(datasetDir(home, id)).catch(() => null);
    for (const record of Object.values(manifest?.files ?? {})) inUse.add(record.sha256);
  }
  return removeRawCopiesExcept(home, inUse);
}
