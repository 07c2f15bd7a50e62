/**
 * Every API method's schema against hostile input, as IPC and the
 * WebSocket deliver it: a table over every field of valid calls (extra
 * keys, NaN, Infinity, huge strings, huge arrays, wrong types), then
 * fast-check properties (fixed seeds, 1,000 runs each) over random values,
 * mutations of valid calls and raw WebSocket messages. A call either
 * reaches its handler with input that passes its schema, or answers a
 * typed INVALID_ARGUMENT naming the field at fault; nothing throws.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dispatch, type Caller, type Handlers } from '../../src/main/dispatch';
import { bindIpc, type IpcMainLike } from '../../src/main/electron/ipc';
import { isAppUrl, isTrustedSender, type IpcSender } from '../../src/main/electron/security';
import { createStudio } from '../../src/main/studio';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { API, METHOD_NAMES, SHELLS, type MethodInput, type MethodName, type Shell } from '../../src/shared/api';
import { presetSpec } from '../../src/shared/model-spec';
import { MAX_IMAGE_BYTES } from '../../src/shared/models-api';
import type { Result } from '../../src/shared/result';
import type { WsServerMessage } from '../../src/shared/web-protocol';
import { decodeWire, encodeWire } from '../../src/shared/wire';
import { isContainer, joined, nodes, withKey, withNode, type Path } from '../helpers/json-mutations';
import { recordMetric } from '../helpers/robustness';
import { tmpDir } from '../helpers/tmp';

const RUNS = 1000;

/** At least one valid input per method, with every optional field filled in somewhere, so every field gets mutated. */
const VALID: { [M in MethodName]: MethodInput<M>[] } = {
  'app:info': [{}],
  'app:notify': [{ title: 'Training finished' }, { title: 'Training finished', body: 'cnn: 98.9% on 10,000 test images' }],
  'datasets:list': [{}],
  'datasets:download': [{ id: 'mnist' }, { id: 'fashion-mnist', mirrors: ['https://mirror.example/mnist/', 'http://10.0.0.2/data/'], defaultMirrors: false }],
  'datasets:cancel': [{ id: 'mnist' }],
  'datasets:delete': [{ id: 'mnist' }, { id: 'my-digits' }],
  'datasets:import': [
    { paths: ['/home/ann/Downloads/mnist'] },
    { paths: ['/a/train-images-idx3-ubyte.gz', '/a/train-labels-idx1-ubyte.gz', '/a/t10k-images-idx3-ubyte', '/a/t10k-labels-idx1-ubyte'], name: 'my-digits' },
  ],
  'datasets:importFromDialog': [{}, { title: 'Choose the folder of the four IDX files', name: 'my-digits' }],
  'datasets:importUpload': [{ uploadId: 'ab'.repeat(12) }, { uploadId: 'cd'.repeat(12), name: 'fashion' }],
  'datasets:savePersonal': [
    { id: 'my-hand', samples: [{ label: 3, strokes: [[10, 10, 50, 60]] }] },
    {
      id: 'my-hand',
      name: 'My hand',
      samples: [
        {
          label: 0,
          strokes: [
            [140, 140],
            [1, 2, 3, 4],
          ],
        },
      ],
      extend: true,
    },
  ],
  'datasets:exportPersonal': [
    { id: 'my-hand', path: '/tmp/my-hand.zip' },
    { id: 'my-hand', path: '/tmp/x.zip', overwrite: true },
  ],
  'datasets:downloadPersonal': [{ id: 'my-hand' }],
  'datasets:info': [{ id: 'mnist' }, { id: 'my-digits', samplesPerClass: 32 }],
  'datasets:images': [
    { id: 'mnist', split: 'test', indices: [0, 17, 9999] },
    { id: 'mnist', split: 'train', indices: [5], sha256: 'ab'.repeat(32) },
  ],
  'settings:get': [{}],
  'settings:update': [
    { theme: 'dark' },
    {
      language: 'zh-CN',
      theme: 'system',
      mirrors: ['https://mirror.example/mnist/'],
      lastDatasetId: 'fashion-mnist',
      lastModelSpec: { name: 'mlp', layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'linear' }] },
      lastHyperparams: { epochs: 3, learningRate: 0.01, normalization: { mean: 0.1307, std: 0.3081 } },
      window: { x: 10, y: null, width: 1280, height: 820, maximized: false },
    },
  ],
  'train:start': [
    { dataset: { id: 'mnist' }, model: presetSpec('cnn') },
    {
      dataset: { id: 'fashion-mnist' },
      model: {
        name: 'small',
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
          { type: 'maxPooling2d', poolSize: 2, strides: 2 },
          { type: 'flatten' },
          { type: 'dropout', rate: 0.25 },
          { type: 'dense', units: 10 },
        ],
      },
      hyperparams: {
        epochs: 2,
        batchSize: 32,
        learningRate: 0.01,
        optimizer: 'momentum',
        loss: 'mse',
        validationSplit: 0.1,
        seed: 7,
        limit: 1000,
        logEvery: 10,
        normalization: { mean: 0.5, std: 0.5 },
        augment: { rotate: 15, shift: 3, scale: 0.1, shear: 10, elastic: 1, thickness: 0.5, noise: 0.05 },
      },
    },
    { dataset: { id: 'mnist' }, fromModel: 'model-1' },
  ],
  'train:pause': [{ runId: 'run-1' }],
  'train:resume': [{ runId: 'run-1' }],
  'train:stop': [{ runId: 'run-1' }],
  'train:status': [{}],
  'train:augmentPreview': [
    { dataset: 'mnist', augment: {} },
    { dataset: 'my-digits', augment: { rotate: 20, shift: 4, scale: 0.15, shear: 15, elastic: 1.5, thickness: 0.7, noise: 0.05 }, digits: 4, variants: 12, seed: 9 },
  ],
  'train:predict': [
    { runId: 'run-1', image: { pixels: { width: 28, height: 28, channels: 1, data: new Uint8Array(784) } } },
    { runId: 'run-1', image: { pixels: { width: 2, height: 2, channels: 4, data: new Uint8Array(16).fill(255) } }, preprocess: false },
  ],
  'train:explain': [
    { runId: 'run-1', image: { pixels: { width: 28, height: 28, channels: 1, data: new Uint8Array(784) } } },
    { runId: 'run-1', image: { pixels: { width: 2, height: 2, channels: 4, data: new Uint8Array(16).fill(255) } }, preprocess: false, class: 3, steps: 8 },
  ],
  'runs:list': [{}],
  'runs:get': [{ id: 'run-1' }],
  'runs:histograms': [{ id: 'run-1' }],
  'runs:delete': [{ id: 'run-1' }],
  'sweeps:list': [{}],
  'sweeps:get': [{ id: 'sweep-1' }],
  'sweeps:start': [
    { spec: { dataset: 'fashion-mnist', vary: { lr: [0.001, 0.003] } } },
    {
      spec: {
        dataset: 'mnist',
        base: { preset: 'cnn', epochs: 2, validationSplit: 0.1, earlyStop: 'val-loss:2', restoreBest: true, lrSchedule: 'cosine' },
        method: 'random',
        seed: 7,
        budget: 4,
        metric: 'valAccuracy',
        vary: { lr: [0.0003, 0.001], batchSize: [64, 256], hiddenUnits: [64, [128, 64]], optimizer: ['adam', 'sgd'] },
        earlyTermination: { type: 'median', afterEpochs: 1 },
      },
      parallel: 2,
    },
  ],
  'sweeps:resume': [{ id: 'sweep-1' }, { id: 'sweep-1', parallel: 3 }],
  'sweeps:stop': [{ id: 'sweep-1' }],
  'sweeps:delete': [{ id: 'sweep-1' }],
  'models:list': [{}],
  'models:get': [{ id: 'model-1' }],
  'models:rename': [{ id: 'model-1', name: 'My best CNN' }],
  'models:delete': [{ id: 'model-1' }],
  'models:import': [{ path: '/tmp/model' }, { path: '/tmp/model.zip', name: 'Imported', normalization: { mean: 0, std: 1 } }],
  'models:importFromDialog': [{ from: 'folder' }, { from: 'zip', title: 'Import a model', name: 'Imported' }],
  'models:importUpload': [{ uploadId: 'ab'.repeat(12) }, { uploadId: 'cd'.repeat(12), name: 'Imported', normalization: { mean: 0, std: 1 } }],
  'models:saveAs': [
    { id: 'model-1', format: 'onnx' },
    { id: 'model-1', format: 'bundle', title: 'Export the model', filterName: 'Reproduction bundle' },
  ],
  'uploads:begin': [
    { kind: 'dataset', files: [{ name: 'train-images-idx3-ubyte.gz', size: 9_912_422 }] },
    {
      kind: 'model',
      files: [
        { name: 'model.json', size: 2000 },
        { name: 'weights.bin', size: 409_000 },
      ],
    },
  ],
  'uploads:chunk': [{ uploadId: 'ab'.repeat(12), file: 'model.json', offset: 0, data: new Uint8Array([123, 125]) }],
  'uploads:cancel': [{ uploadId: 'ab'.repeat(12) }],
  'models:export': [
    { id: 'model-1', format: 'onnx', path: '/tmp/model.onnx' },
    { id: 'model-1', format: 'tfjs', path: '/tmp/out', overwrite: true },
  ],
  'models:download': [
    { id: 'model-1', format: 'onnx' },
    { id: 'model-1', format: 'bundle' },
  ],
  'models:evaluate': [{ id: 'model-1', dataset: { id: 'mnist' } }],
  'models:embed': [{ id: 'model-1' }, { id: 'model-1', dataset: { id: 'mnist' }, method: 'umap', limit: 500, seed: 7 }],
  'models:predict': [
    { id: 'model-1', image: { pixels: { width: 2, height: 3, channels: 1, data: new Uint8Array(6) } } },
    { id: 'model-1', image: { pixels: { width: 2, height: 2, channels: 4, data: new Uint8Array(16).fill(255) } }, preprocess: false },
    { id: 'model-1', image: { encoded: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) } },
    { id: 'model-1', image: { path: '/tmp/digit.png' } },
  ],
  'models:explain': [
    { id: 'model-1', image: { pixels: { width: 2, height: 3, channels: 1, data: new Uint8Array(6) } } },
    { id: 'model-1', image: { encoded: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) }, class: 9, steps: 8, preprocess: false },
    { id: 'model-1', image: { path: '/tmp/digit.png' } },
  ],
  'models:firstLayer': [{ id: 'model-1' }, { id: 'model-1', limit: 16 }],
  'train:firstLayer': [{ runId: 'run-1' }, { runId: 'run-1', limit: 32 }],
};

