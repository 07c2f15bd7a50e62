import os from 'node:os';
import { appVersion } from './app-info';
import { electronBinary, type ElectronBinary } from './electron-binary';
import { PRODUCT_NAME } from './home';
import { libtensorflowVersion, loadTf, readProvenance, type LibtensorflowProvenance } from './native';

/** What `mnist-studio doctor` reports: can this machine train natively, and with what. */
export interface DoctorReport {
  app: { name: string; version: string };
  node: string;
  platform: string;
  tfjs: { node: string | null; core: string | null };
  libtensorflow: { version: string | null; source: string };
  backend: string | null;
  cpu: { model: string; threads: number; intraOpThreads: string };
  electron: ElectronBinary;
  home: string;
  ok: boolean;
  verdict: string;
}

export function describeSource(p: LibtensorflowProvenance | null): string {
  if (!p) return 'unknown (installed without the mnist-studio install step)';
  if (p.source === 'tensorflow-cpu-wheel') return `tensorflow-cpu ${p.version} wheel${p.cache ? ` (cache ${p.cache})` : ''}`;
  return `tfjs-node download (libtensorflow ${p.version})`;
}

export function runDoctor(home: string): DoctorReport {
  const provenance = readProvenance();
  const cpus = os.cpus();
  const base = {
    app: { name: PRODUCT_NAME, version: appVersion() },
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    cpu: {
      model: cpus[0]?.model.trim() ?? 'unknown',
      threads: os.availableParallelism(),
      intraOpThreads: process.env.TF_NUM_INTRAOP_THREADS ?? 'TensorFlow default',
    },
    electron: electronBinary(),
    home,
  };
  try {
    // Its checks run no convolution, and with oneDNN on TF 2.21 prints an INFO line to stderr whatever
    // TF_CPP_MIN_LOG_LEVEL says: the doctor's own TensorFlow runs without it (trainers keep loadTf's default).
    process.env.TF_ENABLE_ONEDNN_OPTS ??= '0';
    const tf = loadTf();
    const backend = tf.getBackend();
    const tfVersion = libtensorflowVersion(tf);
    const ok = backend === 'tensorflow' && tfVersion !== null;
    return {
      ...base,
      tfjs: { node: tf.version['tfjs-node'] ?? null, core: tf.version['tfjs-core'] ?? null },
      libtensorflow: { version: tfVersion, source: describeSource(provenance) },
      backend,
      ok,
      verdict: ok
        ? `ready: native TensorFlow ${tfVersion} on ${base.cpu.threads} CPU threads`
        : `not ready: backend is ${backend}, not the native tensorflow backend; reinstall with npm install`,
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      ...base,
      tfjs: { node: null, core: null },
      libtensorflow: { version: null, source: describeSource(provenance) },
      backend: null,
      ok: false,
      verdict: `not ready: @tensorflow/tfjs-node does not load (${reason}); run npm install again, or set MNIST_STUDIO_TF_WHEEL to a tensorflow-cpu 2.21.0 wheel and reinstall`,
    };
  }
}

export function formatDoctor(r: DoctorReport): string {
  const rows: [string, string][] = [
    ['version', `${r.app.name} ${r.app.version} (Node ${r.node}, ${r.platform})`],
    ['tfjs-node', r.tfjs.node ? `${r.tfjs.node} (tfjs-core ${r.tfjs.core})` : 'not loaded'],
    ['libtensorflow', r.libtensorflow.version ? `${r.libtensorflow.version} from ${r.libtensorflow.source}` : `none (${r.libtensorflow.source})`],
    ['backend', r.backend ?? 'none'],
    ['CPU', `${r.cpu.threads} threads, ${r.cpu.model}; TF intra-op threads: ${r.cpu.intraOpThreads}`],
    [
      'Electron',
      r.electron.version
        ? `${r.electron.version}, binary ${r.electron.binary === 'present' ? `present (${r.electron.path})` : 'not downloaded yet (npm start fetches it)'}`
        : 'not installed',
    ],
    ['studio home', r.home],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n${r.ok ? 'verdict' : 'verdict'}: ${r.verdict}`;
}
