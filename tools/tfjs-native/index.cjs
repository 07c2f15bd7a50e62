'use strict';
// Shared by the preinstall step (which stages libtensorflow before
// @tensorflow/tfjs-node's own install script runs) and by the project's
// postinstall and `mnist-studio doctor` (which read what was staged).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** The wheel our fallback takes libtensorflow from, and the file names inside it. */
const WHEEL = {
  requirement: 'tensorflow-cpu==2.21.0',
  version: '2.21.0',
  libs: ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'],
  includePrefix: 'tensorflow/include/',
  libPrefix: 'tensorflow/',
};

/** libtensorflow version tfjs-node 4.22's install script looks for in deps/lib. */
const TFJS_NODE_LIBTF_VERSION = '2.9.1';

/** Written into tfjs-node's deps folder: where its libtensorflow came from. */
const PROVENANCE_FILE = 'mnist-studio-libtensorflow.json';

function cacheRoot(env = process.env) {
  if (env.MNIST_STUDIO_CACHE) return path.resolve(env.MNIST_STUDIO_CACHE);
  if (process.platform === 'win32') {
    return path.join(env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local'), 'mnist-studio', 'cache');
  }
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'mnist-studio');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mnist-studio');
}

/** Folder holding the extracted wheel libraries (lib/) and headers (include/). */
function libtensorflowCacheDir(env = process.env) {
  return path.join(cacheRoot(env), 'libtensorflow', `tensorflow-cpu-${WHEEL.version}-${process.platform}-${process.arch}`);
}

/**
 * The N-API version tfjs-node's addon is built for: the highest one its
 * package.json lists that this runtime supports (node-pre-gyp's rule).
 */
function napiBuildVersion(tfjsNodeDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(tfjsNodeDir, 'package.json'), 'utf8'));
  const runtime = Number(process.versions.napi);
  const usable = pkg.binary.napi_versions.filter((v) => v <= runtime);
  if (usable.length === 0) throw new Error(`tfjs-node ${pkg.version} supports no N-API version this Node.js (${runtime}) has`);
  return { version: pkg.version, napi: Math.max(...usable) };
}

/** Folder holding a compiled tfjs_binding.node for one tfjs-node version and libtensorflow. */
function addonCacheDir(tfjsNodeDir, env = process.env) {
  const { version, napi } = napiBuildVersion(tfjsNodeDir);
  return path.join(cacheRoot(env), 'addons', `tfjs-node-${version}-napi-v${napi}-${process.platform}-${process.arch}-tf-${WHEEL.version}`);
}

/** Where tfjs-node loads its addon from (its package.json binary.module_path). */
function addonPath(tfjsNodeDir) {
  return path.join(tfjsNodeDir, 'lib', `napi-v${napiBuildVersion(tfjsNodeDir).napi}`, 'tfjs_binding.node');
}

function readProvenance(tfjsNodeDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(tfjsNodeDir, 'deps', PROVENANCE_FILE), 'utf8'));
  } catch {
    return null;
  }
}

function writeProvenance(tfjsNodeDir, record) {
  const dir = path.join(tfjsNodeDir, 'deps');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, PROVENANCE_FILE);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

module.exports = {
  WHEEL,
  TFJS_NODE_LIBTF_VERSION,
  PROVENANCE_FILE,
  cacheRoot,
  libtensorflowCacheDir,
  addonCacheDir,
  addonPath,
  readProvenance,
  writeProvenance,
};
