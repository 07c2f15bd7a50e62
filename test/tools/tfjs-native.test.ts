import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { ROOT } from '../helpers/project';
import { tmpDir } from '../helpers/tmp';

const require = createRequire(import.meta.url);
const STAGE = path.join(ROOT, 'tools', 'tfjs-native', 'stage.cjs');
const native = require(path.join(ROOT, 'tools', 'tfjs-native', 'index.cjs')) as {
  readProvenance(dir: string): Record<string, unknown> | null;
};

/**
 * Writes a zip with the given entries (a stand-in wheel with the real
 * wheel's layout). `rename` rewrites names in the finished bytes, to make
 * entries yazl itself refuses to write (same length, before → after).
 */
async function writeZip(file: string, entries: Record<string, string>, rename?: [string, string]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, body] of Object.entries(entries)) zip.addBuffer(Buffer.from(body), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  let bytes = Buffer.concat(chunks);
  if (rename) bytes = Buffer.from(bytes.toString('latin1').split(rename[0]).join(rename[1]), 'latin1');
  fs.writeFileSync(file, bytes);
}

const GOOD_WHEEL = {
  'tensorflow/libtensorflow_cc.so.2': 'CC-LIBRARY',
  'tensorflow/libtensorflow_framework.so.2': 'FRAMEWORK-LIBRARY',
  'tensorflow/include/tensorflow/c/c_api.h': '/* c api */',
  'tensorflow/include/xla/tsl/platform/status.h': '/* xla */',
  'tensorflow/python/ops/array_ops.py': '# not needed',
};

