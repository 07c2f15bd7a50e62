/**
 * What a web client may do, over a real WebSocket to a real studio: it names
 * no path or URL of the engine's machine (export, predict on a path, mirrors
 * are refused and nothing is written), and it brings files in as uploads,
 * chunked, capped, staged in the home and removed whatever happens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadDataset } from '../../../src/main/datasets/load';
import { dispatch } from '../../../src/main/dispatch';
import { loadTf } from '../../../src/main/native';
import { createStudio, sweepHome, type Studio } from '../../../src/main/studio';
import { startWebServer, type WebServer } from '../../../src/main/web/server';
import type { MethodName } from '../../../src/shared/api';
import { presetSpec } from '../../../src/shared/model-spec';
import type { ModelDownload } from '../../../src/shared/models-api';
import type { Result } from '../../../src/shared/result';
import { UPLOAD_CHUNK_BYTES, UPLOAD_LIMITS } from '../../../src/shared/uploads-api';
import type { WsServerMessage } from '../../../src/shared/web-protocol';
import { decodeWire, encodeWire } from '../../../src/shared/wire';
import { drawnDigit } from '../../helpers/drawn-digits';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { saveToLibrary, testMetadata, trainBriefly } from '../../helpers/models';
import { tmpDir } from '../../helpers/tmp';

let home: string;
let studio: Studio;
let server: WebServer;

beforeAll(async () => {
  // Not tmpDir: that one goes after each test, and this home serves the whole file.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-web-'));
  const tf = loadTf();
  const model = await trainBriefly(tf, presetSpec('mlp'), 64, 1);
  await saveToLibrary(tf, model, home, testMetadata('mlp', presetSpec('mlp'), { name: 'Web MLP' }));
  model.dispose();
  const renderer = path.join(home, 'renderer-build');
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>studio</title>');
  studio = createStudio({ home, shell: 'web' });
  server = await startWebServer({ studio, rendererDir: renderer });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await studio?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

/** A browser's connection: one call at a time, answered in order. */
async function connect(): Promise<{ call: (method: MethodName, input: unknown) => Promise<Result<unknown>>; close: () => Promise<void> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  ws.on('message', (data: Buffer) => {
    const msg = decodeWire(data.toString()) as WsServerMessage;
    if (msg.type === 'result' && msg.id !== null) pending.get(msg.id)?.(msg.result);
  });
  return {
    call: (method, input) =>
      new Promise((resolve) => {
        pending.set(++id, resolve);
        ws.send(encodeWire({ type: 'call', id, method, input }));
      }),
    close: () => new Promise((resolve) => ws.once('close', () => resolve()).close()),
  };
}

/** Uploads `files` as a browser does: begin, then chunks; answers the upload id. */
async function upload(call: (m: MethodName, i: unknown) => Promise<Result<unknown>>, kind: 'dataset' | 'model', files: { name: string; data: Uint8Array }[]): Promise<string> {
  const begun = await call('uploads:begin', { kind, files: files.map((f) => ({ name: f.name, size: f.data.length })) });
  if (!begun.ok) throw new Error(begun.error.message);
  const { uploadId } = begun.value as { uploadId: string };
  for (const f of files) {
    for (let offset = 0; offset < f.data.length; offset += UPLOAD_CHUNK_BYTES) {
      const res = await call('uploads:chunk', { uploadId, file: f.name, offset, data: f.data.subarray(offset, offset + UPLOAD_CHUNK_BYTES) });
      if (!res.ok) throw new Error(res.error.message);
    }
  }
  return uploadId;
}

/** Staging folders of uploads in the home: crash-temporary names. */
const staged = () => fs.readdirSync(home).filter((n) => n.startsWith('.upload.'));

