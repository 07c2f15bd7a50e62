import fs from 'node:fs';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-node';
import { beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { presetSpec } from '../../../src/shared/model-spec';
import { importModel } from '../../../src/main/models/import';
import { canonicalTopology, parseTopology } from '../../../src/main/models/keras';
import { loadTf } from '../../../src/main/native';
import { buildModel } from '../../../src/main/trainer/model';
import { seededRandom } from '../../../src/main/trainer/random';
import { digitTensor } from '../../helpers/models';
import { ROOT, runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

/** `--normalisation unit`: pixels / 255, for folders that record none. */
const UNIT = { mean: 0, std: 1 };

beforeAll(requireBuiltTrainer);

const tf = loadTf();
const SMALL = {
  name: 'small',
  layers: [{ type: 'flatten' as const }, { type: 'dense' as const, units: 16, activation: 'relu' as const }, { type: 'dense' as const, units: 10, activation: 'linear' as const }],
};

interface ModelJson {
  modelTopology: { class_name: string; config: { name: string; layers: { class_name: string; config: Record<string, unknown> }[] } };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  [key: string]: unknown;
}

/** A valid TF.js layers folder as tfjs itself writes it (model.json + one weight file), for the hostile variants to start from. */
async function validFolder(): Promise<{ dir: string; json: ModelJson; weights: Buffer }> {
  const model = buildModel(tf, SMALL, seededRandom(2));
  const dir = tmpDir();
  let json!: ModelJson;
  let weights!: Buffer;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      json = {
        modelTopology: a.modelTopology as ModelJson['modelTopology'],
        format: 'layers-model',
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs as ModelJson['weightsManifest'][0]['weights'] }],
      };
      weights = Buffer.from(a.weightData as ArrayBuffer);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  model.dispose();
  write(dir, json, weights);
  return { dir, json, weights };
}

function write(dir: string, json: unknown, weights: Buffer | null, weightName = 'group1-shard1of1.bin'): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
  if (weights) fs.writeFileSync(path.join(dir, weightName), weights);
  return dir;
}

function zipOf(files: { name: string; data: Buffer; mode?: number }[], out: string): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addBuffer(f.data, f.name, f.mode ? { mode: f.mode } : {});
  zip.end();
  return new Promise((resolve, reject) => {
    zip.outputStream
      .pipe(fs.createWriteStream(out))
      .on('close', () => resolve(out))
      .on('error', reject);
  });
}

const clone = (json: ModelJson): ModelJson => JSON.parse(JSON.stringify(json)) as ModelJson;

describe('names a model enters the library with (issue 13)', () => {
  it('refuses control characters in metadata.json’s name and in the name given, and drops them from a folder’s name', async () => {
    const home = tmpDir();
    const { dir } = await validFolder();
    fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify({ name: 'evil\u001b[2J\u001b[31mred' }));
    const fromFile = await importModel({ home, path: dir }).catch((err: unknown) => err as Error);
    expect(fromFile).toMatchObject({ code: 'INTEGRITY', message: `${path.join(dir, 'metadata.json')}: name: must not hold control characters` });
    fs.rmSync(path.join(dir, 'metadata.json'));
    expect(await importModel({ home, path: dir, name: 'bell\u0007' }).catch((err: unknown) => err as Error)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'name' });
    const odd = path.join(tmpDir(), 'model\u001b[1m');
    fs.cpSync(dir, odd, { recursive: true });
    expect((await importModel({ home, path: odd, normalization: UNIT })).name).toBe('model[1m');
    expect(fs.readdirSync(path.join(home, 'models'))).toHaveLength(1);
  });
});

