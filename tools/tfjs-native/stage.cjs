'use strict';
// The preinstall step (see preinstall.cjs). npm finishes its preinstall
// phase for every package before any package's install script starts. If @tensorflow/tfjs-node's own download
// of libtensorflow cannot work here, stage libtensorflow from the official
// tensorflow-cpu wheel into tfjs-node's deps/ folder; tfjs-node's install
// script then finds it and compiles its addon against it.
//
// Environment:
//   MNIST_STUDIO_TF_WHEEL=/path/to/tensorflow_cpu-2.21.0-….whl   use this wheel
//   MNIST_STUDIO_LIBTENSORFLOW=auto|wheel|download                 force a source
//   MNIST_STUDIO_CACHE=DIR                                         cache folder
const fs = require('node:fs');
const path = require('node:path');
const https = require('node:https');
const { spawnSync } = require('node:child_process');
const native = require('./index.cjs');

const GOOGLE_LIBTF_URL = `https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-${native.TFJS_NODE_LIBTF_VERSION}.tar.gz`;

function log(message) {
  process.stderr.write(`mnist-studio: ${message}\n`);
}

function locateTfjsNode() {
  try {
    return path.dirname(require.resolve('@tensorflow/tfjs-node/package.json', { paths: [process.cwd(), __dirname] }));
  } catch {
    return null;
  }
}

