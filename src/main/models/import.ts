/**
 * Import of a TF.js layers model (a folder with model.json and weight
 * files, or a .zip of one) into the library. Every check runs here, in
 * plain TypeScript, before TensorFlow could read a byte: model.json's size
 * and schema, the topology (only what the studio builds, 28×28 in, 10
 * out, layer and parameter caps), the manifest (plain file names inside
 * the folder, float32/int32, shapes the layers need), each weight file
 * (no link out, exactly the bytes its shapes need, finite values). The
 * library then writes its own model.json and weights.bin from what passed,
 * into a temporary folder renamed into place at the end: on any failure
 * nothing is added.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { Hyperparams } from '@shared/hyperparams';
import { LAYER_LIMITS } from '@shared/model-spec';
import { DatasetInfoSchema, MODEL_FILES, ModelMetadataSchema, ModelName, withoutControlCharacters, type ModelMetadata } from '@shared/models';
import { StudioError } from '@shared/result';
import { appVersion } from '../app-info';
import { newId } from '../ids';
import { canonicalLayerNames, canonicalTopology, inLibraryOrder, parseTopology, TopologyError, type ExpectedWeight, type ReadWeight } from './keras';
import { isKerasFile, readKerasFile, SAVED_MODEL_ADVICE } from './keras-import';
import { addModelFolder, uniqueModelName } from './store';
import { OnnxImportError, readOnnx } from './onnx-import';
import { extractFlatZip, ZipError, type ZipLimits } from './zip';

/** model.json holds a topology and a manifest: a few kB for any network the studio builds. */
export const MAX_MODEL_JSON_BYTES = 1024 * 1024;
/** A metadata.json beside an exported model (its name and normalisation are taken). */
const MAX_METADATA_BYTES = 1024 * 1024;
/** Weight bytes allowed in all: the parameter cap in float32. */
export const MAX_WEIGHT_BYTES = LAYER_LIMITS.params.max * 4;
const MAX_GROUPS = 64;
const MAX_WEIGHT_ENTRIES = 256;

export const ZIP_LIMITS: ZipLimits = { maxEntries: 128, maxEntryBytes: MAX_WEIGHT_BYTES, maxTotalBytes: MAX_WEIGHT_BYTES + 4 * 1024 * 1024 };

const BYTES_PER_ELEMENT = { float32: 4, int32: 4 } as const;

/** What model.json must hold; the topology is read by `parseTopology`, the manifest here. */
const ModelJsonFile = z
  .object({
    modelTopology: z.unknown(),
    format: z.string().max(100).optional(),
    weightsManifest: z
      .array(
        z
          .object({
            paths: z.array(z.string().max(1000)).min(1).max(1000),
            weights: z
              .array(
                z
                  .object({
                    name: z.string().min(1).max(500),
                    shape: z.array(z.number().int().min(0)).max(8),
                    dtype: z.string().max(50),
                    quantization: z.unknown().optional(),
                  })
                  .loose(),
              )
              .max(MAX_WEIGHT_ENTRIES),
          })
          .loose(),
      )
      .min(1)
      .max(MAX_GROUPS),
  })
  .loose();

type Manifest = z.output<typeof ModelJsonFile>['weightsManifest'];

/** A model the studio will not import: `file` is the one at fault. */
export class ImportError extends StudioError {
  constructor(file: string, reason: string) {
    super('INTEGRITY', `${file}: ${reason}`);
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** A manifest path must name a plain file in the model's own folder. */
function plainName(p: string): boolean {
  return p.length > 0 && p.length <= 255 && p !== '.' && p !== '..' && !/[/\\\0]/.test(p) && !path.isAbsolute(p) && !/^[A-Za-z]:/.test(p);
}

/** Elements of a shape, refusing anything past `limit` before the product can overflow. */
function elements(shape: number[], limit: number): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > limit) return Infinity;
  }
  return n;
}