/** Whether the contract keeps a field of `method` from `shell`. */
function mayRefuseAField(method: MethodName, shell: Shell): boolean {
  return Object.values(API[method].fieldShells ?? {}).some((shells) => !shells.includes(shell));
}

/** Settings slots that hold any JSON object by design (their owner's schema reads them): extra keys inside are allowed there. */
const FREE_FORM = new Set(['lastModelSpec', 'lastHyperparams']);

/** Stand-in handlers: record what reached them, answer nothing in particular. */
function recordingHandlers() {
  const calls: { method: MethodName; input: unknown }[] = [];
  const handlers = Object.fromEntries(
    METHOD_NAMES.map((method) => [
      method,
      async (input: unknown) => {
        calls.push({ method, input });
        return {};
      },
    ]),
  ) as unknown as Handlers;
  return { calls, handlers };
}

/** The answer must be a typed refusal naming `path` (or, for a union, the union holding it), or, when `mayPass`, a call. */
function checkAnswer(method: MethodName, res: Result<unknown>, calls: { input: unknown }[], expectRefusalAt: Path | null): void {
  if (res.ok) {
    expect(expectRefusalAt, `${method} accepted input that should be refused at ${expectRefusalAt && joined(expectRefusalAt)}`).toBeNull();
    expect(calls).toHaveLength(1);
    // What reached the handler passes the schema itself.
    expect(API[method].input.safeParse(calls[0]!.input).success).toBe(true);
    return;
  }
  expect(calls).toHaveLength(0);
  expect(res.error.code).toBe('INVALID_ARGUMENT');
  const field = res.error.field!;
  expect(typeof field).toBe('string');
  expect(field.length).toBeGreaterThan(0);
  expect(field.length).toBeLessThanOrEqual(300);
  expect(res.error.message.startsWith(`${method}: ${field}: `)).toBe(true);
  expect(res.error.message.length).toBeLessThan(1000);
  if (expectRefusalAt) {
    const at = joined(expectRefusalAt);
    expect(at === field || at.startsWith(`${field}.`) || (expectRefusalAt.length === 0 && field === 'input'), `${method}: refused at ${field}, expected ${at}`).toBe(true);
  }
}

