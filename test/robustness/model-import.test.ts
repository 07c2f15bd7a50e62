/**
 * The model-import validator against hostile folders and archives:
 * fast-check mutations (fixed seed, 1,000 runs) of a valid TF.js layers
 * model as tfjs-node saves it — model.json's fields and text, the weight
 * bytes and file, a metadata.json beside it, links, and the .zip of it.
 * Each import adds a model that reads back, or is refused with a typed
 * StudioError naming the file given; a refusal leaves the library as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { importModel } from '../../src/main/models/import';
import { readMetadata } from '../../src/main/models/store';
import { loadTf } from '../../src/main/native';
import { buildModel } from '../../src/main/trainer/model';
import { seededRandom } from '../../src/main/trainer/random';
import { ERROR_CODES, StudioError } from '../../src/shared/result';
import { isContainer, nodes, withKey, withNode } from '../helpers/json-mutations';
import { recordMetric, tmpdirInMemory } from '../helpers/robustness';
import { tmpDir } from '../helpers/tmp';

const RUNS = 1000;
const MiB = 1024 * 1024;
const WEIGHTS = 'group1-shard1of1.bin';
const SPEC = {
  name: 'tiny',
  layers: [{ type: 'flatten' as const }, { type: 'dense' as const, units: 4, activation: 'relu' as const }, { type: 'dense' as const, units: 10, activation: 'linear' as const }],
};

let valid: { json: Record<string, unknown>; weights: Buffer };

// Thousands of small files and the library's fsyncs: kept in memory, so the disk's speed does not set the run time.
tmpdirInMemory();

beforeAll(async () => {
  const tf = loadTf();
  const model = buildModel(tf, SPEC, seededRandom(3));
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      valid = {
        json: { modelTopology: a.modelTopology, format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers', weightsManifest: [{ paths: [WEIGHTS], weights: a.weightSpecs }] },
        weights: Buffer.from(a.weightData as ArrayBuffer),
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  model.dispose();
});

type FileMutation =
  | { kind: 'json'; pick: number; op: 'replace' | 'delete' | 'addKey'; key: string; value: unknown }
  | { kind: 'jsonText'; op: 'truncate' | 'flip' | 'bom' | 'huge' | 'empty'; at: number; char: string }
  | { kind: 'weights'; op: 'truncate' | 'append' | 'flip' | 'nan' | 'missing' | 'folder' | 'linkOut' | 'rename'; at: number; value: number }
  | { kind: 'metadata'; text: string }
  | { kind: 'none' };

type Packaging =
  { kind: 'folder' } | { kind: 'modelJson' } | { kind: 'zip'; damage: null | { op: 'flip' | 'truncate'; at: number; value: number }; nested: boolean; extra: string | null };

const hostileValue = fc.oneof(
  fc.constantFrom(NaN, -1, 0, 1e308, 2 ** 31, '', '../outside.bin', '/etc/passwd', 'C:\\x', 'a'.repeat(2000), null, true, [], {}, [0, 0], 'float16', 'int32', { scale: 1 }, ['x']),
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: -5, max: 5000 }),
);

const fileMutation: fc.Arbitrary<FileMutation> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('json' as const),
      pick: fc.nat(),
      op: fc.constantFrom('replace' as const, 'delete' as const, 'addKey' as const),
      key: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'quantization', 'class_name', 'batch_input_shape')),
      value: hostileValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('jsonText' as const),
      op: fc.constantFrom('truncate' as const, 'flip' as const, 'bom' as const, 'huge' as const, 'empty' as const),
      at: fc.nat(),
      char: fc.string({ minLength: 1, maxLength: 1 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('weights' as const),
      op: fc.constantFrom('truncate' as const, 'append' as const, 'flip' as const, 'nan' as const, 'missing' as const, 'folder' as const, 'linkOut' as const, 'rename' as const),
      at: fc.nat(),
      value: fc.nat(255),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('metadata' as const),
      text: fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
        fc.constantFrom('{"name":"ok","normalization":{"mean":0.5,"std":0}}', '{"name":"  "}', '{"name":"fine","normalization":{"mean":0.1,"std":0.3}}'),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
);

const packaging: fc.Arbitrary<Packaging> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'folder' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'modelJson' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('zip' as const),
      damage: fc.option(fc.record({ op: fc.constantFrom('flip' as const, 'truncate' as const), at: fc.nat(), value: fc.nat(255) }), { freq: 2 }),
      nested: fc.boolean(),
      extra: fc.option(fc.constantFrom('other/x.bin', 'README', '../evil.bin', 'model.json'), { freq: 4 }),
    }),
  },
);

/** Writes the mutated model folder; returns the folder. */
function writeFolder(dir: string, mutations: FileMutation[], outside: string): string {
  fs.mkdirSync(dir, { recursive: true });
  let json: unknown = structuredClone(valid.json);
  let text: string | null = null;
  let weights: Buffer | null = Buffer.from(valid.weights);
  let weightsAs: 'file' | 'folder' | 'link' = 'file';
  let weightsName = WEIGHTS;
  let metadata: string | null = null;
  for (const m of mutations) {
    switch (m.kind) {
      case 'json': {
        const all = nodes(json);
        const { path: at, value } = all[m.pick % all.length]!;
        if (m.op === 'replace') json = withNode(json, at, () => m.value);
        else if (m.op === 'delete' && at.length > 0) json = withNode(json, at, () => undefined, true);
        else if (m.op === 'addKey' && isContainer(value) && !Array.isArray(value)) json = withKey(json, at, m.key, m.value);
        break;
      }
      case 'jsonText': {
        const t: string = text ?? JSON.stringify(json);
        if (m.op === 'truncate') text = t.slice(0, m.at % t.length);
        else if (m.op === 'flip') text = t.slice(0, m.at % t.length) + m.char + t.slice((m.at % t.length) + 1);
        else if (m.op === 'bom') text = `\uFEFF${t}`;
        else if (m.op === 'huge') text = `${t.slice(0, -1)},"pad":"${'x'.repeat(MiB)}"}`;
        else text = '';
        break;
      }
      case 'weights':
        if (m.op === 'truncate' && weights) weights = weights.subarray(0, m.at % weights.length);
        else if (m.op === 'append' && weights) weights = Buffer.concat([weights, Buffer.alloc(1 + (m.at % 64), m.value)]);
        else if (m.op === 'flip' && weights) {
          weights = Buffer.from(weights);
          weights[m.at % weights.length] = m.value;
        } else if (m.op === 'nan' && weights) {
          weights = Buffer.from(weights);
          weights.writeUInt32LE(m.value % 2 ? 0x7fc00000 : 0x7f800000, 4 * (m.at % (weights.length / 4)));
        } else if (m.op === 'missing') weights = null;
        else if (m.op === 'folder') weightsAs = 'folder';
        else if (m.op === 'linkOut') weightsAs = 'link';
        else if (m.op === 'rename') weightsName = 'renamed.bin';
        break;
      case 'metadata':
        metadata = m.text;
        break;
      case 'none':
        break;
      default:
        throw new Error(`unknown mutation ${JSON.stringify(m satisfies never)}`);
    }
  }
  fs.writeFileSync(path.join(dir, 'model.json'), text ?? JSON.stringify(json) ?? 'undefined');
  const weightFile = path.join(dir, weightsName);
  if (weightsAs === 'folder') fs.mkdirSync(weightFile);
  else if (weightsAs === 'link') fs.symlinkSync(outside, weightFile);
  else if (weights) fs.writeFileSync(weightFile, weights);
  if (metadata !== null) fs.writeFileSync(path.join(dir, 'metadata.json'), metadata);
  return dir;
}