/** Resolves a file inside `dir` (real path `realDir`), refusing links that lead out and anything but a regular file. */
async function fileInside(dir: string, realDir: string, name: string, label: string): Promise<{ file: string; size: number }> {
  const file = path.join(dir, name);
  let stat;
  try {
    stat = await fs.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ImportError(file, `missing (${label})`);
    throw new ImportError(file, (err as Error).message);
  }
  if (stat.isSymbolicLink()) {
    const real = await fs.realpath(file).catch(() => null);
    if (real === null) throw new ImportError(file, 'a symbolic link to nothing');
    if (path.dirname(real) !== realDir) throw new ImportError(file, `a symbolic link to ${real}, outside the model folder`);
    stat = await fs.stat(real);
  }
  if (!stat.isFile()) throw new ImportError(file, 'not a regular file');
  return { file, size: stat.size };
}

/** Reads a small JSON file whose size is checked before a byte is read. */
async function readSmallJson(dir: string, realDir: string, name: string, max: number): Promise<unknown> {
  const { file, size } = await fileInside(dir, realDir, name, 'a TF.js model folder holds model.json');
  if (size === 0) throw new ImportError(file, 'empty (0 bytes)');
  if (size > max) throw new ImportError(file, `${fmt(size)} bytes; at most ${fmt(max)} are allowed`);
  const text = await fs.readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ImportError(file, `not valid JSON (${(err as Error).message})`);
  }
}

/** Where each expected weight sits in the manifest's byte stream. */
interface Located {
  expected: ExpectedWeight;
  group: number;
  /** Byte offset within its group's concatenated files. */
  offset: number;
  dtype: 'float32' | 'int32';
}

/**
 * Checks the manifest against the weights the layers need: every weight
 * found once by name with the right shape, nothing extra, float32 or
 * int32 only, no quantisation, plain file names. Returns where each weight
 * is and the bytes each group's files must hold.
 */
function checkManifest(file: string, manifest: Manifest, expected: ExpectedWeight[]): { located: Located[]; groupBytes: number[] } {
  const groupBytes: number[] = [];
  const entries: { name: string; shape: number[]; dtype: 'float32' | 'int32'; group: number; offset: number }[] = [];
  const seenPaths = new Set<string>();
  let total = 0;
  manifest.forEach((group, g) => {
    for (const p of group.paths) {
      if (!plainName(p)) throw new ImportError(file, `weightsManifest path ${JSON.stringify(p.slice(0, 200))} is not a plain file name in the model folder`);
      if (seenPaths.has(p)) throw new ImportError(file, `weightsManifest lists ${p} twice`);
      seenPaths.add(p);
    }
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new ImportError(file, `weight ${w.name}: dtype ${w.dtype.slice(0, 50)} is not allowed (float32 or int32 only)`);
      if (w.quantization !== undefined) throw new ImportError(file, `weight ${w.name}: quantized weights are not supported`);
      const n = elements(w.shape, LAYER_LIMITS.params.max);
      if (n === Infinity) throw new ImportError(file, `weight ${w.name}: shape [${w.shape.join(', ')}] holds more than the ${fmt(LAYER_LIMITS.params.max)} parameters allowed`);
      total += n;
      if (total > LAYER_LIMITS.params.max) throw new ImportError(file, `the weights hold more than the ${fmt(LAYER_LIMITS.params.max)} parameters allowed`);
      entries.push({ name: w.name, shape: w.shape, dtype: w.dtype, group: g, offset });
      offset += n * BYTES_PER_ELEMENT[w.dtype];
    }
    groupBytes.push(offset);
  });

  const used = new Set<number>();
  const located = expected.map((exp): Located => {
    const wanted = `${exp.layer}/${exp.weight}`;
    // Keras may prefix a scope (`sequential/dense/kernel`); the layer's own name and the weight's end it.
    let matches = entries.map((e, i) => [e, i] as const).filter(([e]) => e.name === wanted);
    if (matches.length === 0) matches = entries.map((e, i) => [e, i] as const).filter(([e]) => e.name.endsWith(`/${wanted}`));
    if (matches.length === 0) throw new ImportError(file, `weightsManifest has no weight ${wanted} (layer ${exp.layer} needs shape [${exp.shape.join(', ')}])`);
    if (matches.length > 1) throw new ImportError(file, `weightsManifest has ${matches.length} weights named like ${wanted}`);
    const [entry, index] = matches[0]!;
    if (entry.shape.length !== exp.shape.length || entry.shape.some((d, i) => d !== exp.shape[i])) {
      throw new ImportError(file, `weight ${entry.name} has shape [${entry.shape.join(', ')}] but layer ${exp.layer} needs [${exp.shape.join(', ')}]`);
    }
    used.add(index);
    return { expected: exp, group: entry.group, offset: entry.offset, dtype: entry.dtype };
  });
  const extra = entries.find((_, i) => !used.has(i));
  if (extra) throw new ImportError(file, `weight ${extra.name} belongs to no layer of the network`);
  return { located, groupBytes };
}