/** A caller every field of the method may come from: the CLI where it may call, else the one shell that may (uploads: a web connection). */
function callerFor(method: unknown): Caller {
  const shells = typeof method === 'string' && Object.hasOwn(API, method) ? API[method as MethodName].shells : SHELLS;
  return { shell: shells.includes('cli') ? 'cli' : shells[0]!, session: 'web-test' };
}

async function call(method: unknown, input: unknown) {
  const { calls, handlers } = recordingHandlers();
  const res = await dispatch(handlers, method, input, callerFor(method));
  return { res, calls };
}

/** Bad replacements for a leaf, with whether each must be refused there. */
function badLeaves(value: unknown, inFreeForm: boolean): { what: string; bad: unknown; refused: boolean }[] {
  const out: { what: string; bad: unknown; refused: boolean }[] = [];
  if (typeof value === 'number') {
    for (const bad of [NaN, Infinity, -Infinity]) out.push({ what: String(bad), bad, refused: true });
    out.push({ what: '1e308', bad: 1e308, refused: !inFreeForm });
    out.push({ what: 'a numeric string', bad: String(value), refused: !inFreeForm });
  }
  if (typeof value === 'string') {
    out.push({ what: 'a 70,000-character string', bad: 'a'.repeat(70_000), refused: true });
    out.push({ what: 'a number', bad: 1, refused: !inFreeForm });
  }
  if (Array.isArray(value)) out.push({ what: 'a 40,000-item array', bad: new Array<unknown>(40_000).fill(value[0] ?? 0), refused: true });
  if (typeof value === 'boolean') out.push({ what: 'a string', bad: 'true', refused: !inFreeForm });
  if (value instanceof Uint8Array) out.push({ what: 'a plain array of bytes', bad: Array.from(value), refused: true });
  out.push({ what: 'undefined-like null', bad: null, refused: false });
  return out;
}

