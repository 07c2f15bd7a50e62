import fs from 'node:fs/promises';
import path from 'node:path';
import { DATASETS } from '@shared/datasets';
import { StudioError } from '@shared/result';
import { buildAtomic, TargetExistsError } from '../fs-atomic';
import { UPLOAD_LIMITS } from '@shared/uploads-api';
import { extractFlatZip, ZipError } from '../models/zip';
import { needDialogs, type DomainHandlers, type StudioContext } from '../studio-context';
import { namingUpload, sessionOf } from '../uploads';
import { datasetImages } from './images';
import { datasetInfo } from './info';
import { freeId, importDataset, nameFromFolder } from './import';
import { importPersonalZip, isPersonalZip, personalZipBytes, savePersonal } from './personal';
import { importImageFolder, isImageFolder } from './image-folder';
import { DownloadManager } from './download';
import { deleteDataset, listDatasets } from './store';

/** A dataset .zip holds the four IDX files (and perhaps a folder entry and a readme). */
const DATASET_ZIP_LIMITS = { maxEntries: 16, maxEntryBytes: UPLOAD_LIMITS.dataset.maxFileBytes, maxTotalBytes: UPLOAD_LIMITS.dataset.maxTotalBytes };

/** The `datasets` domain: list, download (joined per dataset), cancel, import (CLI paths, desktop dialog, web upload), delete, info, images. */
export function datasetHandlers(ctx: StudioContext): DomainHandlers<'datasets'> {
  const downloads = new DownloadManager(ctx.home, (event) => {
    ctx.events.emit('download', event);
    if (event.kind === 'done') ctx.datasetInstalled.emit();
  });
  ctx.onClose(() => downloads.close());
  /** An import's result, once the data set is in the home and the others are told. */
  const installed = async <T>(imported: Promise<T>): Promise<T> => {
    const result = await imported;
    ctx.datasetInstalled.emit();
    return result;
  };
  return {
    'datasets:list': async () => listDatasets(ctx.home),
    'datasets:download': async ({ id, mirrors, defaultMirrors }) => {
      const spec = DATASETS[id];
      // Mirrors named in the call (the CLI's only) first, then those the user keeps in settings, then the registry's.
      const ordered = [...new Set([...mirrors, ...ctx.settings.read().mirrors, ...(defaultMirrors ? spec.mirrors : [])])];
      return downloads.download(spec, ordered);
    },
    'datasets:cancel': async ({ id }) => ({ cancelled: downloads.cancel(id) }),
    'datasets:delete': async ({ id }) => {
      // A running download writes into the folder: removing it under the download would leave a dataset.json with no files.
      if (downloads.isRunning(id)) throw new StudioError('BUSY', `${id}: a download of it is running; cancel it first`, 'id');
      return deleteDataset(ctx.home, id);
    },
    'datasets:import': async ({ paths, name }) => installed(importAny(ctx.home, paths, name)),
    'datasets:importFromDialog': async ({ title, name }) => {
      const folder = await needDialogs(ctx).pickFolder(title);
      return { imported: folder === null ? null : await installed(importDataset({ home: ctx.home, paths: [folder], name })) };
    },
    'datasets:importUpload': async ({ uploadId, name }, caller) =>
      ctx.uploads.consume(sessionOf(caller), uploadId, 'dataset', async ({ dir, names }) => {
        const zip = names.length === 1 && names[0]!.toLowerCase().endsWith('.zip') ? names[0]! : null;
        // Dot name: no uploaded file can be called that.
        const folder = zip ? path.join(dir, '.unzipped') : dir;
        try {
          // A personal set's .zip (exported on another machine) keeps its name and its drawings.
          if (zip && (await isPersonalZip(path.join(dir, zip)))) return await personalImport(ctx.home, path.join(dir, zip), name);
          if (zip) {
            await fs.mkdir(folder);
            await extractFlatZip(path.join(dir, zip), folder, DATASET_ZIP_LIMITS).catch((err: unknown) => {
              throw err instanceof ZipError ? new StudioError('INTEGRITY', err.message) : err;
            });
          }
          return await installed(importDataset({ home: ctx.home, paths: [folder], name, source: zip ? zip.slice(0, -'.zip'.length) : 'upload' }));
        } catch (err) {
          throw namingUpload(err, folder, dir);
        }
      }),
    'datasets:savePersonal': async ({ id, name, samples, extend }) => savePersonal(ctx.home, { id, name, samples, extend }),
    'datasets:exportPersonal': async ({ id, path: dest, overwrite }) => {
      const zip = await personalZipBytes(ctx.home, id);
      const target = path.resolve(dest);
      await buildAtomic(target, 'file', (tmp) => fs.writeFile(tmp, zip.data), { overwrite }).catch((err: unknown) => {
        throw err instanceof TargetExistsError ? new StudioError('INVALID_ARGUMENT', `${target}: already exists; give another file or --force to replace it`, 'path') : err;
      });
      return { path: target, bytes: zip.data.length, count: zip.count };
    },
    'datasets:downloadPersonal': async ({ id }) => personalZipBytes(ctx.home, id),
    'datasets:info': async ({ id, samplesPerClass }) => datasetInfo(ctx.home, id, samplesPerClass),
    'datasets:images': async (input) => datasetImages(ctx.home, input),
  };
}

/**
 * The CLI's import, by layout: a personal set's .zip; a folder (or .zip) of
 * subfolders 0 … 9 of PNG/JPEG images; or the four IDX files (a folder, or the files).
 */
async function importAny(home: string, paths: readonly string[], name: string | undefined) {
  const only = paths.length === 1 ? path.resolve(paths[0]!) : null;
  if (only?.toLowerCase().endsWith('.zip')) {
    if (await isPersonalZip(only)) return personalImport(home, only, name);
    return importImageFolder(home, only, name);
  }
  if (only && (await isImageFolder(only))) return importImageFolder(home, only, name);
  return importDataset({ home, paths, name });
}

/** A personal set's .zip into the home: as `id`, else under the .zip's own name (a free one). */
async function personalImport(home: string, zip: string, id: string | undefined) {
  return importPersonalZip(home, zip, id ?? (await freeId(home, nameFromFolder(zip.slice(0, -'.zip'.length)))));
}