/** HEAD request to the host tfjs-node downloads from; resolves to a short description of the answer. */
function probe(url, timeoutMs = 8000) {
  return new Promise((resolve) => {
    const req = https.request(url, { method: 'HEAD', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ ok: res.statusCode >= 200 && res.statusCode < 300, detail: `HTTP ${res.statusCode}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on('error', (err) => resolve({ ok: false, detail: err.code || err.message }));
    req.end();
  });
}

function pipDownload(destDir) {
  const attempts = [
    ['python3', ['-m', 'pip']],
    ['python', ['-m', 'pip']],
    ['pip3', []],
    ['pip', []],
  ];
  const errors = [];
  for (const [cmd, prefix] of attempts) {
    const args = [...prefix, 'download', native.WHEEL.requirement, '--no-deps', '--only-binary=:all:', '-d', destDir];
    const res = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (res.error && res.error.code === 'ENOENT') {
      errors.push(`${cmd}: not installed`);
      continue;
    }
    if (res.status === 0) {
      const wheel = fs.readdirSync(destDir).find((f) => f.startsWith('tensorflow_cpu-') && f.endsWith('.whl'));
      if (wheel) return { wheel: path.join(destDir, wheel), errors };
      errors.push(`${cmd} ${args.join(' ')}: finished but left no wheel in ${destDir}`);
      continue;
    }
    const lastLine = `${res.stderr || ''}`.trim().split('\n').filter(Boolean).pop() || `exit ${res.status}`;
    errors.push(`${cmd} ${args.join(' ')}: ${lastLine}`);
  }
  return { wheel: null, errors };
}

/** Extracts the two libraries and the include tree of a wheel into dir/{lib,include}. */
function extractWheel(wheelPath, dir) {
  const yauzl = require('yauzl');
  const { WHEEL } = native;
  return new Promise((resolve, reject) => {
    yauzl.open(wheelPath, { lazyEntries: true, autoClose: true }, (openErr, zip) => {
      if (openErr) return reject(new Error(`${wheelPath}: not a readable wheel (${openErr.message})`));
      const found = new Set();
      zip.on('error', (err) => reject(new Error(`${wheelPath}: ${err.message}`)));
      zip.on('end', () => {
        const missing = WHEEL.libs.filter((lib) => !found.has(lib));
        if (missing.length) reject(new Error(`${wheelPath}: does not contain ${missing.map((m) => WHEEL.libPrefix + m).join(', ')}`));
        else if (!found.has('include')) reject(new Error(`${wheelPath}: does not contain ${WHEEL.includePrefix}`));
        else resolve();
      });
      zip.on('entry', (entry) => {
        const name = entry.fileName;
        let target = null;
        if (name.startsWith(WHEEL.includePrefix) && !name.endsWith('/')) {
          const rest = name.slice(WHEEL.includePrefix.length);
          if (rest.split('/').some((part) => part === '..' || part === '')) return reject(new Error(`${wheelPath}: unsafe entry ${name}`));
          target = path.join(dir, 'include', rest);
          found.add('include');
        } else {
          const lib = WHEEL.libs.find((l) => name === WHEEL.libPrefix + l);
          if (lib) {
            target = path.join(dir, 'lib', lib);
            found.add(lib);
          }
        }
        if (!target) return zip.readEntry();
        fs.mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr) return reject(streamErr);
          const out = fs.createWriteStream(target, { mode: target.endsWith('.so.2') ? 0o755 : 0o644 });
          out.on('error', reject);
          out.on('close', () => zip.readEntry());
          stream.on('error', reject);
          stream.pipe(out);
        });
      });
      zip.readEntry();
    });
  });
}

/** Makes sure the cache holds the wheel's libraries and headers; returns the cache folder. */
async function ensureCachedLibtensorflow(tried) {
  const dir = native.libtensorflowCacheDir();
  if (fs.existsSync(path.join(dir, 'READY.json'))) {
    log(`using cached libtensorflow ${native.WHEEL.version} from ${dir}`);
    return dir;
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const work = fs.mkdtempSync(`${dir}.partial-`);
  try {
    let wheel = process.env.MNIST_STUDIO_TF_WHEEL ? path.resolve(process.env.MNIST_STUDIO_TF_WHEEL) : null;
    if (wheel) {
      if (!fs.existsSync(wheel)) throw new Error(`MNIST_STUDIO_TF_WHEEL=${wheel}: no such file`);
      tried.push(`the wheel named by MNIST_STUDIO_TF_WHEEL (${wheel})`);
    } else {
      log(`downloading ${native.WHEEL.requirement} with pip (libtensorflow fallback)…`);
      const res = pipDownload(path.join(work, 'wheel'));
      tried.push(...res.errors.map((e) => `pip download: ${e}`));
      if (!res.wheel) throw new Error('pip could not download the tensorflow-cpu wheel');
      wheel = res.wheel;
    }
    log(`extracting libtensorflow from ${path.basename(wheel)}…`);
    const staged = path.join(work, 'out');
    await extractWheel(wheel, staged);
    fs.writeFileSync(
      path.join(staged, 'READY.json'),
      `${JSON.stringify({ wheel: path.basename(wheel), version: native.WHEEL.version, extractedAt: new Date().toISOString() }, null, 2)}\n`,
    );
    try {
      fs.renameSync(staged, dir);
    } catch (err) {
      // Another install filled the cache meanwhile: use theirs.
      if (!fs.existsSync(path.join(dir, 'READY.json'))) throw err;
    }
    return dir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function linkOrCopy(from, to) {
  fs.rmSync(to, { force: true });
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

function symlink(target, linkPath) {
  fs.rmSync(linkPath, { force: true, recursive: true });
  fs.symlinkSync(target, linkPath);
}

/** Lays out deps/ the way tfjs-node's binding.gyp and install script expect. */
function stage(tfjsDir, cacheDir) {
  const deps = path.join(tfjsDir, 'deps');
  const lib = path.join(deps, 'lib');
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(lib, { recursive: true });
  for (const name of native.WHEEL.libs) linkOrCopy(path.join(cacheDir, 'lib', name), path.join(lib, name));
  // -ltensorflow / -ltensorflow_framework resolve to these; the sonames stay
  // libtensorflow_cc.so.2 / libtensorflow_framework.so.2, found via rpath.
  symlink('libtensorflow_cc.so.2', path.join(lib, 'libtensorflow.so'));
  symlink('libtensorflow_framework.so.2', path.join(lib, 'libtensorflow_framework.so'));
  // tfjs-node's install script skips its download when this name exists.
  symlink('libtensorflow_cc.so.2', path.join(lib, `libtensorflow.so.${native.TFJS_NODE_LIBTF_VERSION}`));
  // Headers are needed only to compile; the postinstall removes this link.
  symlink(path.join(cacheDir, 'include'), path.join(deps, 'include'));
}

function stageAddon(tfjsDir) {
  const cached = path.join(native.addonCacheDir(tfjsDir), 'tfjs_binding.node');
  const customBinary = path.join(tfjsDir, 'scripts', 'custom-binary.json');
  if (fs.existsSync(cached)) {
    const target = native.addonPath(tfjsDir);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(cached, target);
    fs.rmSync(customBinary, { force: true });
    return 'cached';
  }
  // A custom tf-lib without a custom addon makes tfjs-node's install script
  // compile from source instead of fetching a prebuilt addon made for 2.9.1.
  fs.writeFileSync(customBinary, `${JSON.stringify({ 'tf-lib': 'file://mnist-studio-staged-libtensorflow' })}\n`);
  return 'compile';
}

async function main() {
  const tfjsDir = locateTfjsNode();
  if (!tfjsDir) {
    log('@tensorflow/tfjs-node is not being installed; nothing to stage.');
    return;
  }
  const requested = (process.env.MNIST_STUDIO_LIBTENSORFLOW || 'auto').toLowerCase();
  if (!['auto', 'wheel', 'download'].includes(requested)) {
    throw new Error(`MNIST_STUDIO_LIBTENSORFLOW=${requested}: expected auto, wheel or download`);
  }
  const supported = process.platform === 'linux' && process.arch === 'x64';
  const tried = [];
  let source = requested;
  if (source === 'auto') {
    if (process.env.MNIST_STUDIO_TF_WHEEL) source = 'wheel';
    else if (!supported || process.env.TFJS_NODE_BASE_URI || process.env.TFJS_NODE_CDN_STORAGE) source = 'download';
    else {
      const answer = await probe(GOOGLE_LIBTF_URL);
      tried.push(`tfjs-node's own download (${GOOGLE_LIBTF_URL}): ${answer.detail}`);
      source = answer.ok ? 'download' : 'wheel';
    }
  }
  if (source === 'download') {
    native.writeProvenance(tfjsDir, { source: 'tfjs-node-download', version: native.TFJS_NODE_LIBTF_VERSION, tried });
    return;
  }
  if (!supported) {
    throw new Error(`the tensorflow-cpu wheel fallback supports Linux x64 only, not ${process.platform}-${process.arch}`);
  }
  let cacheDir;
  try {
    cacheDir = await ensureCachedLibtensorflow(tried);
  } catch (err) {
    const lines = [
      'no native TensorFlow (libtensorflow) could be found for @tensorflow/tfjs-node.',
      'Tried:',
      ...tried.map((t) => `  - ${t}`),
      `  - ${err.message}`,
      'What you can do: download the tensorflow-cpu 2.21.0 wheel for Linux x86_64 on any machine',
      '(pip download tensorflow-cpu==2.21.0 --no-deps), then run',
      '  MNIST_STUDIO_TF_WHEEL=/path/to/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl npm install',
    ];
    throw new Error(lines.join('\n'), { cause: err });
  }
  stage(tfjsDir, cacheDir);
  const addon = stageAddon(tfjsDir);
  native.writeProvenance(tfjsDir, {
    source: 'tensorflow-cpu-wheel',
    version: native.WHEEL.version,
    cache: cacheDir,
    addon,
    tried,
  });
  log(`staged libtensorflow ${native.WHEEL.version} from the tensorflow-cpu wheel (addon: ${addon})`);
}

module.exports = { main, probe, pipDownload, extractWheel, ensureCachedLibtensorflow, stage, stageAddon, GOOGLE_LIBTF_URL };