describe('every method refuses bad fields with a typed INVALID_ARGUMENT naming them', () => {
  it('a table over every field of valid calls: extra keys, NaN, Infinity, huge strings and arrays, wrong types', async () => {
    let cases = 0;
    for (const method of METHOD_NAMES) {
      for (const valid of VALID[method]) {
        // The valid call itself reaches its handler.
        const ok = await call(method, valid);
        checkAnswer(method, ok.res, ok.calls, null);
        expect(ok.res.ok, `${method} ${JSON.stringify(valid)}`).toBe(true);
        for (const { path, value } of nodes(valid)) {
          const inFreeForm = FREE_FORM.has(String(path[0]));
          if (isContainer(value) && !Array.isArray(value) && !inFreeForm) {
            const { res, calls } = await call(method, withKey(valid, path, 'injected', 1));
            checkAnswer(method, res, calls, [...path, 'injected']);
            cases++;
          }
          for (const { what, bad, refused } of badLeaves(value, inFreeForm)) {
            if (path.length === 0) continue;
            const { res, calls } = await call(
              method,
              withNode(valid, path, () => bad),
            );
            try {
              checkAnswer(method, res, calls, refused ? path : null);
            } catch (err) {
              throw new Error(`${method} with ${joined(path)} = ${what}: ${(err as Error).message}`, { cause: err });
            }
            cases++;
          }
        }
      }
    }
    recordMetric({ category: 'ipc-schemas', name: 'bad-field table over every method', runs: cases });
    expect(cases).toBeGreaterThan(300);
  });

  it('caps the bytes of a prediction: image sides, byte counts that do not add up, an oversized encoded file', async () => {
    const refusals: [unknown, Path][] = [
      [{ id: 'm', image: { pixels: { width: 4097, height: 1, channels: 1, data: new Uint8Array(4097) } } }, ['image', 'pixels', 'width']],
      [{ id: 'm', image: { pixels: { width: 4096, height: 4096, channels: 4, data: new Uint8Array(1) } } }, ['image', 'pixels', 'data']],
      [{ id: 'm', image: { pixels: { width: 2, height: 2, channels: 2, data: new Uint8Array(8) } } }, ['image', 'pixels', 'channels']],
      [{ id: 'm', image: { encoded: new Uint8Array(0) } }, ['image', 'encoded']],
      [{ id: 'm', image: { encoded: new Uint8Array(MAX_IMAGE_BYTES + 1) } }, ['image', 'encoded']],
      [{ id: 'm', image: { encoded: new Float32Array(4) } }, ['image', 'encoded']],
      [{ id: 'm', image: { pixels: { width: 1, height: 1, channels: 1, data: new Uint8Array(1) }, path: '/x' } }, ['image', 'path']],
    ];
    for (const [input, path] of refusals) {
      const { res, calls } = await call('models:predict', input);
      checkAnswer('models:predict', res, calls, path);
    }
    recordMetric({ category: 'ipc-schemas', name: 'prediction byte caps', runs: refusals.length, peakRssMb: process.resourceUsage().maxRSS / 1024 });
  });

  it('never throws on input nested a million deep, cyclic, or sharing parts a billion times over', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 1_000_000; i++) deep = { a: deep };
    let wide: unknown = [1];
    for (let i = 0; i < 30; i++) wide = [wide, wide];
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    // Throws while being read: the schema may not throw it on.
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('no keys for you');
        },
      },
    );
    for (const method of METHOD_NAMES) {
      for (const input of [deep, { lastModelSpec: deep }, { lastModelSpec: { wide } }, { lastHyperparams: cyclic }, { model: deep, dataset: { id: 'mnist' } }, hostile]) {
        const { res, calls } = await call(method, input);
        checkAnswer(method, res, calls, null);
      }
    }
    for (const input of [{ lastModelSpec: deep }, { lastModelSpec: { wide } }, { lastHyperparams: cyclic }]) {
      const { res } = await call('settings:update', input);
      expect(res).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
  });
});

