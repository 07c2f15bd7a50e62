/**
 * Image-folder import: a folder (or a .zip of one) with subfolders `0` …
 * `9` of PNG or JPEG files — photos of digits on paper, scans — becomes a
 * data set through MNIST's preprocessing (the same as a prediction's: ink
 * cropped, fit in 20×20, centred by mass in 28×28). Its train and test
 * files hold the same images: a set to measure a model on. Every defect
 * (an empty or missing class, a file that is no image, an unreadable or
 * huge image, too many files) is refused with the file named, and nothing
 * is written unless every image was read.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DIGIT_CLASSES, NUM_CLASSES, PIXELS, type DatasetSummary } from '@shared/datasets';
import { mnistPreprocess } from '@shared/preprocess';
import { StudioError } from '@shared/result';
import { TargetExistsError } from '../fs-atomic';
import { decodeImage, ImageError } from '../models/image';
import { readZipEntries, ZipError } from '../models/zip';
import { freeId, nameFromFolder } from './import';
import { summarizeDataset } from './store';
import { writeDataset } from './write';

/** What one import reads at most. */
export const IMAGE_FOLDER_LIMITS = {
  /** Images in all. */
  maxImages: 20_000,
  /** Bytes of one image file. */
  maxFileBytes: 16 * 1024 * 1024,
  /** Bytes of all image files. */
  maxTotalBytes: 512 * 1024 * 1024,
} as const;

const IMAGE_EXTENSIONS = /\.(png|jpe?g)$/i;
/** Files a file manager leaves behind, skipped rather than refused. */
const SKIPPED = /^(\..*|thumbs\.db|desktop\.ini)$/i;

/** One image file to read: where it is (for messages), its class, and how to get its bytes. */
interface Source {
  label: number;
  where: string;
  size: number;
  read: () => Promise<Uint8Array>;
}

/** Whether a folder has the image-folder layout: at least one subfolder named 0 … 9. */
export async function isImageFolder(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.some((e) => e.isDirectory() && /^[0-9]$/.test(e.name));
}

async function folderSources(dir: string): Promise<Source[]> {
  const sources: Source[] = [];
  for (let label = 0; label < NUM_CLASSES; label++) {
    const classDir = path.join(dir, String(label));
    const stat = await fs.stat(classDir).catch(() => null);
    if (!stat?.isDirectory()) throw new StudioError('INVALID_ARGUMENT', `${dir}: no subfolder ${label}; an image folder holds one subfolder per digit, 0 to 9`, 'paths');
    for (const entry of (await fs.readdir(classDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (SKIPPED.test(entry.name)) continue;
      const file = path.join(classDir, entry.name);
      if (!entry.isFile()) throw new StudioError('INVALID_ARGUMENT', `${file}: not an image file (a folder or link); class folders hold PNG or JPEG files only`, 'paths');
      const size = (await fs.stat(file)).size;
      sources.push({ label, where: file, size, read: async () => new Uint8Array(await fs.readFile(file)) });
    }
  }
  return sources;
}

async function zipSources(zip: string): Promise<Source[]> {
  const limits = { maxEntries: IMAGE_FOLDER_LIMITS.maxImages + 64, maxEntryBytes: IMAGE_FOLDER_LIMITS.maxFileBytes, maxTotalBytes: IMAGE_FOLDER_LIMITS.maxTotalBytes };
  const entries = await readZipEntries(zip, limits, () => true).catch((err: unknown) => {
    throw err instanceof ZipError ? new StudioError('INTEGRITY', err.message, 'paths') : err;
  });
  const sources: Source[] = [];
  for (const [name, data] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    const parts = name.split('/');
    const base = parts.at(-1)!;
    if (SKIPPED.test(base) || parts.some((p) => p === '__MACOSX')) continue;
    const classPart = parts.at(-2);
    if (classPart === undefined || !/^[0-9]$/.test(classPart) || parts.length > 3) {
      throw new StudioError('INVALID_ARGUMENT', `${zip}: entry ${name} is not in a class folder 0 … 9`, 'paths');
    }
    sources.push({ label: Number(classPart), where: `${zip}: ${name}`, size: data.length, read: async () => new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  return sources;
}

/** Reads every image of the folder or .zip and imports them as data set `name` (default: from the folder's name). */
export async function importImageFolder(home: string, source: string, name?: string): Promise<DatasetSummary> {
  const isZip = source.toLowerCase().endsWith('.zip');
  const sources = isZip ? await zipSources(source) : await folderSources(source);
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (const s of sources) counts[s.label]!++;
  const empty = counts.flatMap((n, label) => (n === 0 ? [String(label)] : []));
  if (empty.length > 0)
    throw new StudioError('INVALID_ARGUMENT', `${source}: no images for ${empty.length === 1 ? 'class' : 'classes'} ${empty.join(', ')}; every digit needs at least one`, 'paths');
  if (sources.length > IMAGE_FOLDER_LIMITS.maxImages) {
    throw new StudioError('INVALID_ARGUMENT', `${source}: ${sources.length} images; an import reads at most ${IMAGE_FOLDER_LIMITS.maxImages}`, 'paths');
  }
  const total = sources.reduce((n, s) => n + s.size, 0);
  if (total > IMAGE_FOLDER_LIMITS.maxTotalBytes)
    throw new StudioError('INVALID_ARGUMENT', `${source}: ${total} bytes of images; an import reads at most ${IMAGE_FOLDER_LIMITS.maxTotalBytes}`, 'paths');

  const images = new Uint8Array(sources.length * PIXELS);
  const labels = new Uint8Array(sources.length);
  for (const [i, s] of sources.entries()) {
    if (!IMAGE_EXTENSIONS.test(s.where)) throw new StudioError('INVALID_ARGUMENT', `${s.where}: not a PNG or JPEG file (by its name); class folders hold images only`, 'paths');
    if (s.size > IMAGE_FOLDER_LIMITS.maxFileBytes) {
      throw new StudioError('INVALID_ARGUMENT', `${s.where}: ${s.size} bytes; an image of at most ${IMAGE_FOLDER_LIMITS.maxFileBytes} is read`, 'paths');
    }
    let bytes: Uint8Array;
    try {
      bytes = await s.read();
    } catch (err) {
      throw new StudioError('NOT_FOUND', `${s.where}: cannot be read (${(err as Error).message})`, 'paths');
    }
    let pixels: Uint8Array;
    try {
      pixels = mnistPreprocess(decodeImage(bytes)).pixels;
    } catch (err) {
      throw new StudioError('INVALID_ARGUMENT', `${s.where}: ${err instanceof ImageError ? err.message : `cannot be decoded (${(err as Error).message})`}`, 'paths');
    }
    images.set(pixels, i * PIXELS);
    labels[i] = s.label;
  }
  const id = name ?? (await freeId(home, nameFromFolder(isZip ? source.slice(0, -'.zip'.length) : source)));
  try {
    await writeDataset(home, {
      id,
      name: id,
      classNames: DIGIT_CLASSES,
      origin: { kind: 'import', from: source },
      train: { images, labels },
      test: { images, labels },
      personal: false,
      replace: false,
    });
  } catch (err) {
    if (err instanceof TargetExistsError) throw new StudioError('INVALID_ARGUMENT', `${id}: a data set of that name is already in the studio home; choose another name`, 'name');
    throw err;
  }
  return summarizeDataset(home, id);
}
