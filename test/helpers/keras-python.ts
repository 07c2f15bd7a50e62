import { execFile } from 'node:child_process';
import fs from 'node:fs';

/**
 * A Python for tests that check the studio's files in another framework:
 * the one `envVar` names, else `fallback`. Null (the test skips, saying why)
 * when neither is there.
 */
export function findPython(envVar: string, fallback: string, what: string): string | null {
  const candidates = [process.env[envVar], fallback].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => fs.existsSync(p)) ?? null;
  if (!found) console.warn(`skipping the ${what} checks: no Python with ${what} (set ${envVar}; tried ${candidates.join(', ')})`);
  return found;
}

/** A Python with Keras 3 (and h5py): MNIST_STUDIO_KERAS_PYTHON, else the venv the fixtures script uses. */
export function kerasPython(): string | null {
  return findPython('MNIST_STUDIO_KERAS_PYTHON', '/tmp/venv-keras/bin/python', 'Keras');
}

/** Runs `code` in that Python with `args`; resolves its stdout, rejects with its stderr. */
export function runPython(python: string, code: string, args: string[], timeoutMs = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ['-c', code, ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', KERAS_BACKEND: 'tensorflow', CUDA_VISIBLE_DEVICES: '' } },
      (err, stdout, stderr) => (err ? reject(new Error(`${python} failed: ${err.message}\n${stderr.slice(-4000)}`)) : resolve(stdout)),
    );
  });
}