describe('models import of hostile files', () => {
  it('refuses each with exit 1 and one error line naming the file and the defect, adds nothing, and stays small in memory', { timeout: 120_000 }, async () => {
    const { json, weights } = await validFolder();
    const root = tmpDir();
    const outside = path.join(root, 'outside.bin');
    fs.writeFileSync(outside, weights);
    const at = (name: string) => path.join(root, name);
    const cases: { name: string; target: string; error: RegExp }[] = [];
    const add = (name: string, target: string, error: RegExp) => cases.push({ name, target, error });

    const traversal = clone(json);
    traversal.weightsManifest[0]!.paths = ['../outside.bin'];
    add('traversal', write(at('traversal'), traversal, null), /model\.json: weightsManifest path "\.\.\/outside\.bin" is not a plain file name in the model folder$/);

    const absolute = clone(json);
    absolute.weightsManifest[0]!.paths = [outside];
    add('absolute path', write(at('absolute'), absolute, null), /model\.json: weightsManifest path ".*outside\.bin" is not a plain file name/);

    write(at('symlink'), json, null);
    fs.symlinkSync(outside, path.join(at('symlink'), 'group1-shard1of1.bin'));
    add('symlink out', at('symlink'), /symlink\/group1-shard1of1\.bin: a symbolic link to .*outside\.bin, outside the model folder$/);

    const n = (bytes: number) => bytes.toLocaleString('en-US');
    const sizeError = (folder: string, bytes: number) =>
      new RegExp(`${folder}/group1-shard1of1\\.bin: ${n(bytes)} bytes, but the manifest's shapes and dtypes need exactly ${n(weights.length)}$`);
    add('short weight file', write(at('short'), json, weights.subarray(0, weights.length - 4)), sizeError('short', weights.length - 4));
    add('long weight file', write(at('long'), json, Buffer.concat([weights, Buffer.alloc(4)])), sizeError('long', weights.length + 4));

    const stringDtype = clone(json);
    stringDtype.weightsManifest[0]!.weights[1]!.dtype = 'string';
    add('string dtype', write(at('string'), stringDtype, weights), /model\.json: weight dense_Dense\d+\/bias: dtype string is not allowed \(float32 or int32 only\)$/);

    const huge = clone(json);
    huge.modelTopology.config.layers[1]!.config.units = 1_000_000_000;
    huge.weightsManifest[0]!.weights[0]!.shape = [784, 1_000_000_000];
    huge.weightsManifest[0]!.weights[1]!.shape = [1_000_000_000];
    add('10⁹-unit dense layer', write(at('huge'), huge, weights), /model\.json: layer 2 \(Dense "dense_Dense\d+"\): units 1000000000 is above the 4096 the studio allows$/);

    const unknown = clone(json);
    unknown.modelTopology.config.layers.splice(2, 0, { class_name: 'LayerNormalization', config: { name: 'ln', axis: -1 } });
    add(
      'unknown layer class',
      write(at('unknown'), unknown, weights),
      /model\.json: layer 3 "ln": class LayerNormalization is not a layer the studio knows \(Dense, .*\); rebuild the network/,
    );

    add('0-byte model.json', write(at('empty'), '', weights), /empty\/model\.json: empty \(0 bytes\)$/);
    add(
      '20 MB model.json',
      write(at('big'), JSON.stringify({ ...json, padding: 'x'.repeat(20 * 1024 * 1024) }), weights),
      /big\/model\.json: 20,97\d,\d{3} bytes; at most 1,048,576 are allowed$/,
    );

    const wrongInput = clone(json);
    wrongInput.modelTopology.config.layers[0]!.config.batch_input_shape = [null, 32, 32, 1];
    add('wrong input shape', write(at('input'), wrongInput, weights), /model\.json: input shape \[32, 32, 1\] is not 28×28×1, 28×28 or 784$/);

    const wrongOutput = clone(json);
    wrongOutput.modelTopology.config.layers[2]!.config.units = 12;
    add(
      'wrong output shape',
      write(at('output'), wrongOutput, weights),
      /output\/model\.json: layer 3 \(dense\): the network must end in the 10 class scores .* but outputs \[12\]$/,
    );

    const zipTraversal = await zipOf(
      [
        { name: 'model.json', data: Buffer.from(JSON.stringify(json)) },
        { name: 'AA/outside.bin', data: weights },
      ],
      at('traversal.zip'),
    );
    // yazl will not write a name that climbs out: write a harmless one of the same length and turn it into ../ in place.
    const bytes = fs.readFileSync(zipTraversal);
    fs.writeFileSync(zipTraversal, Buffer.from(bytes.toString('latin1').replaceAll('AA/outside.bin', '../outside.bin'), 'latin1'));
    add('zip with a ../ entry', zipTraversal, /traversal\.zip: .*(invalid relative path|points outside).*\.\.\/outside\.bin/);

    const zipLink = await zipOf(
      [
        { name: 'model.json', data: Buffer.from(JSON.stringify(json)) },
        { name: 'group1-shard1of1.bin', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
      ],
      at('link.zip'),
    );
    add('zip with a symlink entry', zipLink, /link\.zip: entry group1-shard1of1\.bin is a symbolic link; links are not allowed$/);

    const home = tmpDir();
    const results = [];
    // Two at a time: two cores.
    for (let i = 0; i < cases.length; i += 2) {
      results.push(
        ...(await Promise.all(
          cases.slice(i, i + 2).map(async (c) => {
            const rss = path.join(root, `${c.name.replace(/\W/g, '_')}.rss`);
            const res = await runCli(['models', 'import', c.target, '--home', home], {
              env: { NODE_OPTIONS: `--require ${path.join(ROOT, 'test/helpers/maxrss.cjs')}`, MAXRSS_FILE: rss },
            });
            return { ...c, res, rssMb: Number(fs.readFileSync(rss, 'utf8')) / 1024 };
          }),
        )),
      );
    }
    const valid = await runCli(['models', 'list', '--home', home, '--json'], {
      env: { NODE_OPTIONS: `--require ${path.join(ROOT, 'test/helpers/maxrss.cjs')}`, MAXRSS_FILE: path.join(root, 'list.rss') },
    });
    const baselineMb = Number(fs.readFileSync(path.join(root, 'list.rss'), 'utf8')) / 1024;
    console.log(`peak RSS of the CLI: ${baselineMb.toFixed(0)} MB listing; hostile imports ${results.map((r) => `${r.name} ${r.rssMb.toFixed(0)} MB`).join(', ')}`);
    for (const r of results) {
      expect(r.res.code, `${r.name}: ${r.res.stderr}`).toBe(1);
      const lines = r.res.stderr.trim().split('\n');
      expect(lines, r.name).toHaveLength(1);
      expect(lines[0], r.name).toMatch(/^error: /);
      expect(lines[0], r.name).toMatch(r.error);
      // Nothing was allocated for what the file claims: the process stays within a few MB of a plain listing.
      expect(r.rssMb, r.name).toBeLessThan(baselineMb + 60);
    }
    expect(JSON.parse(valid.stdout)).toEqual([]);
    expect(fs.existsSync(path.join(home, 'models')) ? fs.readdirSync(path.join(home, 'models')) : []).toEqual([]);
  });
});

describe('models import of foreign models', () => {
  it('takes a Keras-converted model (model_config, InputLayer, 784 input, softmax output, scoped weight names, two shards) and predicts as it did', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [784], units: 24, activation: 'tanh', name: 'hidden' }), tf.layers.dense({ units: 10, activation: 'softmax', name: 'out' })],
    });
    const dir = tmpDir();
    let topology!: Record<string, unknown>;
    let specs!: { name: string; shape: number[]; dtype: string }[];
    let data!: Buffer;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        topology = a.modelTopology as Record<string, unknown>;
        specs = a.weightSpecs as typeof specs;
        data = Buffer.from(a.weightData as ArrayBuffer);
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const config = topology.config as { name: string; layers: unknown[] };
    const keras = {
      modelTopology: {
        keras_version: '2.15.0',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Sequential',
          config: { name: 'sequential', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 784], dtype: 'float32', name: 'in' } }, ...config.layers] },
        },
      },
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: specs.map((s) => ({ ...s, name: `sequential/${s.name}` })) }],
    };
    // The InputLayer now declares the shape; the first Dense must not repeat it.
    delete (keras.modelTopology.model_config.config.layers[1] as { config: Record<string, unknown> }).config.batch_input_shape;
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(keras));
    fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), data.subarray(0, 1000));
    fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), data.subarray(1000));

    const home = tmpDir();
    // It records no normalisation: refused until one is named, nothing added (issue 16: never guessed in silence).
    expect(await importModel({ home, path: dir, name: 'keras mlp' }).catch((err: unknown) => err as Error)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'normalization',
      message: expect.stringContaining(`${dir}: the model records no input normalisation`),
    });
    expect(fs.existsSync(path.join(home, 'models'))).toBe(false);
    const meta = await importModel({ home, path: dir, name: 'keras mlp', normalization: UNIT });
    expect(meta.spec.layers).toEqual([{ type: 'flatten' }, { type: 'dense', units: 24, activation: 'tanh' }, { type: 'dense', units: 10, activation: 'linear' }]);
    expect(meta).toMatchObject({ name: 'keras mlp', normalization: { mean: 0, std: 1 }, params: 784 * 24 + 24 + 250, testAccuracy: null });
    // The same name again is told apart in every list and picker.
    expect((await importModel({ home, path: dir, name: 'keras mlp', normalization: UNIT })).name).toBe('keras mlp (2)');
    expect((await importModel({ home, path: dir, name: 'keras mlp', normalization: UNIT })).name).toBe('keras mlp (3)');

    const imported = await tf.loadLayersModel(`file://${path.join(home, 'models', meta.id, 'model.json')}`);
    const x = digitTensor(tf, 9000, 50);
    const original = (model.predict(x.reshape([50, 784])) as Tensor).dataSync();
    const ours = tf.softmax(imported.predict(x) as Tensor).dataSync();
    let max = 0;
    for (let i = 0; i < original.length; i++) max = Math.max(max, Math.abs(original[i]! - ours[i]!));
    expect(max).toBeLessThan(1e-6);
    for (const m of [model, imported]) m.dispose();
    x.dispose();
  });

  it('reads the studio’s own topology back as the spec it came from, for both presets', async () => {
    for (const spec of [presetSpec('mlp'), presetSpec('cnn')]) {
      expect(parseTopology(canonicalTopology(spec, spec.name)).spec).toEqual(spec);
      const model = buildModel(tf, spec, seededRandom(1));
      let topology: unknown;
      await model.save(tf.io.withSaveHandler(async (a) => ((topology = a.modelTopology), { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) })));
      expect(parseTopology(topology).spec.layers).toEqual(spec.layers);
      model.dispose();
    }
  });
});
