// After `npm install`/`npm ci`: proves that @tensorflow/tfjs-node loads with
// its native backend, caches the compiled addon for the next install, and
// prints one line saying which libtensorflow is in use. Never lets a missing
// native backend pass silently.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const native = require('@mnist-studio/tfjs-native');

function fail(lines) {
  process.stderr.write(`mnist-studio: error: ${lines.join('\nmnist-studio: ')}\n`);
  process.exit(1);
}

let tfjsDir;
try {
  tfjsDir = path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
} catch {
  fail(['@tensorflow/tfjs-node is not installed; run npm install again and read its output']);
}
const provenance = native.readProvenance(tfjsDir);

const probe = spawnSync(
  process.execPath,
  [
    '-e',
    "const tf = require('@tensorflow/tfjs-node');" +
      "process.stdout.write(JSON.stringify({ backend: tf.getBackend(), tf: tf.backend().binding.TF_Version, tfjs: tf.version['tfjs-node'] }))",
  ],
  { encoding: 'utf8', env: { TF_CPP_MIN_LOG_LEVEL: '2', TF_ENABLE_ONEDNN_OPTS: '0', ...process.env } },
);
let loaded;
try {
  loaded = probe.status === 0 ? JSON.parse(probe.stdout) : null;
} catch {
  loaded = null;
}
if (!loaded || loaded.backend !== 'tensorflow') {
  const why = loaded ? `the backend is ${loaded.backend}` : (probe.stderr || '').trim().split('\n').slice(-3).join(' / ');
  fail([
    `@tensorflow/tfjs-node does not load its native backend: ${why}`,
    ...(provenance?.tried ?? []).map((t) => `tried: ${t}`),
    'Set MNIST_STUDIO_TF_WHEEL=/path/to/tensorflow_cpu-2.21.0-…-manylinux_2_27_x86_64.whl (pip download tensorflow-cpu==2.21.0 --no-deps)',
    'or MNIST_STUDIO_LIBTENSORFLOW=download where storage.googleapis.com is reachable, then run npm install again.',
  ]);
}

let from = 'tfjs-node’s own download';
if (provenance?.source === 'tensorflow-cpu-wheel') {
  from = `the tensorflow-cpu ${provenance.version} wheel (cache ${provenance.cache})`;
  if (provenance.addon === 'compile') {
    // Keep the freshly compiled addon so the next install skips compiling.
    const dir = native.addonCacheDir(tfjsDir);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `tfjs_binding.node.${process.pid}.tmp`);
    fs.copyFileSync(native.addonPath(tfjsDir), tmp);
    fs.renameSync(tmp, path.join(dir, 'tfjs_binding.node'));
  }
}
process.stdout.write(`mnist-studio: native TensorFlow ready: libtensorflow ${loaded.tf} from ${from}; tfjs-node ${loaded.tfjs}, backend ${loaded.backend}\n`);