describe('a web client names no path or URL of the engine’s machine', () => {
  it('models:export to any path is refused, and nothing is written there', async () => {
    const { call, close } = await connect();
    const victim = tmpDir();
    fs.writeFileSync(path.join(victim, '.bashrc'), 'alias ls=ls\n');
    fs.mkdirSync(path.join(victim, 'Documents'));
    fs.writeFileSync(path.join(victim, 'Documents', 'thesis.tex'), 'years of work');
    for (const input of [
      { id: 'mlp', format: 'onnx', path: path.join(victim, '.bashrc'), overwrite: true },
      { id: 'mlp', format: 'tfjs', path: path.join(victim, 'Documents'), overwrite: true },
      { id: 'mlp', format: 'tfjs-zip', path: path.join(victim, 'new', 'deep', 'model.zip') },
    ]) {
      expect(await call('models:export', input)).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'models:export: refused: a web client may not call it (only the CLI)' },
      });
    }
    expect(fs.readFileSync(path.join(victim, '.bashrc'), 'utf8')).toBe('alias ls=ls\n');
    expect(fs.readdirSync(victim).sort()).toEqual(['.bashrc', 'Documents']);
    expect(fs.readdirSync(path.join(victim, 'Documents'))).toEqual(['thesis.tex']);
    await close();
  });

  it('predict on a path, paths to import and mirror URLs are refused naming the field; the settings keep their mirrors', async () => {
    const { call, close } = await connect();
    expect(await call('models:predict', { id: 'mlp', image: { path: '/etc/passwd' } })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', field: 'image.path' } });
    expect(await call('models:predict', { id: 'mlp', image: { path: '/no/such/file.png' } })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', field: 'image.path' } });
    expect(await call('models:import', { path: '/etc' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call('datasets:import', { paths: ['/etc'] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call('datasets:download', { id: 'mnist', mirrors: ['http://169.254.169.254/latest/'] })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', field: 'mirrors', message: expect.stringContaining('datasets:download: mirrors: refused: a web client may not give it') },
    });
    expect(await call('settings:update', { mirrors: ['http://169.254.169.254/latest/'] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', field: 'mirrors' } });
    expect(studio.settings.read().mirrors).toEqual([]);
    // What the page does instead still works.
    expect(await call('settings:update', { theme: 'dark' })).toMatchObject({ ok: true });
    await close();
  }, 60_000);
});

describe('uploads from a web client', () => {
  it('imports a dataset from its four uploaded IDX files, and a model from its uploaded .zip; no staging folder stays', { timeout: 60_000 }, async () => {
    const { call, close } = await connect();
    const dir = mnistFixtureDir();
    const files = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.gz'))
      .map((name) => ({ name, data: new Uint8Array(fs.readFileSync(path.join(dir, name))) }));
    expect(files.some((f) => f.data.length > UPLOAD_CHUNK_BYTES)).toBe(true);
    const dataId = await upload(call, 'dataset', files);
    expect(staged()).toHaveLength(1);
    expect(await call('datasets:importUpload', { uploadId: dataId, name: 'uploaded-digits' })).toMatchObject({
      ok: true,
      value: { id: 'uploaded-digits', status: 'ready', origin: { kind: 'import', from: 'upload' } },
    });
    expect(staged()).toEqual([]);

    const zip = (await dispatch(studio.handlers, 'models:download', { id: 'mlp', format: 'tfjs-zip' }, { shell: 'web' })) as Result<ModelDownload>;
    if (!zip.ok) throw new Error(zip.error.message);
    const modelId = await upload(call, 'model', [{ name: zip.value.fileName, data: zip.value.data }]);
    // Imported into the home it came from: its name is taken, so it gets a suffix.
    expect(await call('models:importUpload', { uploadId: modelId })).toMatchObject({ ok: true, value: { name: 'Web MLP (2)', source: 'imported' } });
    expect(staged()).toEqual([]);
    // An upload is used once.
    expect(await call('models:importUpload', { uploadId: modelId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', field: 'uploadId' } });
    await close();
  });

  it('imports a personal set’s .zip exported on another machine, drawings and name kept', { timeout: 60_000 }, async () => {
    const { call, close } = await connect();
    const samples = Array.from({ length: 10 }, (_, d) => ({ label: d, strokes: drawnDigit(d, 4) }));
    const saved = await call('datasets:savePersonal', { id: 'anns-hand', name: 'Ann’s hand', samples });
    expect(saved).toMatchObject({ ok: true });
    const zip = await call('datasets:downloadPersonal', { id: 'anns-hand' });
    if (!zip.ok) throw new Error(zip.error.message);
    const { fileName, data } = zip.value as { fileName: string; data: Uint8Array };
    const uploadId = await upload(call, 'dataset', [{ name: fileName, data }]);
    // Its id is taken here (it was made in this home), so it gets a free one; the name it was given stays.
    expect(await call('datasets:importUpload', { uploadId })).toMatchObject({ ok: true, value: { id: 'anns-hand-2', name: 'Ann’s hand', personal: true, test: { count: 10 } } });
    const [a, b] = await Promise.all(['anns-hand', 'anns-hand-2'].map((id) => loadDataset({ home, id })));
    expect(b!.test.images).toEqual(a!.test.images);
    expect(b!.test.labels).toEqual(a!.test.labels);
    expect(staged()).toEqual([]);
    await close();
  });

  it('a refused import names the uploaded file, not a folder of the engine’s machine, and the staging folder goes', async () => {
    const { call, close } = await connect();
    const id = await upload(call, 'model', [
      { name: 'model.json', data: new TextEncoder().encode('{"modelTopology": 1, "weightsManifest": []}') },
      { name: 'weights.bin', data: new Uint8Array(8) },
    ]);
    const res = await call('models:importUpload', { uploadId: id });
    expect(res).toMatchObject({ ok: false, error: { code: 'INTEGRITY', message: expect.stringMatching(/^model\.json: /) } });
    if (!res.ok) expect(res.error.message).not.toContain(home);
    expect(staged()).toEqual([]);
    await close();
  });

  it('refuses past the caps naming the file, a chunk out of place or past the size declared, and an import before the last byte', async () => {
    const { call, close } = await connect();
    const big = UPLOAD_LIMITS.dataset.maxFileBytes + 1;
    expect(await call('uploads:begin', { kind: 'dataset', files: [{ name: 'train-images-idx3-ubyte', size: big }] })).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        field: 'files.0.size',
        message: expect.stringMatching(/^train-images-idx3-ubyte: 134,217,729 bytes; a file of a dataset upload may have at most 134,217,728/),
      },
    });
    expect(await call('uploads:begin', { kind: 'dataset', files: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, size: 1 })) })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'files' },
    });
    expect(await call('uploads:begin', { kind: 'model', files: [{ name: '../../.bashrc', size: 1 }] })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'files.0.name' },
    });
    const begun = await call('uploads:begin', { kind: 'model', files: [{ name: 'model.json', size: 4 }] });
    const { uploadId } = (begun as { ok: true; value: { uploadId: string } }).value;
    expect(await call('uploads:chunk', { uploadId, file: 'model.json', offset: 2, data: new Uint8Array(2) })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'offset' },
    });
    expect(await call('uploads:chunk', { uploadId, file: 'model.json', offset: 0, data: new Uint8Array(5) })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'model.json: more than the 4 bytes declared' },
    });
    expect(await call('uploads:chunk', { uploadId, file: 'model.json', offset: 0, data: new Uint8Array(2) })).toMatchObject({ ok: true, value: { received: 2 } });
    expect(await call('models:importUpload', { uploadId })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'model.json: 2 of its 4 bytes arrived; send the rest first' },
    });
    expect(await call('datasets:importUpload', { uploadId })).toMatchObject({ ok: false, error: { message: expect.stringContaining('holds a model, not a dataset') } });
    expect(await call('uploads:cancel', { uploadId })).toEqual({ ok: true, value: { cancelled: true } });
    expect(staged()).toEqual([]);
    await close();
  });

  it('an upload belongs to its connection: another cannot touch it, and closing the connection removes it', async () => {
    const a = await connect();
    const b = await connect();
    const begun = await a.call('uploads:begin', { kind: 'model', files: [{ name: 'model.json', size: 10 }] });
    const { uploadId } = (begun as { ok: true; value: { uploadId: string } }).value;
    expect(await b.call('uploads:chunk', { uploadId, file: 'model.json', offset: 0, data: new Uint8Array(1) })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await b.call('uploads:cancel', { uploadId })).toEqual({ ok: true, value: { cancelled: false } });
    expect(staged()).toHaveLength(1);
    await a.close();
    await expect.poll(staged).toEqual([]);
    await b.close();
  });

  it('a staging folder left by a crash is removed by the home’s sweep', async () => {
    const { call, close } = await connect();
    await call('uploads:begin', { kind: 'model', files: [{ name: 'model.json', size: 10 }] });
    const [name] = staged();
    // As if the engine had died: the same folder under a process id no longer running.
    const dead = name!.replace(`.${process.pid}.`, '.999999999.');
    fs.cpSync(path.join(home, name!), path.join(home, dead), { recursive: true });
    expect(await sweepHome(home)).toEqual([path.join(home, dead)]);
    await close();
    await expect.poll(staged).toEqual([]);
  });
});
