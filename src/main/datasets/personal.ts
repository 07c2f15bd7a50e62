/**
 * Personal data sets in the studio home: `datasets/<id>/` with the four
 * IDX files (train and test hold the same drawings: a set to measure on,
 * which fine-tuning splits itself), `strokes.json` (every drawing as
 * drawn) and a manifest marked `personal`. Saving computes each new
 * drawing's 28×28 from its strokes with the shared preprocessing; an
 * export is a .zip of `personal.json`, the IDX pair and one PNG a drawing,
 * which `importPersonalZip` brings back on another machine.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { DIGIT_CLASSES, PIXELS, type DatasetSummary } from '@shared/datasets';
import {
  PERSONAL_LIMITS,
  PERSONAL_ZIP_MANIFEST,
  PersonalFileSchema,
  personalPixels,
  STROKES_FILE,
  PAD_SIZE,
  PEN_WIDTH,
  type PersonalFile,
  type PersonalSample,
} from '@shared/personal';
import { StudioError } from '@shared/result';
import { TargetExistsError } from '../fs-atomic';
import { readZipEntries, writeZip, ZipError } from '../models/zip';
import { readIdxFile } from './idx';
import { datasetDir, readManifest, summarizeDataset } from './store';
import { idxImagesBytes, idxLabelsBytes, writeDataset } from './write';

/** A personal set's .zip: its manifest, the IDX pair, one small PNG a drawing. */
const PERSONAL_ZIP_LIMITS = { maxEntries: PERSONAL_LIMITS.maxSamples + 16, maxEntryBytes: 64 * 1024 * 1024, maxTotalBytes: 128 * 1024 * 1024 };

export const PERSONAL_IMAGES = 'images-idx3-ubyte';
export const PERSONAL_LABELS = 'labels-idx1-ubyte';

async function readPersonalFile(dir: string, id: string): Promise<PersonalFile> {
  const file = path.join(dir, STROKES_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new StudioError('INTEGRITY', `${file}: ${id}'s strokes cannot be read (${(err as Error).message})`, 'id');
  }
  const parsed = PersonalFileSchema.safeParse(json);
  if (!parsed.success) throw new StudioError('INTEGRITY', `${file}: not a personal set's strokes (${parsed.error.issues[0]?.message ?? 'invalid'})`, 'id');
  return parsed.data;
}

/** A personal set's drawings and their 28×28 images, read and checked against each other. */
async function readPersonal(home: string, id: string): Promise<{ file: PersonalFile; images: Uint8Array; labels: Uint8Array }> {
  const dir = datasetDir(home, id);
  const manifest = await readManifest(dir);
  if (!manifest) throw new StudioError('NOT_FOUND', `${id}: no such data set in the studio home`, 'id');
  if (!manifest.personal) throw new StudioError('INVALID_ARGUMENT', `${id}: not a personal set (its images were not drawn here); choose a personal set or a new name`, 'id');
  const file = await readPersonalFile(dir, id);
  const imagesFile = path.join(dir, manifest.files.testImages.file);
  const labelsFile = path.join(dir, manifest.files.testLabels.file);
  const images = (await readIdxFile(imagesFile, imagesFile, { kind: 'images', count: manifest.test.count }, { keepData: true })).data!;
  const labels = (await readIdxFile(labelsFile, labelsFile, { kind: 'labels', count: manifest.test.count }, { keepData: true })).data!;
  if (file.samples.length !== labels.length || file.samples.some((s, i) => s.label !== labels[i])) {
    throw new StudioError('INTEGRITY', `${path.join(dir, STROKES_FILE)}: its ${file.samples.length} drawings do not match the set's ${labels.length} labels`, 'id');
  }
  return { file, images, labels };
}

export interface SavePersonalOptions {
  id: string;
  /** Shown on the screens; default the id. Ignored when extending (the set keeps its name). */
  name?: string | undefined;
  samples: readonly PersonalSample[];
  /** Add to the set at `id` (which must be personal); false: a new set, refused when the id is taken. */
  extend: boolean;
}