/** Checks a staged (or given) folder and reads it into the files the library writes. */
async function readValidated(dir: string): Promise<{
  topology: object;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  weights: Uint8Array;
  spec: ModelMetadata['spec'];
  meta: ForeignMetadata | null;
}> {
  let realDir: string;
  try {
    realDir = await fs.realpath(dir);
  } catch (err) {
    throw new ImportError(dir, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message);
  }
  const jsonFile = path.join(dir, MODEL_FILES.topology);
  const raw = await readSmallJson(dir, realDir, MODEL_FILES.topology, MAX_MODEL_JSON_BYTES);
  const parsed = ModelJsonFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ImportError(
      jsonFile,
      `${issue?.path.map(String).join('.') || 'file'}: ${issue?.message ?? 'invalid'} (a TF.js layers model.json has modelTopology and weightsManifest)`,
    );
  }
  if (parsed.data.format !== undefined && parsed.data.format !== 'layers-model')
    throw new ImportError(jsonFile, `format ${parsed.data.format.slice(0, 100)} is not a TF.js layers model`);
  let topology;
  try {
    topology = parseTopology(parsed.data.modelTopology);
  } catch (err) {
    if (err instanceof TopologyError) throw new ImportError(jsonFile, err.message);
    throw err;
  }
  const { located, groupBytes } = checkManifest(jsonFile, parsed.data.weightsManifest, topology.weights);

  // Each group's files, in order, must hold exactly the bytes its weights need.
  const groups: { file: string; size: number }[][] = [];
  for (const [g, group] of parsed.data.weightsManifest.entries()) {
    const files = [];
    for (const p of group.paths) files.push(await fileInside(dir, realDir, p, `listed in ${MODEL_FILES.topology}`));
    const size = files.reduce((n, f) => n + f.size, 0);
    if (size !== groupBytes[g]) {
      const which = files.length === 1 ? files[0]!.file : `${files.map((f) => path.basename(f.file)).join(', ')} in ${dir}`;
      throw new ImportError(which, `${fmt(size)} bytes${files.length > 1 ? ' in all' : ''}, but the manifest's shapes and dtypes need exactly ${fmt(groupBytes[g]!)}`);
    }
    groups.push(files);
  }

  // Sizes are known good and capped: only now are bytes read, group by group.
  const groupData: Buffer[] = [];
  for (const files of groups) groupData.push(Buffer.concat(await Promise.all(files.map((f) => fs.readFile(f.file)))));
  const names = canonicalLayerNames(topology.spec);
  const read: ReadWeight[] = [];
  for (const loc of located) {
    const n = elements(loc.expected.shape, Infinity);
    const buf = groupData[loc.group]!;
    const view = new DataView(buf.buffer, buf.byteOffset + loc.offset, n * 4);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = loc.dtype === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
      if (!Number.isFinite(v))
        throw new ImportError(
          path.join(dir, parsed.data.weightsManifest[loc.group]!.paths[0]!),
          `weight ${loc.expected.layer}/${loc.expected.weight} holds NaN or infinite values`,
        );
      data[i] = v;
    }
    read.push({ spec: { name: `${names[loc.expected.index]}/${loc.expected.weight}`, shape: loc.expected.shape, dtype: 'float32' }, data });
  }
  const meta = await readForeignMetadata(dir, realDir);
  return { topology: canonicalTopology(topology.spec, topology.spec.name), ...inLibraryOrder(topology.spec, read), spec: topology.spec, meta };
}