async function zipFolder(dir: string, out: string, p: Extract<Packaging, { kind: 'zip' }>): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    const stat = fs.lstatSync(file);
    const entry = p.nested ? `exported-model/${name}` : name;
    if (stat.isSymbolicLink()) zip.addBuffer(Buffer.from(fs.readlinkSync(file)), entry, { mode: 0o120777 });
    else if (stat.isDirectory()) zip.addEmptyDirectory(entry);
    else zip.addBuffer(fs.readFileSync(file), entry);
  }
  if (p.extra) zip.addBuffer(Buffer.from('extra'), p.extra.replace('../', 'AA/'));
  zip.end();
  await new Promise<void>((resolve, reject) => zip.outputStream.pipe(fs.createWriteStream(out)).on('close', resolve).on('error', reject));
  let bytes = fs.readFileSync(out);
  // yazl refuses to write `../`: put it in by hand, as a hostile archive would.
  if (p.extra?.startsWith('../')) bytes = Buffer.from(bytes.toString('latin1').replaceAll('AA/evil.bin', '../evil.bin'), 'latin1');
  if (p.damage?.op === 'flip') bytes[p.damage.at % bytes.length] = p.damage.value;
  if (p.damage?.op === 'truncate') bytes = bytes.subarray(0, p.damage.at % bytes.length);
  fs.writeFileSync(out, bytes);
  return out;
}

