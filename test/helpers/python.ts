/**
 * Pythons with the real frameworks, for the tests that check the studio's imports and exports against them.
 * `.ci/run` makes them from the pip index and exports MNIST_STUDIO_TORCH_PYTHON / MNIST_STUDIO_KERAS_PYTHON;
 * on a developer's machine /tmp/venv-torch and /tmp/venv-keras are tried. Null where none imports the framework:
 * those tests skip and say why (`skipReason`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

function findPython(envVar: string, fallback: string, module: string): string | null {
  for (const candidate of [process.env[envVar], fallback]) {
    if (!candidate || !fs.existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 120_000 });
    if (probe.status === 0) return candidate;
  }
  return null;
}

/** A Python with torch, onnx and onnxruntime, or null. */
export const torchPython = findPython('MNIST_STUDIO_TORCH_PYTHON', '/tmp/venv-torch/bin/python', 'torch');
/** A Python with TensorFlow's Keras 3 and h5py, or null. */
export const kerasPython = findPython('MNIST_STUDIO_KERAS_PYTHON', '/tmp/venv-keras/bin/python', 'keras');

export function skipReason(framework: 'PyTorch' | 'Keras'): string {
  const envVar = framework === 'PyTorch' ? 'MNIST_STUDIO_TORCH_PYTHON' : 'MNIST_STUDIO_KERAS_PYTHON';
  return `skipped: no Python with ${framework} (set ${envVar}, or run .ci/run, which makes one from the pip index)`;
}