/** What is taken from a metadata.json beside the model (the studio's own exports have one): the name, the normalisation and the data set it was trained on. */
const ForeignMetadata = z
  .object({
    name: ModelName.optional(),
    normalization: Hyperparams.shape.normalization.unwrap().optional(),
    // Checked apart: a data set record this studio cannot read is left out, never a reason to refuse the model.
    dataset: z.unknown().optional(),
  })
  .loose();
type ForeignMetadata = z.output<typeof ForeignMetadata>;

async function readForeignMetadata(dir: string, realDir: string): Promise<ForeignMetadata | null> {
  try {
    await fs.lstat(path.join(dir, MODEL_FILES.metadata));
  } catch {
    return null;
  }
  const raw = await readSmallJson(dir, realDir, MODEL_FILES.metadata, MAX_METADATA_BYTES);
  const parsed = ForeignMetadata.safeParse(raw);
  if (!parsed.success)
    throw new ImportError(path.join(dir, MODEL_FILES.metadata), `${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** An error about a file extracted from an archive, naming the archive the user gave and the file inside it, not the temporary folder. */
function fromArchive(err: StudioError, staging: string, zip: string): StudioError {
  const inner = err.message.split(`${staging}${path.sep}`).join('').split(staging).join('the archive');
  return new StudioError(err.code, `${zip}: ${inner}`, err.field);
}

/** A model whose file records no input normalisation, imported without one: the studio does not guess (issue 16). */
export class NormalizationNeeded extends StudioError {
  constructor(
    readonly file: string,
    /** What scoring under each choice found, appended when known. */
    scores = '',
  ) {
    super(
      'INVALID_ARGUMENT',
      `${file}: the model records no input normalisation, and a wrong guess costs accuracy silently: say how its pixels p were scaled in training — mnist ((p/255 − 0.1307)/0.3081, the PyTorch tutorial's), unit (p/255), raw (p) or MEAN,STD (CLI: --normalisation; API: normalization)${scores}`,
      'normalization',
    );
  }
}

export interface ImportOptions {
  home: string;
  /** A folder, its model.json, a .zip of the folder, or a Keras .keras / .h5 file. */
  path: string;
  name?: string | undefined;
  normalization?: { mean: number; std: number } | undefined;
  /** Keep this id (a reproduction bundle's parent model) instead of a new one. */
  id?: string | undefined;
  /** What the user gave, for the default name and `importedFrom`, when not `path` (an upload's file name). */
  source?: string | undefined;
}

/**
 * Validates and adds a model; returns its metadata. Every refusal is an
 * INTEGRITY error naming the file and the defect, and leaves the library
 * as it was.
 */