/** Saves drawings as a new personal set or adds them to one; the set is replaced whole, atomically. */
export async function savePersonal(home: string, options: SavePersonalOptions): Promise<DatasetSummary> {
  const { id, samples, extend } = options;
  const before = extend ? await readPersonal(home, id) : null;
  const total = (before?.labels.length ?? 0) + samples.length;
  if (total > PERSONAL_LIMITS.maxSamples) {
    throw new StudioError('INVALID_ARGUMENT', `${id}: would hold ${total} drawings; a personal set holds at most ${PERSONAL_LIMITS.maxSamples}`, 'samples');
  }
  const images = new Uint8Array(total * PIXELS);
  const labels = new Uint8Array(total);
  if (before) {
    images.set(before.images);
    labels.set(before.labels);
  }
  const offset = before?.labels.length ?? 0;
  samples.forEach((sample, k) => {
    images.set(personalPixels(sample), (offset + k) * PIXELS);
    labels[offset + k] = sample.label;
  });
  const name = before?.file.name ?? options.name ?? id;
  const file: PersonalFile = { version: 1, name, padSize: PAD_SIZE, penWidth: PEN_WIDTH, samples: [...(before?.file.samples ?? []), ...samples] };
  try {
    await writeDataset(home, {
      id,
      name,
      classNames: DIGIT_CLASSES,
      origin: { kind: 'import', from: 'drawn in MNIST Studio' },
      train: { images, labels },
      test: { images, labels },
      personal: true,
      extra: [{ name: STROKES_FILE, data: JSON.stringify(file) }],
      replace: extend,
    });
  } catch (err) {
    if (err instanceof TargetExistsError) {
      throw new StudioError('INVALID_ARGUMENT', `${id}: a data set of that name is already in the studio home; choose another name or add to it`, 'id');
    }
    throw err;
  }
  return summarizeDataset(home, id);
}

function pngOf(pixels: Uint8Array): Buffer {
  const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(pixels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** The .zip of a personal set as bytes: `personal.json`, the IDX pair, and `png/<label>/<n>.png` for each drawing. */
export async function personalZipBytes(home: string, id: string): Promise<{ fileName: string; data: Uint8Array; count: number }> {
  const { file, images, labels } = await readPersonal(home, id);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mnist-studio-personal-'));
  try {
    const dest = path.join(dir, `${id}.zip`);
    const entries: { name: string; data: Uint8Array | string }[] = [
      { name: PERSONAL_ZIP_MANIFEST, data: JSON.stringify(file) },
      { name: PERSONAL_IMAGES, data: idxImagesBytes(images) },
      { name: PERSONAL_LABELS, data: idxLabelsBytes(labels) },
    ];
    for (let i = 0; i < labels.length; i++) {
      entries.push({ name: `png/${labels[i]}/${String(i + 1).padStart(5, '0')}.png`, data: pngOf(images.subarray(i * PIXELS, (i + 1) * PIXELS)) });
    }
    await writeZip(dest, entries);
    return { fileName: `${id}.zip`, data: new Uint8Array(await fs.readFile(dest)), count: labels.length };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Whether a .zip is a personal set's export (it holds `personal.json` at its root). */
export async function isPersonalZip(zip: string): Promise<boolean> {
  const found = await readZipEntries(zip, PERSONAL_ZIP_LIMITS, (name) => name === PERSONAL_ZIP_MANIFEST).catch((err: unknown) => {
    throw err instanceof ZipError ? new StudioError('INTEGRITY', err.message, 'paths') : err;
  });
  return found.size > 0;
}

/**
 * Brings in a personal set's .zip as a new personal set: its drawings are
 * checked and their 28×28 images computed again from the strokes (so the
 * set is what this studio's preprocessing makes of them); the IDX pair must
 * agree with the drawings' labels.
 */
export async function importPersonalZip(home: string, zip: string, id: string): Promise<DatasetSummary> {
  const entries = await readZipEntries(zip, PERSONAL_ZIP_LIMITS, (name) => name === PERSONAL_ZIP_MANIFEST || name === PERSONAL_LABELS).catch((err: unknown) => {
    throw err instanceof ZipError ? new StudioError('INTEGRITY', err.message, 'paths') : err;
  });
  const manifest = entries.get(PERSONAL_ZIP_MANIFEST);
  if (!manifest) throw new StudioError('INVALID_ARGUMENT', `${zip}: no ${PERSONAL_ZIP_MANIFEST}; not a personal set's .zip`, 'paths');
  let json: unknown;
  try {
    json = JSON.parse(manifest.toString('utf8'));
  } catch (err) {
    throw new StudioError('INTEGRITY', `${zip}: ${PERSONAL_ZIP_MANIFEST} is not JSON (${(err as Error).message})`, 'paths');
  }
  const parsed = PersonalFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StudioError('INTEGRITY', `${zip}: ${PERSONAL_ZIP_MANIFEST} ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'is not valid'}`, 'paths');
  }
  const { samples, name } = parsed.data;
  if (samples.length === 0) throw new StudioError('INVALID_ARGUMENT', `${zip}: holds no drawings`, 'paths');
  const labels = entries.get(PERSONAL_LABELS);
  if (labels) {
    const ok = labels.length === 8 + samples.length && labels.readUInt32BE(0) === 0x801 && samples.every((s, i) => labels[8 + i] === s.label);
    if (!ok) throw new StudioError('INTEGRITY', `${zip}: ${PERSONAL_LABELS} does not match the ${samples.length} drawings of ${PERSONAL_ZIP_MANIFEST}`, 'paths');
  }
  if (await readManifest(datasetDir(home, id))) {
    throw new StudioError('INVALID_ARGUMENT', `${id}: a data set of that name is already in the studio home; choose another with --name`, 'name');
  }
  return savePersonal(home, { id, name: name || id, samples, extend: false });
}
