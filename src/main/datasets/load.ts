import path from 'node:path';
import {
  DATASETS,
  DIGIT_CLASSES,
  IDX_FILES,
  IDX_ROLES,
  idxKind,
  isBuiltinDatasetId,
  type DatasetSpec,
  type DatasetSplit,
  type IdxRole,
  type LoadedDataset,
} from '@shared/datasets';
import { StudioError } from '@shared/result';
import type { DatasetRef } from '@shared/training';
import { readIdxFile, type IdxReport } from './idx';
import { readRawCopy, saveRawCopies } from './raw-copies';
import { idxImagesBytes, idxLabelsBytes } from './write';
import { datasetDir, findIdxFile, matchesRegistryFile, readManifest, splitInfo } from './store';

export { IDX_FILES } from '@shared/datasets';

/** Where to read a dataset from: the studio home's `datasets/<id>/`, or a folder of the four IDX files (`--data-dir`). */
export type DatasetSource = { home: string; id: string } | { dir: string };

/** Where a run's dataset (`config.dataset`) is read from, for a run in `home`. */
export function datasetSource(home: string, ref: DatasetRef): DatasetSource {
  return 'id' in ref ? { home, id: ref.id } : { dir: ref.dir };
}

/**
 * Reads and verifies the four IDX files of a dataset (gzip or raw) in one
 * streaming pass each; a home dataset's gzip files are read from their
 * decompressed copies (raw-copies.ts), made by the first read. A dataset in the home must still match the digests
 * recorded when it was verified; a `--data-dir` folder holding a registry
 * dataset's files is recognised by digest and gets its name and classes.
 * Every failure is a StudioError naming the file and the defect.
 */
export async function loadDataset(source: DatasetSource): Promise<LoadedDataset> {
  const dir = 'dir' in source ? path.resolve(source.dir) : datasetDir(source.home, source.id);
  const manifest = 'dir' in source ? null : await readManifest(dir);
  const reports = {} as Record<IdxRole, { report: IdxReport; file: string }>;
  /** Roles read from gzip without a decompressed copy: their copies are written once the whole set is verified. */
  const inflated: IdxRole[] = [];
  for (const role of IDX_ROLES) {
    const file = await findIdxFile(dir, role);
    if (!file) throw new StudioError('NOT_FOUND', `${path.join(dir, IDX_FILES[role])}(.gz): missing`);
    const recorded = manifest?.files[role].sha256;
    const copy = 'home' in source && recorded ? await readRawCopy(source.home, recorded, file, idxKind(role)) : null;
    const report = copy ?? (await readIdxFile(file, file, { kind: idxKind(role) }, { keepData: true }));
    if (recorded && recorded !== report.rawSha256) {
      throw new StudioError('INTEGRITY', `${file}: changed since it was verified (SHA-256 ${report.rawSha256.slice(0, 12)}…, recorded ${recorded.slice(0, 12)}…)`);
    }
    if (!copy && report.gzip) inflated.push(role);
    reports[role] = { report, file };
  }
  const split = (images: IdxRole, labels: IdxRole): DatasetSplit => {
    const info = splitInfo(reports[images].report, reports[labels].report, reports[images].file, reports[labels].file);
    return { count: info.count, images: reports[images].report.data!, labels: reports[labels].report.data! };
  };
  const train = split('trainImages', 'trainLabels');
  const test = split('testImages', 'testLabels');
  if ('home' in source && manifest && inflated.length > 0) {
    const bytes = Object.fromEntries(
      inflated.map((role) => [role, idxKind(role) === 'images' ? idxImagesBytes(reports[role].report.data!) : idxLabelsBytes(reports[role].report.data!)]),
    );
    // Only a cache: a copy that cannot be written (a full disk, a read-only home) leaves the next run to inflate again.
    await saveRawCopies(source.home, manifest, bytes).catch(() => 0);
  }
  const digests = Object.fromEntries(IDX_ROLES.map((role) => [IDX_FILES[role], reports[role].report.rawSha256]));
  const known: DatasetSpec | null =
    'id' in source && isBuiltinDatasetId(source.id)
      ? DATASETS[source.id]
      : (Object.values(DATASETS).find((spec: DatasetSpec) => IDX_ROLES.every((role) => matchesRegistryFile(reports[role].report, spec, role))) ?? null);
  if ('dir' in source) {
    return { id: `dir:${dir}`, name: known?.name ?? path.basename(dir), classNames: known?.classNames ?? DIGIT_CLASSES, train, test, digests };
  }
  return {
    id: source.id,
    name: manifest?.name ?? known?.name ?? source.id,
    classNames: manifest?.classNames ?? known?.classNames ?? DIGIT_CLASSES,
    train,
    test,
    digests,
  };
}
