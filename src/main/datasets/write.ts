/**
 * Writing a data set the studio made itself (a personal set, an image
 * folder's import) into `datasets/<id>/`: the four IDX files raw, extra
 * files beside them, and the manifest, built in a temporary folder and
 * renamed into place whole, so a crash leaves the old set or the new one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { IDX_FILES, IMAGE_SIZE, NUM_CLASSES, PIXELS, type DatasetOrigin, type IdxRole } from '@shared/datasets';
import { buildAtomic } from '../fs-atomic';
import { datasetDir, MANIFEST, type Manifest } from './store';

/** IDX bytes of `count` 28×28 images (magic 0x00000803). */
export function idxImagesBytes(images: Uint8Array): Buffer {
  const count = images.length / PIXELS;
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(IMAGE_SIZE, 8);
  header.writeUInt32BE(IMAGE_SIZE, 12);
  return Buffer.concat([header, Buffer.from(images.buffer, images.byteOffset, images.byteLength)]);
}

/** IDX bytes of labels (magic 0x00000801). */
export function idxLabelsBytes(labels: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength)]);
}

export interface SplitData {
  images: Uint8Array;
  labels: Uint8Array;
}

export interface NewDataset {
  id: string;
  name: string;
  classNames: readonly string[];
  origin: DatasetOrigin;
  train: SplitData;
  test: SplitData;
  personal: boolean;
  /** Files written beside the IDX files (a personal set's strokes). */
  extra?: { name: string; data: string | Uint8Array }[];
  /** Replace a set already at the id (extending a personal set); otherwise an existing folder is refused. */
  replace: boolean;
}

function histogram(labels: Uint8Array): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/** Writes the set and answers its manifest; throws TargetExistsError when the folder is taken and `replace` is false. */
export async function writeDataset(home: string, set: NewDataset): Promise<Manifest> {
  const bytes: Record<IdxRole, Buffer> = {
    trainImages: idxImagesBytes(set.train.images),
    trainLabels: idxLabelsBytes(set.train.labels),
    testImages: idxImagesBytes(set.test.images),
    testLabels: idxLabelsBytes(set.test.labels),
  };
  const record = (role: IdxRole) => ({ file: IDX_FILES[role], fileBytes: bytes[role].length, sha256: crypto.createHash('sha256').update(bytes[role]).digest('hex') });
  const manifest: Manifest = {
    version: 1,
    id: set.id,
    name: set.name,
    classNames: [...set.classNames],
    origin: set.origin,
    files: { trainImages: record('trainImages'), trainLabels: record('trainLabels'), testImages: record('testImages'), testLabels: record('testLabels') },
    train: { count: set.train.labels.length, classCounts: histogram(set.train.labels) },
    test: { count: set.test.labels.length, classCounts: histogram(set.test.labels) },
    createdAt: new Date().toISOString(),
    personal: set.personal,
  };
  await buildAtomic(
    datasetDir(home, set.id),
    'dir',
    async (tmp) => {
      for (const role of Object.keys(bytes) as IdxRole[]) await fs.writeFile(path.join(tmp, IDX_FILES[role]), bytes[role]);
      for (const file of set.extra ?? []) await fs.writeFile(path.join(tmp, file.name), file.data);
      // The manifest last: a folder with one is a ready set.
      await fs.writeFile(path.join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    },
    { overwrite: set.replace },
  );
  return manifest;
}