export async function importModel(options: ImportOptions): Promise<ModelMetadata> {
  // The same rule as a rename, whichever way the name came (the API checks it too; a bundle's does not pass there).
  const named = options.name === undefined ? undefined : ModelName.safeParse(options.name);
  if (named && !named.success) throw new StudioError('INVALID_ARGUMENT', `name: ${named.error.issues[0]?.message ?? 'invalid'}`, 'name');
  const given = path.resolve(options.path);
  const stat = await fs.stat(given).catch((err: NodeJS.ErrnoException) => {
    throw new StudioError('NOT_FOUND', `${given}: ${err.code === 'ENOENT' ? 'no such file or folder' : err.message}`, 'path');
  });
  let staging: string | null = null;
  const source = options.source ?? given;
  try {
    if (stat.isFile() && given.toLowerCase().endsWith('.onnx')) return await importOnnxFile(options, given, source, named?.data);
    let dir: string;
    if (stat.isDirectory() || path.basename(given) === 'saved_model.pb') {
      const folder = stat.isDirectory() ? given : path.dirname(given);
      if (
        await fs
          .stat(path.join(folder, 'saved_model.pb'))
          .then((s) => s.isFile())
          .catch(() => false)
      )
        throw new StudioError('INVALID_ARGUMENT', `${folder}: ${SAVED_MODEL_ADVICE}`, 'path');
    }
    let read: Awaited<ReturnType<typeof readValidated>> & { normalization?: { mean: number; std: number } | null };
    if (isKerasFile(given) && !stat.isDirectory()) {
      read = { ...(await readKerasFile(given, source, ZIP_LIMITS)), meta: null };
    } else {
      if (stat.isDirectory()) dir = given;
      else if (given.toLowerCase().endsWith('.zip')) {
        staging = await fs.mkdtemp(path.join(os.tmpdir(), 'mnist-studio-import-'));
        try {
          await extractFlatZip(given, staging, ZIP_LIMITS);
        } catch (err) {
          if (err instanceof ZipError) throw new StudioError('INTEGRITY', err.message);
          throw err;
        }
        dir = staging;
      } else if (path.basename(given) === MODEL_FILES.topology) dir = path.dirname(given);
      else throw new StudioError('INVALID_ARGUMENT', `${given}: not a model folder, its model.json, a .zip of one, a Keras .keras / .h5 file or an .onnx file`, 'path');

      read = await readValidated(dir).catch((err: unknown) => {
        throw staging && err instanceof StudioError ? fromArchive(err, staging, given) : err;
      });
    }
    const id = options.id ?? newId();
    const metadata = ModelMetadataSchema.parse({
      formatVersion: 1,
      id,
      // A file name may be longer than a model name may be, and hold control characters; a name taken gets " (2)".
      name: await uniqueModelName(
        options.home,
        named?.data ??
          read.meta?.name ??
          (withoutControlCharacters(path.basename(source).replace(/\.(zip|keras|h5|hdf5)$/i, ''))
            .trim()
            .slice(0, 100) ||
            read.spec.name),
      ),
      createdAt: new Date().toISOString(),
      spec: read.spec,
      inputShape: [28, 28, 1],
      // What the user gave, else what the file records: a studio export's metadata.json, a Keras model's Rescaling / Normalization layers.
      normalization: options.normalization ?? read.normalization ?? read.meta?.normalization ?? fail(new NormalizationNeeded(source)),
      hyperparams: null,
      // The data set a studio export says it was trained on: the library evaluates the model on it when it is installed.
      dataset: DatasetInfoSchema.safeParse(read.meta?.dataset).data ?? null,
      params: read.weights.byteLength / 4,
      testAccuracy: null,
      testLoss: null,
      runId: null,
      parentModelId: null,
      importedFrom: source,
      stoppedEarly: false,
      app: appVersion(),
      tfjs: null,
    } satisfies ModelMetadata);
    await addModelFolder(options.home, {
      topology: read.topology,
      weightSpecs: read.weightSpecs,
      weights: read.weights,
      metadata,
      generatedBy: `MNIST Studio ${appVersion()} import`,
    });
    return metadata;
  } finally {
    if (staging) await fs.rm(staging, { recursive: true, force: true });
  }
}

/** An .onnx file (PyTorch's export or the studio's own) into the library; the normalisation is the file's or the caller's. */
async function importOnnxFile(options: ImportOptions, file: string, source: string, name: string | undefined): Promise<ModelMetadata> {
  const read = await readOnnx(file).catch((err: unknown) => {
    throw err instanceof OnnxImportError ? new StudioError('INTEGRITY', err.message) : err;
  });
  const metadata = ModelMetadataSchema.parse({
    formatVersion: 1,
    id: options.id ?? newId(),
    name: await uniqueModelName(
      options.home,
      name ??
        (withoutControlCharacters(path.basename(source).replace(/\.onnx$/i, ''))
          .trim()
          .slice(0, 100) ||
          read.spec.name),
    ),
    createdAt: new Date().toISOString(),
    spec: read.spec,
    inputShape: [28, 28, 1],
    normalization: options.normalization ?? read.normalization ?? fail(new NormalizationNeeded(source)),
    hyperparams: null,
    dataset: null,
    params: read.weights.byteLength / 4,
    testAccuracy: null,
    testLoss: null,
    runId: null,
    parentModelId: null,
    importedFrom: source,
    stoppedEarly: false,
    app: appVersion(),
    tfjs: null,
  } satisfies ModelMetadata);
  await addModelFolder(options.home, {
    topology: read.topology,
    weightSpecs: read.weightSpecs,
    weights: read.weights,
    metadata,
    generatedBy: `MNIST Studio ${appVersion()} import (ONNX${read.producer ? ` from ${read.producer}` : ''})`,
  });
  return metadata;
}

function fail(err: Error): never {
  throw err;
}