/** A project folder with a stand-in tfjs-node package (only what the stage step reads). */
function fakeProject() {
  const dir = tmpDir();
  const tfjs = path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node');
  fs.mkdirSync(path.join(tfjs, 'scripts'), { recursive: true });
  fs.writeFileSync(path.join(tfjs, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', binary: { napi_versions: [3, 4, 5, 6, 7, 8] } }));
  return { dir, tfjs, cache: path.join(dir, 'cache') };
}

function runStage(cwd: string, env: Record<string, string>) {
  const res = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(STAGE)}).main().catch(e => { console.error('error: ' + e.message); process.exit(1); })`], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, ...env },
    encoding: 'utf8',
  });
  return { code: res.status, stderr: res.stderr };
}

describe('libtensorflow staging from the tensorflow-cpu wheel', () => {
  it('extracts the libraries and headers into the cache and lays out deps/ for tfjs-node', async () => {
    const p = fakeProject();
    const wheel = path.join(p.dir, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl');
    await writeZip(wheel, GOOD_WHEEL);
    const res = runStage(p.dir, { MNIST_STUDIO_CACHE: p.cache, MNIST_STUDIO_TF_WHEEL: wheel });
    expect(res.stderr).toContain('staged libtensorflow 2.21.0');
    expect(res.code).toBe(0);

    const cached = path.join(p.cache, 'libtensorflow', `tensorflow-cpu-2.21.0-${process.platform}-${process.arch}`);
    expect(fs.existsSync(path.join(cached, 'READY.json'))).toBe(true);
    expect(fs.readFileSync(path.join(cached, 'include', 'xla', 'tsl', 'platform', 'status.h'), 'utf8')).toBe('/* xla */');
    expect(fs.existsSync(path.join(cached, 'include', '..', 'python'))).toBe(false);

    const lib = path.join(p.tfjs, 'deps', 'lib');
    expect(fs.readFileSync(path.join(lib, 'libtensorflow_cc.so.2'), 'utf8')).toBe('CC-LIBRARY');
    // Hard links, not copies: a second project costs no disk.
    expect(fs.statSync(path.join(lib, 'libtensorflow_cc.so.2')).ino).toBe(fs.statSync(path.join(cached, 'lib', 'libtensorflow_cc.so.2')).ino);
    expect(fs.readlinkSync(path.join(lib, 'libtensorflow.so'))).toBe('libtensorflow_cc.so.2');
    expect(fs.readlinkSync(path.join(lib, 'libtensorflow.so.2.9.1'))).toBe('libtensorflow_cc.so.2');
    expect(fs.readlinkSync(path.join(lib, 'libtensorflow_framework.so'))).toBe('libtensorflow_framework.so.2');
    expect(fs.realpathSync(path.join(p.tfjs, 'deps', 'include'))).toBe(fs.realpathSync(path.join(cached, 'include')));
    // No cached addon yet: tfjs-node's install script is told to compile.
    expect(JSON.parse(fs.readFileSync(path.join(p.tfjs, 'scripts', 'custom-binary.json'), 'utf8'))).toHaveProperty('tf-lib');
    expect(native.readProvenance(p.tfjs)).toMatchObject({ source: 'tensorflow-cpu-wheel', version: '2.21.0', addon: 'compile' });
    expect(fs.readdirSync(path.dirname(cached))).toEqual([path.basename(cached)]);
  });

  it('reuses the cache and a cached addon on the next install, without the wheel', async () => {
    const p = fakeProject();
    const wheel = path.join(p.dir, 'tf.whl');
    await writeZip(wheel, GOOD_WHEEL);
    expect(runStage(p.dir, { MNIST_STUDIO_CACHE: p.cache, MNIST_STUDIO_TF_WHEEL: wheel }).code).toBe(0);
    const addonDir = path.join(p.cache, 'addons', `tfjs-node-4.22.0-napi-v8-${process.platform}-${process.arch}-tf-2.21.0`);
    fs.mkdirSync(addonDir, { recursive: true });
    fs.writeFileSync(path.join(addonDir, 'tfjs_binding.node'), 'COMPILED-ADDON');
    fs.rmSync(wheel);
    fs.rmSync(path.join(p.tfjs, 'deps'), { recursive: true });

    const res = runStage(p.dir, { MNIST_STUDIO_CACHE: p.cache, MNIST_STUDIO_LIBTENSORFLOW: 'wheel' });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('using cached libtensorflow');
    expect(fs.readFileSync(path.join(p.tfjs, 'lib', 'napi-v8', 'tfjs_binding.node'), 'utf8')).toBe('COMPILED-ADDON');
    expect(fs.existsSync(path.join(p.tfjs, 'scripts', 'custom-binary.json'))).toBe(false);
    expect(native.readProvenance(p.tfjs)).toMatchObject({ addon: 'cached' });
  });

  it('leaves tfjs-node to its own download when asked', () => {
    const p = fakeProject();
    const res = runStage(p.dir, { MNIST_STUDIO_CACHE: p.cache, MNIST_STUDIO_LIBTENSORFLOW: 'download' });
    expect(res.code).toBe(0);
    expect(fs.existsSync(path.join(p.tfjs, 'deps', 'lib'))).toBe(false);
    expect(native.readProvenance(p.tfjs)).toMatchObject({ source: 'tfjs-node-download' });
  });

  it('fails with what was tried and what to do when the wheel is missing, leaving nothing behind', () => {
    const p = fakeProject();
    const res = runStage(p.dir, { MNIST_STUDIO_CACHE: p.cache, MNIST_STUDIO_TF_WHEEL: path.join(p.dir, 'nope.whl') });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no native TensorFlow (libtensorflow) could be found');
    expect(res.stderr).toContain(`MNIST_STUDIO_TF_WHEEL=${path.join(p.dir, 'nope.whl')}: no such file`);
    expect(res.stderr).toContain('What you can do');
    expect(fs.readdirSync(path.join(p.cache, 'libtensorflow'))).toEqual([]);
    expect(fs.existsSync(path.join(p.tfjs, 'deps'))).toBe(false);
  });

  it('rejects a wheel without the libraries, naming the file and what is missing', async () => {
    const p = fakeProject();
    const wheel = path.join(p.dir, 'broken.whl');
    await writeZip(wheel, { 'tensorflow/include/tensorflow/c/c_api.h': 'x', 'tensorflow/libtensorflow_framework.so.2': 'f' });
    const res = runStage(p.dir, { MNIST_STUDIO_CACHE: p.cache, MNIST_STUDIO_TF_WHEEL: wheel });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${wheel}: does not contain tensorflow/libtensorflow_cc.so.2`);
    expect(fs.readdirSync(path.join(p.cache, 'libtensorflow'))).toEqual([]);
  });

  it('rejects a wheel whose header paths climb out of the include folder', async () => {
    const p = fakeProject();
    const wheel = path.join(p.dir, 'evil.whl');
    await writeZip(wheel, { ...GOOD_WHEEL, 'tensorflow/include/AA/AA/AA/escaped.h': 'x' }, ['AA/AA/AA', '../../..']);
    expect(fs.readFileSync(wheel, 'latin1')).toContain('tensorflow/include/../../../escaped.h');
    const res = runStage(p.dir, { MNIST_STUDIO_CACHE: p.cache, MNIST_STUDIO_TF_WHEEL: wheel });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/invalid relative path|unsafe entry/);
    expect(fs.existsSync(path.join(p.dir, 'escaped.h'))).toBe(false);
  });
});