/** Library folders, temporary ones included: a refusal must leave exactly what was there. */
function libraryEntries(home: string): string[] {
  const dir = path.join(home, 'models');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

describe('fast-check: importing mutated models', () => {
  it('adds a model that reads back, or refuses with a typed error naming the file given and adds nothing', { timeout: 600_000 }, async () => {
    const root = tmpDir();
    const home = path.join(root, 'home');
    const outside = path.join(root, 'outside.bin');
    fs.writeFileSync(outside, valid.weights);
    const tally: Record<string, number> = { imported: 0 };
    const before = process.resourceUsage().maxRSS;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fileMutation, { minLength: 1, maxLength: 3 }), packaging, async (mutations, pack) => {
        const case_ = path.join(root, `case-${n++}`);
        const dir = writeFolder(path.join(case_, 'model'), mutations, outside);
        const target = pack.kind === 'zip' ? await zipFolder(dir, path.join(case_, 'model.zip'), pack) : pack.kind === 'modelJson' ? path.join(dir, 'model.json') : dir;
        const library = libraryEntries(home);
        let outcome: { id: string } | { error: unknown };
        try {
          // The normalisation as `--normalisation unit` gives it: a folder without metadata.json records none.
          outcome = { id: (await importModel({ home, path: target, normalization: { mean: 0, std: 1 } })).id };
        } catch (error) {
          outcome = { error };
        }
        if ('id' in outcome) {
          tally.imported!++;
          const read = await readMetadata(home, outcome.id);
          expect(read.spec.layers.at(-1)).toMatchObject({ type: 'dense', units: 10 });
          expect(libraryEntries(home)).toEqual([...library, outcome.id].sort());
        } else {
          const err = outcome.error;
          if (!(err instanceof StudioError)) throw new Error(`${target}: an untyped error: ${String(err)}`, { cause: err });
          expect(ERROR_CODES).toContain(err.code);
          expect(['INTEGRITY', 'INVALID_ARGUMENT', 'NOT_FOUND'], `${err.code}: ${err.message}`).toContain(err.code);
          // Named by what the user gave: the folder (or a file in it) or the archive.
          const given = pack.kind === 'zip' ? target : dir;
          expect(err.message.startsWith(given), `${err.message} should name ${given}`).toBe(true);
          expect(err.message.length).toBeLessThan(1000);
          tally[err.code] = (tally[err.code] ?? 0) + 1;
          expect(libraryEntries(home)).toEqual(library);
        }
        fs.rmSync(case_, { recursive: true, force: true });
      }),
      { seed: 9001, numRuns: RUNS },
    );
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    recordMetric({
      category: 'model-import',
      name: 'mutated TF.js folders, model.json files and .zip archives',
      runs: RUNS,
      peakRssMb,
      extra: { ...tally, peakGrowthMb: (process.resourceUsage().maxRSS - before) / 1024 },
    });
    expect(tally.imported).toBeGreaterThan(20);
    expect(RUNS - tally.imported!).toBeGreaterThan(RUNS / 2);
  });
});