/** A hostile value in place of a field, or in a new key. */
const hostileValue = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, -1, 1e308, '', ' ', '\u0000', '../../etc/passwd', 'a'.repeat(70_000), null, true, [], {}),
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({
    maxDepth: 2,
    withTypedArray: true,
    withBigInt: true,
    withMap: true,
    withSet: true,
    withDate: true,
    withNullPrototype: true,
    withSparseArray: true,
    withBoxedValues: true,
  }),
  fc.array(fc.integer(), { minLength: 250, maxLength: 300 }),
);

const methodArb = fc.constantFrom(...METHOD_NAMES);

describe('fast-check: dispatch over random and mutated input', () => {
  it('answers random values for every method with a call or a typed refusal, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(methodArb, fc.oneof(fc.jsonValue(), hostileValue, fc.dictionary(fc.string({ maxLength: 12 }), hostileValue, { maxKeys: 4 })), async (method, input) => {
        const { res, calls } = await call(method, input);
        checkAnswer(method, res, calls, null);
      }),
      { seed: 7001, numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.anything({ maxDepth: 1 })), async (method) => {
        fc.pre(!METHOD_NAMES.includes(method as MethodName));
        const { res, calls } = await call(method, {});
        expect(calls).toHaveLength(0);
        expect(res).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'method' } });
        if (!res.ok) expect(res.error.message.length).toBeLessThan(120);
      }),
      { seed: 7002, numRuns: RUNS },
    );
    recordMetric({ category: 'ipc-schemas', name: 'random values × every method', runs: 2 * RUNS, peakRssMb: process.resourceUsage().maxRSS / 1024 });
  });

  it('refuses every extra key, non-finite number, huge string and huge array slipped into a valid call, naming its field', async () => {
    const validCall = methodArb.chain((method) => fc.record({ method: fc.constant(method), input: fc.constantFrom(...(VALID[method] as unknown[])) }));
    const mutation = fc.record({
      pick: fc.nat(),
      kind: fc.constantFrom('extraKey', 'nonFinite', 'hugeString', 'hugeArray', 'replace', 'delete'),
      key: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'then')),
      value: hostileValue,
    });
    let strict = 0;
    await fc.assert(
      fc.asyncProperty(validCall, mutation, async ({ method, input }, m) => {
        const all = nodes(input);
        const { path, value } = all[m.pick % all.length]!;
        const inFreeForm = FREE_FORM.has(String(path[0]));
        let mutated: unknown;
        let refusedAt: Path | null = null;
        switch (m.kind) {
          case 'extraKey':
            fc.pre(isContainer(value) && !Array.isArray(value) && !Object.hasOwn(value, m.key));
            mutated = withKey(input, path, m.key, m.value);
            refusedAt = inFreeForm ? null : [...path, m.key];
            break;
          case 'nonFinite':
            fc.pre(typeof value === 'number');
            mutated = withNode(input, path, () => [NaN, Infinity, -Infinity][m.pick % 3]);
            refusedAt = path;
            break;
          case 'hugeString':
            fc.pre(typeof value === 'string');
            mutated = withNode(input, path, () => 'x'.repeat(70_000));
            refusedAt = path;
            break;
          case 'hugeArray':
            fc.pre(Array.isArray(value));
            mutated = withNode(input, path, (old) => new Array<unknown>(40_000).fill((old as unknown[])[0] ?? m.value));
            refusedAt = path;
            break;
          case 'replace':
            mutated = withNode(input, path, () => m.value);
            break;
          case 'delete':
            fc.pre(path.length > 0);
            mutated = withNode(input, path, () => undefined, true);
            break;
          default:
            throw new Error(`unknown mutation ${String(m.kind)}`);
        }
        if (refusedAt) strict++;
        const { res, calls } = await call(method, mutated);
        checkAnswer(method, res, calls, refusedAt);
      }),
      { seed: 7003, numRuns: RUNS },
    );
    recordMetric({ category: 'ipc-schemas', name: 'mutations of valid calls', runs: RUNS, extra: { mustRefuse: strict } });
    // Most mutations are of a kind that must be refused: the property checks something.
    expect(strict).toBeGreaterThan(RUNS / 3);
  });

  it('answers IPC only from the app’s own main frame, whatever the call', async () => {
    const ipc: IpcMainLike & { handlers: Map<string, (e: IpcSender, input: unknown) => Promise<Result<unknown>>> } = {
      handlers: new Map(),
      handle(channel, listener) {
        this.handlers.set(channel, listener);
      },
      removeHandler(channel) {
        this.handlers.delete(channel);
      },
    };
    const origin = { devServerUrl: null };
    const index = 'app://studio/index.html';
    const own = new Set([1]);
    const { calls, handlers } = recordingHandlers();
    const studio = { ...createStudio({ home: tmpDir(), shell: 'electron' }), handlers };
    const unbind = bindIpc(
      ipc,
      studio,
      (e) => isTrustedSender(e, own, (url) => isAppUrl(url, origin)),
      () => [],
    );
    const frameUrl = fc.oneof(
      fc.constant(index),
      fc.constantFrom(
        `${index}#/train`,
        'app://studio/other.html',
        'app://evil/index.html',
        'app://studio:1/index.html',
        'file:///opt/MNIST%20Studio/out/renderer/index.html',
        'file:///etc/passwd',
        'about:blank',
        'data:text/html,<script>1</script>',
        'not a url',
      ),
      fc.webUrl(),
    );
    const sender = fc.record({ id: fc.constantFrom(1, 2, 0, -1), parent: fc.constantFrom(null, {}), url: frameUrl, gone: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(methodArb, sender, fc.oneof(fc.jsonValue(), fc.constant({})), async (method, s, input) => {
        calls.length = 0;
        const event: IpcSender = { sender: { id: s.id }, senderFrame: s.gone ? null : { url: s.url, parent: s.parent } };
        const trusted = !s.gone && s.parent === null && s.id === 1 && (s.url === index || s.url === `${index}#/train`);
        const res = await ipc.handlers.get(method)!(event, input);
        if (!trusted || !API[method].shells.includes('desktop')) {
          expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
          expect(calls).toHaveLength(0);
        } else if (!res.ok && res.error.code === 'FORBIDDEN') {
          // A field the desktop may not give (a path to predict on).
          expect(mayRefuseAField(method, 'desktop')).toBe(true);
          expect(calls).toHaveLength(0);
        } else {
          checkAnswer(method, res, calls, null);
        }
      }),
      { seed: 7004, numRuns: RUNS },
    );
    unbind();
    recordMetric({ category: 'ipc-schemas', name: 'IPC sender frames × calls', runs: RUNS });
  });
});

describe('fast-check: the WebSocket transport', () => {
  let server: WebServer;
  let ws: WebSocket;
  const recorder = recordingHandlers();

  beforeAll(async () => {
    const dir = tmpDir();
    const { default: fs } = await import('node:fs');
    fs.writeFileSync(`${dir}/index.html`, '<!doctype html><title>studio</title>');
    server = await startWebServer({ studio: { ...createStudio({ home: tmpDir(), shell: 'web' }), handlers: recorder.handlers }, rendererDir: dir });
    ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  });

  afterAll(async () => {
    ws.close();
    await server.close();
  });

  function roundTrip(text: string): Promise<WsServerMessage> {
    return new Promise((resolve) => {
      ws.once('message', (data: Buffer) => resolve(decodeWire(data.toString()) as WsServerMessage));
      ws.send(text);
    });
  }

  it('answers every raw message with one result, typed, and stays up', async () => {
    const message = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({
          type: fc.constantFrom('call', 'result', 'event'),
          id: fc.oneof(fc.nat(), fc.double(), fc.string()),
          method: fc.oneof(methodArb, fc.string()),
          input: fc.jsonValue(),
        })
        .map((v) => JSON.stringify(v)),
      fc.tuple(fc.nat(), methodArb, fc.nat()).map(([id, method, i]) => encodeWire({ type: 'call', id, method, input: (VALID[method] as unknown[])[i % VALID[method].length] })),
    );
    let id = 0;
    await fc.assert(
      fc.asyncProperty(message, async (text) => {
        recorder.calls.length = 0;
        const answer = await roundTrip(text);
        expect(answer.type).toBe('result');
        if (answer.type !== 'result') return;
        const { result } = answer;
        if (!result.ok) {
          // FORBIDDEN: a method or field the contract keeps from web clients.
          expect(['INVALID_ARGUMENT', 'FORBIDDEN']).toContain(result.error.code);
          expect(recorder.calls).toHaveLength(0);
        } else expect(recorder.calls).toHaveLength(1);
        // The socket still answers a good call after any message.
        if (++id % 50 === 0) expect(await roundTrip(encodeWire({ type: 'call', id: 0, method: 'app:info', input: {} }))).toMatchObject({ result: { ok: true } });
      }),
      { seed: 7005, numRuns: RUNS },
    );
    recordMetric({ category: 'ipc-schemas', name: 'raw WebSocket messages', runs: RUNS, peakRssMb: process.resourceUsage().maxRSS / 1024 });
  });
});

describe('each shell may make only the calls the contract grants it', () => {
  it('a table over every method, shell and valid call: a shell the method does not name is FORBIDDEN before the handler runs', async () => {
    let cases = 0;
    for (const method of METHOD_NAMES) {
      for (const shell of SHELLS) {
        for (const valid of VALID[method]) {
          const { calls, handlers } = recordingHandlers();
          const res = await dispatch(handlers, method, valid, { shell, session: 'web-test' });
          const refusedField = Object.entries(API[method].fieldShells ?? {}).find(
            ([field, shells]) => !shells.includes(shell) && field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], valid) !== undefined,
          );
          if (!API[method].shells.includes(shell)) {
            expect(res, `${method} from ${shell}`).toMatchObject({
              ok: false,
              error: { code: 'FORBIDDEN', message: expect.stringMatching(new RegExp(`^${method}: refused: .* may not call it`)) },
            });
            expect(calls).toHaveLength(0);
          } else if (refusedField) {
            expect(res, `${method}.${refusedField[0]} from ${shell}`).toMatchObject({
              ok: false,
              error: { code: 'FORBIDDEN', field: refusedField[0], message: expect.stringContaining(`${method}: ${refusedField[0]}: refused`) },
            });
            expect(calls).toHaveLength(0);
          } else {
            expect(res, `${method} from ${shell}`).toMatchObject({ ok: true });
          }
          cases++;
        }
      }
    }
    recordMetric({ category: 'ipc-schemas', name: 'shell table over every method', runs: cases });
    expect(cases).toBeGreaterThan(100);
  });

  it('keeps paths and URLs of the engine’s machine from the renderer shells', async () => {
    const refused: [MethodName, unknown, Shell, string | undefined][] = [
      ['models:export', { id: 'model-1', format: 'onnx', path: '/home/ann/.bashrc', overwrite: true }, 'web', undefined],
      ['models:export', { id: 'model-1', format: 'tfjs', path: '/home/ann/Documents', overwrite: true }, 'desktop', undefined],
      ['models:import', { path: '/etc' }, 'web', undefined],
      ['models:import', { path: '/home/ann/model.zip' }, 'desktop', undefined],
      ['datasets:import', { paths: ['/home/ann/mnist'] }, 'web', undefined],
      ['datasets:import', { paths: ['/home/ann/mnist'] }, 'desktop', undefined],
      ['models:predict', { id: 'model-1', image: { path: '/etc/shadow' } }, 'web', 'image.path'],
      ['models:predict', { id: 'model-1', image: { path: '/home/ann/digit.png' } }, 'desktop', 'image.path'],
      ['models:explain', { id: 'model-1', image: { path: '/etc/shadow' } }, 'web', 'image.path'],
      ['datasets:download', { id: 'mnist', mirrors: ['http://169.254.169.254/latest/'] }, 'web', 'mirrors'],
      ['datasets:download', { id: 'mnist', mirrors: ['http://10.0.0.1/'] }, 'desktop', 'mirrors'],
      ['settings:update', { mirrors: ['http://169.254.169.254/latest/'] }, 'web', 'mirrors'],
      ['models:saveAs', { id: 'model-1', format: 'onnx' }, 'web', undefined],
      ['uploads:begin', { kind: 'model', files: [{ name: 'model.json', size: 10 }] }, 'desktop', undefined],
    ];
    for (const [method, input, shell, field] of refused) {
      const { calls, handlers } = recordingHandlers();
      const res = await dispatch(handlers, method, input, { shell, session: 'web-test' });
      expect(res, `${method} from ${shell}`).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', ...(field ? { field } : {}) } });
      if (!res.ok) expect(res.error.message).toContain(shell === 'web' ? 'a web client' : 'the desktop app’s window');
      expect(calls).toHaveLength(0);
    }
    // What the renderer shells do instead passes.
    const { handlers } = recordingHandlers();
    expect(await dispatch(handlers, 'datasets:download', { id: 'mnist', defaultMirrors: false }, { shell: 'web' })).toMatchObject({ ok: true });
    expect(await dispatch(handlers, 'settings:update', { mirrors: ['https://mirror.example/mnist/'] }, { shell: 'desktop' })).toMatchObject({ ok: true });
    expect(await dispatch(handlers, 'models:predict', { id: 'model-1', image: { encoded: new Uint8Array([1]) } }, { shell: 'web' })).toMatchObject({ ok: true });
    recordMetric({ category: 'ipc-schemas', name: 'renderer shells naming paths or URLs', runs: refused.length });
  });
});
